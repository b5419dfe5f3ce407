"""The home page ``/`` and the pictures: what the dataset is, its figures, how to cite it and its rights, its
release, the downloads with sizes and checksums, the competency
questions of ``queries/*.rq`` as runnable examples, a query form (no JavaScript: it posts to ``/sparql``
with ``format=html``, which answers an HTML table), and three SVG pictures drawn on the server.

``/charts/{matrix,overlap,timeline}.svg`` serve the pictures on their own (``image/svg+xml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup
from rdflib.namespace import DCTERMS, FOAF, RDFS
from rdflib.term import Node

from rcpkg import charts, paths
from rcpkg.errors import DataError, QueryError
from rcpkg.namespaces import DATASET, rebase
from rcpkg.store import Store
from rcpkg.store import load as loading
from rcpkg.void import DCAT_VERSION, DUMP_FILES
from rcpkg.web.cache import conditional, etag
from rcpkg.web.context import caches, get_config, get_store, local_href, page_language
from rcpkg.web.labels import Labeller
from rcpkg.web.profiles import home_map

bp = Blueprint("pages", __name__)


@dataclass(frozen=True)
class Example:
    """A competency question: the file's name, the question (its leading comment) and the query."""

    name: str
    question: str
    query: str


def read_examples(directory: Path) -> list[Example]:
    """The ``*.rq`` files of ``directory`` in name order; the question is the text of the comment lines
    that open the file (the file name when there are none)."""
    examples = []
    for path in sorted(directory.glob("*.rq")):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        comment = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                comment.append(stripped.lstrip("#").strip())
            elif stripped:
                break
        question = " ".join(c for c in comment if c) or path.stem.replace("-", " ")
        examples.append(Example(path.stem, question, text))
    return examples


# ------------------------------------------------------------------------------------------- charts

_PROCESSES = """
PREFIX rcp: <{rcp}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?process ?year ?acronym WHERE {{
  ?process a rcp:RegionalConsultativeProcess .
  OPTIONAL {{ ?process rcp:yearEstablished ?year }}
  OPTIONAL {{ ?process rcp:acronym ?acronym }}
}}
"""

_PARTICIPATION = """
PREFIX rcp: <{rcp}>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?process ?member ?role ?status WHERE {{
  ?m a org:Membership ; org:organization ?process ; org:member ?member ; org:role ?role .
  ?process a rcp:RegionalConsultativeProcess .
  ?member a ?class . FILTER(?class IN (rcp:Country, rcp:Territory))
  OPTIONAL {{ ?m rcp:status ?status }}
}}
"""


@dataclass
class ChartData:
    processes: list[charts.Item]  # in order of founding
    participants: list[charts.Item]  # countries and territories, by name
    cells: dict[tuple[str, str], str]
    members: dict[str, set[str]]  # process -> current member governments


