"""What a reader wants first on the page of a process, a country and the home page: the summary of a
process (names, founding, region, members by status, chairs with their terms, secretariat, observers,
themes, its main areas and priorities as the numbered and nested lists of the matrix, its events) and the
maps of ``rcpkg.maps`` (a process's members and observers; a country's locator; the world by the number of
processes each government sits in). Built from the in-process queries below and the membership tables of
``views``; ``templates/resource.html`` and ``home.html`` render them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import URIRef

from rcpkg import maps
from rcpkg.charts import role_category
from rcpkg.errors import QueryError
from rcpkg.store import Store
from rcpkg.web.context import local_href
from rcpkg.web.labels import Labeller, Link
from rcpkg.web.views import ResourceView

# Map categories, in legend order, with the words the legend shows.
PROCESS_LEGEND = (
    ("member", "Member government"),
    ("former-member", "Former member"),
    ("suspended-member", "Suspended member"),
    ("observer", "Observer state"),
)
COUNT_BINS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 99))  # processes per government, for the home map

_PROFILE = """
PREFIX rcp: <{rcp}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?p ?o WHERE {{
  VALUES ?p {{ skos:altLabel rcp:acronym rcp:yearEstablished rcp:region dcterms:subject rcp:declaredMemberCount
              rcp:hasOfficialSecretariat }}
  ?this ?p ?o .
}}
"""

_CODES = """
PREFIX rcp: <{rcp}>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?member ?code ?class WHERE {{
  ?m a org:Membership ; org:{side} ?this ; org:member ?member ; org:organization ?process .
  ?member rcp:iso3166Numeric ?code ; a ?class . FILTER(?class IN (rcp:Country, rcp:Territory))
}}
"""

_TERMS = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rcp: <{rcp}>
SELECT ?m ?period ?theme WHERE {{
  ?m org:organization ?this .
  OPTIONAL {{ ?m org:memberDuring/rcp:periodAsWritten ?period }}
  OPTIONAL {{ ?m rcp:termTheme ?theme }}
  FILTER(BOUND(?period) || BOUND(?theme))
}}
"""

_ITEMS = """
PREFIX rcp: <{rcp}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?prop ?item ?position ?text ?marker ?list ?listPosition ?leadIn ?parent WHERE {{
  VALUES ?prop {{ rcp:hasMainArea rcp:hasPriority }}
  ?this ?prop ?item . ?item rcp:position ?position ; rdfs:label ?text .
  OPTIONAL {{ ?item rcp:marker ?marker }}
  OPTIONAL {{ ?item rcp:inList ?list . ?list rcp:position ?listPosition OPTIONAL {{ ?list rcp:leadIn ?leadIn }} }}
  OPTIONAL {{ ?item rcp:subItemOf ?parent }}
}}
"""

_EVENTS = """
PREFIX rcp: <{rcp}>
PREFIX schema: <https://schema.org/>
SELECT ?event ?name ?date ?kind ?place ?outcome WHERE {{
  ?event a schema:Event ; schema:about ?this ; schema:name ?name .
  OPTIONAL {{ ?event schema:startDate ?date }}
  OPTIONAL {{ ?event rcp:eventKind ?kind }}
  OPTIONAL {{ ?event schema:location ?place }}
  OPTIONAL {{ ?event rcp:outcome ?outcome }}
}}
"""

_COUNTS = """
PREFIX rcp: <{rcp}>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?member ?code (COUNT(DISTINCT ?process) AS ?n) WHERE {{
  ?m a org:Membership ; org:organization ?process ; org:member ?member ; org:role ?role .
  ?process a rcp:RegionalConsultativeProcess .
  ?member rcp:iso3166Numeric ?code ; a ?class . FILTER(?class IN (rcp:Country, rcp:Territory))
  FILTER(?role = <{base}id/role/member>)
  FILTER NOT EXISTS {{ ?m rcp:status ?s . FILTER(?s != <{base}id/status/current>) }}
}} GROUP BY ?member ?code
"""


@dataclass
class Item:
    link: Link
    marker: str
    text: str
    children: list[Item] = field(default_factory=list)


@dataclass
class ItemList:
    lead_in: str
    items: list[Item]


@dataclass
class MapView:
    svg: str
    legend: list[tuple[str, str, int]]  # (category, words, how many drawn)
    drawn: list[maps.Area]
    missing: list[maps.Area]


