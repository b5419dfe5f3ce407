"""The page of a thing, generated from its triples and the triples pointing at it (not written per class):
label, types, every property, what points here, links out, provenance, tables of the role-qualified
memberships, ordered discussion items, the processes that discuss a theme. ``build_view`` returns a
``ResourceView`` that ``templates/resource.html`` renders."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from rcpkg.errors import QueryError
from rcpkg.namespaces import INFERRED_GRAPH, SCHEMA, rebase
from rcpkg.roles import role_rank, status_rank
from rcpkg.store import Store
from rcpkg.text import html_to_text
from rcpkg.web.context import is_web_iri
from rcpkg.web.documents import alternates
from rcpkg.web.labels import Labeller, Link, Value

LINK_OUT_PROPERTIES = (
    SCHEMA.sameAs,
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    RDFS.seeAlso,
    FOAF.homepage,
    SCHEMA.url,
)
INCOMING_LIMIT = 200
SUBJECT = str(DCTERMS.subject)


@dataclass
class PropertyRow:
    predicate: Link
    values: list[Value]
    more: int = 0


@dataclass
class SourceCell:
    link: Link
    row: str
    column: str
    text: str


@dataclass
class RoleTable:
    role: Link
    rows: list[dict]


@dataclass
class ItemTable:
    predicate: Link
    items: list[dict]


@dataclass
class ResourceView:
    iri: str
    label: str
    types: list[Link]
    properties: list[PropertyRow]
    incoming: list[PropertyRow]
    links_out: list[Link]
    provenance: list[SourceCell]
    roles: list[RoleTable]  # memberships of which this is the organisation, by role
    participation: list[dict]  # memberships of which this is the member
    items: list[ItemTable]  # ordered discussion items (rcp:position)
    discussed_by: list[dict]  # things with dcterms:subject this, grouped by process
    alternates: list[tuple[str, str, str]]  # (href, media type, name)
    terms: list[str] = field(default_factory=list)  # hash IRIs described in this document
    heading: Link | None = None  # the label as a link, with its language
    language: str = "en"  # of the labels


def _sort_key_value(v: Value) -> tuple:
    return (v.link is None, (v.link.label.casefold() if v.link else v.text.casefold()))


def build_view(store: Store, iri: str, lang: str = "en") -> ResourceView:
    """The page of ``iri``, generated from its triples and the triples pointing at it, with labels in
    ``lang`` where the data has them."""
    lab = Labeller(store, lang)
    inferred_graph = str(rebase(INFERRED_GRAPH, lab.base))
    node = URIRef(iri)

    out: dict[str, dict[Node, bool]] = defaultdict(dict)
    for _s, p, o, g in store.quads(subject=node):
        # inferred: the triple is only in the graph of OWL RL conclusions
        out[str(p)][o] = out[str(p)].get(o, True) and g == inferred_graph
    types = sorted((lab.link(str(o)) for o in out.pop(str(RDF.type), {})), key=lambda link: link.label)

    links_out = []
    for prop in LINK_OUT_PROPERTIES:
        for o in out.get(str(prop), {}):
            if isinstance(o, URIRef) and not str(o).startswith(lab.base) and is_web_iri(str(o)):
                links_out.append(Link(str(o), _external_name(str(o)), str(o), True))
    links_out.sort(key=lambda link: link.label)

    properties = []
    for p in sorted(out, key=lambda p: (lab.predicate(p).label.casefold(), p)):
        values = sorted((lab.value(o, inf) for o, inf in out[p].items()), key=_sort_key_value)
        properties.append(PropertyRow(lab.predicate(p), values))

    incoming_by: dict[str, set[str]] = defaultdict(set)
    for s, p, _o, _g in store.quads(object=node):
        if isinstance(s, URIRef):
            incoming_by[str(p)].add(str(s))
    incoming = []
    for p in sorted(incoming_by, key=lambda p: (lab.predicate(p).label.casefold(), p)):
        subjects = sorted(incoming_by[p], key=lambda s: (lab.label(s).casefold(), s))
        shown = [Value(link=lab.link(s)) for s in subjects[:INCOMING_LIMIT]]
        incoming.append(PropertyRow(lab.predicate(p), shown, more=max(0, len(subjects) - INCOMING_LIMIT)))

    provenance = _provenance(store, lab, [o for o in out.get(str(PROV.wasDerivedFrom), {})])
    roles = _role_tables(store, lab, iri)
    participation = _participation(store, lab, iri)
    items = _items(store, lab, iri, out)
    discussed_by = _discussed_by(store, lab, iri)
    terms = []
    if iri in lab.idx.hash_namespaces:
        terms = sorted(i for i in lab.idx.iris if i.startswith(iri + "#"))
    return ResourceView(
        iri=iri,
        label=lab.label(iri),
        types=types,
        properties=properties,
        incoming=incoming,
        links_out=links_out,
        provenance=provenance,
        roles=roles,
        participation=participation,
        items=items,
        discussed_by=discussed_by,
        alternates=alternates(iri),
        terms=terms,
        heading=lab.link(iri),
        language=lab.lang,
    )


def _external_name(iri: str) -> str:
    if iri.startswith("http://www.wikidata.org/entity/"):
        return "Wikidata " + iri.rsplit("/", 1)[1]
    m = re.match(r"https?://sws\.geonames\.org/(\d+)", iri)
    if m:
        return "GeoNames " + m.group(1)
    return iri


def _cells(store: Store, lab: Labeller, cells: Iterable[Node]) -> dict[str, SourceCell]:
    rcp = lab.base + "ontology#"
    found = {}
    for cell in cells:
        if not isinstance(cell, URIRef):
            continue
        props: dict[str, str] = {}
        for _s, p, o, _g in store.quads(subject=cell):
            props.setdefault(str(p), str(o))
        if rcp + "sourceText" not in props and rcp + "row" not in props:
            continue
        found[str(cell)] = SourceCell(
            lab.link(str(cell)),
            props.get(rcp + "row", ""),
            props.get(rcp + "column", ""),
            html_to_text(props.get(rcp + "sourceText", "")),
        )
    return found


def _provenance(store: Store, lab: Labeller, sources: list[Node]) -> list[SourceCell]:
    cells = list(_cells(store, lab, sources).values())
    cells.sort(key=lambda c: (_int(c.row), c.column))
    return cells


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 1 << 30


_MEMBERSHIPS = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rcp: <{rcp}>
SELECT ?m ?member ?role ?status ?group ?note ?year ?source ?process WHERE {{
  ?m a org:Membership ; org:{side} ?this ; org:role ?role ; org:{other} ?{other_var} .
  OPTIONAL {{ ?m rcp:status ?status }}
  OPTIONAL {{ ?m rcp:viaGroup ?group }}
  OPTIONAL {{ ?m rcp:note ?note }}
  OPTIONAL {{ ?m rcp:year ?year }}
  OPTIONAL {{ ?m prov:wasDerivedFrom ?source }}
}}
"""