def _key(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def chart_data(store: Store) -> ChartData:
    """Processes, countries and who holds which role where, from the knowledge base."""
    lab = Labeller(store)
    rcp = lab.base + "ontology#"
    processes = []
    seen = set()
    for row in store.select(_PROCESSES.format(rcp=rcp)):
        iri = str(row["process"])
        if iri in seen:
            continue
        seen.add(iri)
        acronym = str(row["acronym"]) if "acronym" in row else None
        year = None
        if "year" in row:
            try:
                year = int(str(row["year"])[:4])
            except ValueError:
                year = None
        name = acronym or lab.idx.short_names.get(iri) or lab.label(iri)
        processes.append(charts.Item(iri, name, local_href(iri), year))
    processes.sort(key=lambda p: (p.year if p.year is not None else 9999, p.label))
    order = {p.key: i for i, p in enumerate(processes)}
    cells: dict[tuple[str, str], str] = {}
    members: dict[str, set[str]] = {p.key: set() for p in processes}
    participants: dict[str, charts.Item] = {}
    for row in store.select(_PARTICIPATION.format(rcp=rcp)):
        process, member = str(row["process"]), str(row["member"])
        if process not in order:
            continue
        category = charts.role_category(_key(str(row["role"])), _key(str(row["status"])) if "status" in row else None)
        participants.setdefault(member, charts.Item(member, lab.label(member), local_href(member)))
        previous = cells.get((member, process))
        if previous is None or charts.ROLE_ORDER.index(category) < charts.ROLE_ORDER.index(previous):
            cells[(member, process)] = category
        if category == "member":
            members[process].add(member)
    people = sorted(participants.values(), key=lambda p: p.label.casefold())
    return ChartData(processes, people, cells, members)


_EDITION = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rcp: <{rcp}>
SELECT (MAX(STR(?year)) AS ?edition) WHERE {{
  ?cell a rcp:SourceCell ; dcterms:isPartOf ?document .
  ?document rcp:editionYear ?year .
}}
"""


def edition_year(store: Store) -> int | None:
    """The year of the edition of the matrix the data comes from (the source document its cells are part
    of): the timeline's bars run up to it. None when the data names no edition."""
    rows = store.select(_EDITION.format(rcp=get_config().base_iri + "ontology#"))
    try:
        return int(str(rows[0]["edition"])[:4]) if rows and "edition" in rows[0] else None
    except ValueError:
        return None


def chart_svg(store: Store, name: str) -> str:
    """The SVG text of a chart, drawn once per loaded knowledge base and script root."""
    key = ("chart", store.data_hash, request.script_root, get_config().base_iri, name)
    return caches().pages.get_or_make(key, lambda: _draw(store, name))


def _draw(store: Store, name: str) -> str:
    data = chart_data(store)
    if name == "matrix":
        svg = charts.membership_matrix_svg(
            data.processes,
            data.participants,
            data.cells,
            title="Countries and territories by process, coloured by role",
        )
    elif name == "overlap":
        svg = charts.overlap_svg(
            data.processes, data.members, title="Member governments shared by each pair of processes"
        )
    elif name == "timeline":
        svg = charts.timeline_svg(data.processes, as_of=edition_year(store), title="When each process was founded")
    else:
        raise KeyError(name)
    return svg


CHARTS = ("matrix", "overlap", "timeline")


@bp.route("/charts/<name>.svg", methods=["GET", "HEAD"])
def chart(name: str) -> Response:
    if name not in CHARTS:
        abort(404)
    store = get_store()
    body = chart_svg(store, name)
    response = Response(body, content_type="image/svg+xml; charset=utf-8")
    return _cached(response, store, name)


def _cached(response: Response, store: Store, key: str) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={get_config().max_age}"
    return conditional(response, request, etag(store.data_hash, key), store.last_modified)


# -------------------------------------------------------------------------------------------- home

_COUNTS = """
PREFIX rcp: <{rcp}>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  VALUES ?class {{ rcp:RegionalConsultativeProcess rcp:Country rcp:Territory rcp:Organization org:Membership }}
  ?s a ?class .
}} GROUP BY ?class
"""

FIGURES = (
    ("RegionalConsultativeProcess", "processes"),
    ("Country", "countries"),
    ("Territory", "territories"),
    ("Organization", "organisations"),
    ("Membership", "role-qualified memberships"),
)

DEFAULT_QUERY = """PREFIX rcp: <https://w3id.org/rcpkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?process ?name ?year WHERE {
  ?process a rcp:RegionalConsultativeProcess ; skos:prefLabel ?name .
  OPTIONAL { ?process rcp:yearEstablished ?year }
}
ORDER BY ?year
"""


def _dataset_text(store: Store) -> tuple[str | None, str | None]:
    title = description = None
    for _s, p, o, _g in store.quads(subject=rebase(DATASET, get_config().base_iri)):
        if p == DCTERMS.title and title is None:
            title = str(o)
        elif p == DCTERMS.description and description is None:
            description = str(o)
    return title, description


def _figures(store: Store) -> list[tuple[int, str]]:
    rcp = get_config().base_iri + "ontology#"
    try:
        rows = store.select(_COUNTS.format(rcp=rcp))
    except QueryError:
        return []
    counts = {str(r["class"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]: int(r["n"]) for r in rows if "n" in r}
    return [(counts[key], name) for key, name in FIGURES if counts.get(key)]


def _downloads() -> list[dict]:
    directory = Path(get_config().dataset).parent
    try:
        sums = loading.checksums(directory) or {}
    except DataError:
        sums = {}
    out = []
    for dump in DUMP_FILES:
        path = directory / dump.name
        if path.is_file():
            out.append(
                {"name": dump.name, "title": dump.title, "size": path.stat().st_size, "sha256": sums.get(dump.name)}
            )
    return out


def _release(store: Store) -> dict:
    """How to cite the dataset, its rights and its release, as its description in the data states them."""
    dataset = rebase(DATASET, get_config().base_iri)

    def values(subject: Node, predicate: Node) -> list[Node]:
        return [o for _s, _p, o, _g in store.quads(subject=subject, predicate=predicate)]

    def first(subject: Node | None, *predicates: Node) -> Node | None:
        for predicate in predicates if subject is not None else ():
            found = values(subject, predicate)
            if found:
                return sorted(found)[0]
        return None

    def name(node: Node | None) -> str | None:
        label = first(node, RDFS.label, FOAF.name, DCTERMS.title)
        return str(label) if label is not None else None

    source = first(dataset, DCTERMS.source)
    release = {
        "title": name(dataset),
        "version": first(dataset, DCAT_VERSION),
        "issued": str(first(dataset, DCTERMS.issued) or "")[:10] or None,
        "publisher": name(first(dataset, DCTERMS.publisher)),
        "license": first(dataset, DCTERMS.license),
        "rights": sorted(r for r in (name(node) for node in values(dataset, DCTERMS.rights)) if r),
        "source": name(source),
        "source_publisher": name(first(source, DCTERMS.publisher)),
        "source_rights": sorted(r for r in (name(node) for node in values(source, DCTERMS.rights)) if r)
        if source is not None
        else [],
        "iri": str(dataset),
    }
    parts = [p for p in (release["publisher"], release["title"]) if p]
    citation = ". ".join(parts)
    if release["version"]:
        citation += f", version {release['version']}"
    if release["issued"]:
        citation += f" ({release['issued']})"
    citation += f". {dataset}"
    if release["source"]:
        citation += f". Derived from: {release['source']}"
        if release["source_publisher"]:
            citation += f", {release['source_publisher']}"
    release["citation"] = citation + "."
    return release


@bp.route("/", methods=["GET", "HEAD"])
def home() -> Response:
    store = get_store()
    lang = page_language()
    key = ("home", store.data_hash, get_config().base_iri, request.script_root, request.url_root, lang)
    page = caches().pages.get_or_make(key, lambda: _render_home(store, lang))
    response = Response(page, content_type="text/html; charset=utf-8")
    response.vary.add("Accept-Language")  # the world map's names follow ?lang= or Accept-Language
    return _cached(response, store, f"home {request.script_root} {lang}")


def _render_home(store: Store, lang: str) -> str:
    title, description = _dataset_text(store)
    return render_template(
        "home.html",
        title=title or "Regional Consultative Processes on Migration",
        description=description,
        figures=_figures(store),
        triples=store.triple_count,
        downloads=_downloads(),
        release=_release(store),
        examples=read_examples(paths.queries_dir()),
        default_query=DEFAULT_QUERY,
        charts={name: Markup(chart_svg(store, name)) for name in CHARTS},
        world=home_map(store, lang),
        language=lang,
    )