@dataclass
class Profile:
    names: list[str]
    founded: str | None
    regions: list[Link]
    declared: int | None
    member_counts: list[tuple[str, int]]  # (status, count)
    chairs: list[dict]
    secretariat: list[dict]
    observers: list[dict]
    themes: list[Link]
    official_secretariat: bool | None
    main_areas: list[ItemList]
    priorities: list[ItemList]
    events: list[dict]
    map: MapView | None


def _select(store: Store, text: str, iri: str) -> list:
    try:
        return store.select(text, bindings={"this": URIRef(iri)})
    except QueryError:
        return []


def _codes(store: Store, lab: Labeller, iri: str, side: str) -> dict[str, tuple[str, bool]]:
    """Numeric code and whether it is a territory, of every country or territory on a side of ``iri``'s
    memberships."""
    rcp = lab.base + "ontology#"
    out = {}
    for row in _select(store, _CODES.format(rcp=rcp, side=side), iri):
        out[str(row["member"])] = (str(row["code"]), str(row["class"]).endswith("Territory"))
    return out


def process_profile(store: Store, view: ResourceView) -> Profile:
    lab = Labeller(store, view.language)
    rcp = lab.base + "ontology#"
    iri = view.iri
    values: dict[str, list] = defaultdict(list)
    for row in _select(store, _PROFILE.format(rcp=rcp), iri):
        values[str(row["p"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]].append(row["o"])
    names = [view.label] + sorted({str(v) for v in values["acronym"] + values["altLabel"]} - {view.label})
    terms = defaultdict(dict)
    for row in _select(store, _TERMS.format(rcp=rcp), iri):
        entry = terms[str(row["m"])]
        for key in ("period", "theme"):
            if key in row:
                entry[key] = str(row[key])
    by_category: dict[str, list[dict]] = defaultdict(list)
    member_counts: dict[str, int] = defaultdict(int)
    for table in view.roles:
        for row in table.rows:
            category = role_category(row["role_key"], row["status_key"])
            entry = {**row, **terms.get(row["membership"].iri, {})}
            by_category[category].append(entry)
            if row["role_key"] == "member":
                member_counts[row["status_key"] or "current"] += 1
    declared = values["declaredMemberCount"]
    secretariat = values["hasOfficialSecretariat"]
    return Profile(
        names=names,
        founded=str(values["yearEstablished"][0])[:4] if values["yearEstablished"] else None,
        regions=sorted((lab.link(str(r)) for r in values["region"]), key=lambda link: link.label),
        declared=int(declared[0]) if declared else None,
        member_counts=sorted(
            member_counts.items(),
            key=lambda kv: (
                ("current", "former", "suspended").index(kv[0]) if kv[0] in ("current", "former", "suspended") else 9
            ),
        ),
        chairs=by_category["chair"],
        secretariat=by_category["secretariat"],
        observers=[
            r
            for c, rows in by_category.items()
            if c not in ("member", "former member", "suspended member", "chair", "secretariat")
            for r in rows
        ],
        themes=sorted((lab.link(str(t)) for t in values["subject"]), key=lambda link: link.label),
        official_secretariat=(str(secretariat[0]).lower() == "true") if secretariat else None,
        main_areas=_lists(store, lab, iri, "hasMainArea"),
        priorities=_lists(store, lab, iri, "hasPriority"),
        events=_events(store, lab, iri),
        map=process_map(store, lab, view),
    )


def process_map(store: Store, lab: Labeller, view: ResourceView) -> MapView:
    """The member governments (current, former, suspended) and the observer states of a process."""
    codes = _codes(store, lab, view.iri, "organization")
    areas: dict[str, maps.Area] = {}
    order = [c for c, _ in PROCESS_LEGEND]
    for table in view.roles:
        for row in table.rows:
            member = row["party"].iri
            if member not in codes:
                continue
            category = role_category(row["role_key"], row["status_key"]).replace(" ", "-")
            if category not in order:
                if category in ("chair", "secretariat"):
                    continue
                category = "observer"
            code, territory = codes[member]
            previous = areas.get(code)
            if previous is None or order.index(category) < order.index(previous.category):
                name = row["party"].label + (" (territory)" if territory else "")
                areas[code] = maps.Area(code, name, category, row["party"].href)
    drawing = maps.world_svg(areas.values(), title=f"Member governments and observer states of {view.label}")
    return _map_view(drawing, PROCESS_LEGEND)


def _map_view(drawing: maps.Drawing, legend: tuple[tuple[str, str], ...]) -> MapView:
    counts: dict[str, int] = defaultdict(int)
    for area in drawing.drawn + drawing.missing:
        counts[area.category] += 1
    legend_counts = [(c, w, counts[c]) for c, w in legend if counts[c]]
    return MapView(drawing.svg, legend_counts, drawing.drawn, drawing.missing)


def country_map(store: Store, view: ResourceView) -> MapView | None:
    """A locator map of a country or territory (None when the map has no shape for it)."""
    lab = Labeller(store, view.language)
    rows = _select(
        store, f"PREFIX rcp: <{lab.base}ontology#>\nSELECT ?code WHERE {{ ?this rcp:iso3166Numeric ?code }}", view.iri
    )
    if not rows:
        return None
    code = str(rows[0]["code"])
    drawing = maps.world_svg(
        [maps.Area(code, view.label, "focus")],
        title=f"Where {view.label} is",
        focus=code,
        css_class="world-map locator",
    )
    if not drawing.drawn:
        return None
    return _map_view(drawing, (("focus", view.label),))


def home_map(store: Store, lang: str = "en") -> MapView:
    """The world, each government coloured by the number of processes it is a current member of."""
    lab = Labeller(store, lang)
    areas = []
    for row in store.select(_COUNTS.format(rcp=lab.base + "ontology#", base=lab.base)):
        n = int(row["n"])
        for low, high in COUNT_BINS:
            if low <= n <= high:
                break
        member = str(row["member"])
        areas.append(
            maps.Area(
                str(row["code"]),
                f"{lab.label(member)}: {n} process{'es' if n > 1 else ''}",
                f"n{low}",
                local_href(member),
            )
        )
    drawing = maps.world_svg(areas, title="Governments by the number of processes they are members of")
    legend = tuple(
        (
            f"n{low}",
            "in "
            + (f"{low}" if low == high else f"{low}–{high}" if high < 99 else f"{low} or more")
            + (" process" if high == 1 else " processes"),
        )
        for low, high in COUNT_BINS
    )
    return _map_view(drawing, legend)


def _lists(store: Store, lab: Labeller, iri: str, prop: str) -> list[ItemList]:
    rcp = lab.base + "ontology#"
    rows = [r for r in _select(store, _ITEMS.format(rcp=rcp), iri) if str(r["prop"]) == rcp + prop]
    items: dict[str, Item] = {}
    place: dict[str, tuple] = {}
    parents: dict[str, str] = {}
    lists: dict[str, tuple[int, str]] = {}
    for row in rows:
        item = str(row["item"])
        if item in items:
            continue
        items[item] = Item(lab.link(item), str(row["marker"]) if "marker" in row else "", str(row["text"]))
        list_key = str(row["list"]) if "list" in row else ""
        if list_key:
            lists[list_key] = (int(str(row["listPosition"])), str(row["leadIn"]) if "leadIn" in row else "")
        place[item] = (list_key, int(str(row["position"])))
        if "parent" in row:
            parents[item] = str(row["parent"])
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in sorted(items, key=lambda i: place[i][1]):
        parent = parents.get(item)
        if parent in items:
            items[parent].children.append(items[item])
        else:
            grouped[place[item][0]].append(item)
    out = []
    for key in sorted(grouped, key=lambda k: lists.get(k, (0, ""))[0]):
        out.append(ItemList(lists.get(key, (0, ""))[1], [items[i] for i in grouped[key]]))
    return out


def _events(store: Store, lab: Labeller, iri: str) -> list[dict]:
    events: dict[str, dict] = {}
    for row in _select(store, _EVENTS.format(rcp=lab.base + "ontology#"), iri):
        e = events.setdefault(
            str(row["event"]),
            {
                "link": lab.link(str(row["event"])),
                "name": str(row["name"]),
                "date": str(row["date"]) if "date" in row else "",
                "kind": str(row["kind"]) if "kind" in row else "",
                "places": {},
                "outcome": str(row["outcome"]) if "outcome" in row else "",
            },
        )
        if "place" in row:
            e["places"][str(row["place"])] = lab.link(str(row["place"]))
    out = sorted(events.values(), key=lambda e: (e["date"], e["name"]))
    for e in out:
        e["places"] = sorted(e["places"].values(), key=lambda link: link.label)
    return out