def _membership_rows(store: Store, lab: Labeller, iri: str, side: str) -> list[dict]:
    other, other_var = ("member", "member") if side == "organization" else ("organization", "process")
    text = _MEMBERSHIPS.format(rcp=lab.base + "ontology#", side=side, other=other, other_var=other_var)
    try:
        rows = store.select(text, bindings={"this": URIRef(iri)})
    except QueryError:
        return []
    merged: dict[str, dict] = {}
    sources: list[Node] = []
    for row in rows:
        m = str(row["m"])
        entry = merged.setdefault(
            m,
            {
                "membership": lab.link(m),
                "party": lab.link(str(row[other_var])),
                "role": lab.link(str(row["role"])),
                "role_key": str(row["role"]).rstrip("/").rsplit("/", 1)[-1],
                "status": lab.link(str(row["status"])) if "status" in row else None,
                "status_key": str(row["status"]).rsplit("/", 1)[-1] if "status" in row else "",
                "groups": {},
                "notes": set(),
                "years": set(),
                "sources": {},
            },
        )
        if "group" in row:
            entry["groups"][str(row["group"])] = lab.link(str(row["group"]))
        if "note" in row:
            entry["notes"].add(str(row["note"]))
        if "year" in row:
            entry["years"].add(str(row["year"]))
        if "source" in row:
            entry["sources"][str(row["source"])] = None
            sources.append(row["source"])
    cells = _cells(store, lab, set(sources))
    out = []
    for entry in merged.values():
        entry["groups"] = sorted(entry["groups"].values(), key=lambda link: link.label)
        entry["notes"] = sorted(entry["notes"])
        entry["years"] = sorted(entry["years"])
        entry["sources"] = sorted(
            (cells[s] for s in entry["sources"] if s in cells), key=lambda c: (_int(c.row), c.column)
        )
        out.append(entry)
    return out


def _role_tables(store: Store, lab: Labeller, iri: str) -> list[RoleTable]:
    rows = _membership_rows(store, lab, iri, "organization")
    by_role: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_role[row["role_key"]].append(row)
    tables = []
    for key in sorted(by_role, key=role_rank):
        members = sorted(
            by_role[key],
            key=lambda r: (
                status_rank(r["status_key"]),
                [g.label.casefold() for g in r["groups"]],
                r["party"].label.casefold(),
            ),
        )
        tables.append(RoleTable(members[0]["role"], members))
    return tables


def _participation(store: Store, lab: Labeller, iri: str) -> list[dict]:
    rows = _membership_rows(store, lab, iri, "member")
    rows.sort(key=lambda r: (r["party"].label.casefold(), role_rank(r["role_key"])))
    return rows


def _items(store: Store, lab: Labeller, iri: str, out: dict[str, dict[Node, bool]]) -> list[ItemTable]:
    """Values that carry an rcp:position (discussion items), per property, in order."""
    rcp = lab.base + "ontology#"
    tables = []
    for p, values in out.items():
        items = []
        for o in values:
            if not isinstance(o, URIRef):
                continue
            props: dict[str, list[Node]] = defaultdict(list)
            for _s, ip, io, _g in store.quads(subject=o):
                props[str(ip)].append(io)
            if rcp + "position" not in props:
                break
            subjects = sorted(
                (lab.link(str(t)) for t in props.get(SUBJECT, []) if isinstance(t, URIRef)),
                key=lambda link: link.label,
            )
            items.append(
                {
                    "item": lab.link(str(o)),
                    "position": _int(str(props[rcp + "position"][0])),
                    "text": lab.label(str(o)),
                    "themes": subjects,
                }
            )
        else:
            if items:
                items.sort(key=lambda i: i["position"])
                tables.append(ItemTable(lab.predicate(p), items))
    tables.sort(key=lambda t: t.predicate.label)
    return tables


_DISCUSSED_BY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rcp: <{rcp}>
SELECT DISTINCT ?process ?item WHERE {{
  {{ ?process dcterms:subject ?this . ?process a rcp:RegionalConsultativeProcess . }}
  UNION
  {{ ?item dcterms:subject ?this . ?process ?p ?item . ?process a rcp:RegionalConsultativeProcess .
     ?item rcp:position ?position . }}
}}
"""


def _discussed_by(store: Store, lab: Labeller, iri: str) -> list[dict]:
    """The processes that discuss a theme: directly (dcterms:subject) or through one of their items."""
    try:
        rows = store.select(_DISCUSSED_BY.format(rcp=lab.base + "ontology#"), bindings={"this": URIRef(iri)})
    except QueryError:
        return []
    grouped: dict[str, list[Link]] = defaultdict(list)
    for row in rows:
        items = grouped[str(row["process"])]
        if "item" in row:
            items.append(lab.link(str(row["item"])))
    out = []
    for process, items in grouped.items():
        out.append({"process": lab.link(process), "items": sorted(items, key=lambda link: link.label)})
    out.sort(key=lambda r: r["process"].label.casefold())
    return out
