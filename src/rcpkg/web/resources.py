"""Dereferencing: every IRI the knowledge base mints answers on this server (see docs/pages.md).

The rule, one for every IRI under the configured base (``id/...``, ``graph/...``, ``ontology``, ...):

* ``GET /{path}`` (the IRI of a thing: a process, a country, a membership, a named graph, the ontology)
  answers **303 See Other** to a document about it, chosen by the ``Accept`` header (``Vary: Accept``):
  ``/doc/{path}.html``, ``.ttl``, ``.jsonld``, ``.nt`` or ``.rdf``. No ``Accept`` or ``*/*``: HTML. Nothing
  acceptable: 406 with the list of formats. An IRI the knowledge base does not know: 404.
* ``GET /doc/{path}.{ext}`` answers 200 with the document in that one format (no negotiation; the
  extension is the format). ``/doc/{path}`` without an extension negotiates like the IRI (303).
* A hash IRI (``ontology#Term``) is fetched without its fragment, so ``/ontology`` answers for all the
  terms: its document holds every ``ontology#...`` description.

The server answers for ``{base_iri}{path}`` under its own host: a local server on 127.0.0.1 answers for
``https://w3id.org/rcpkg/id/...`` at ``/id/...``; links between pages stay on the server.

The RDF documents hold the triples about the IRI (outgoing, blank nodes followed, and incoming), from the
union of the named graphs, plus ``foaf:primaryTopic`` from the document to the thing. The HTML pages are
generated from the same graph (label, types, every property, what points here, links out, provenance,
and tables of the role-qualified memberships), not written per class.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import Blueprint, Response, redirect, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from rcpkg.dump import used_prefixes
from rcpkg.errors import QueryError
from rcpkg.namespaces import PREFIXES, SCHEMA
from rcpkg.source import html_to_text
from rcpkg.store import Store, parse_accept
from rcpkg.web.app import get_config, get_store, public_base, set_last_modified

bp = Blueprint("resources", __name__)

RCP_NS = "ontology#"  # relative to the base

DCTERMS = "http://purl.org/dc/terms/"

#: extension -> (media type, rdflib serializer, name shown to people), in order of preference on ties.
FORMATS: dict[str, tuple[str, str | None, str]] = {
    "html": ("text/html", None, "HTML"),
    "ttl": ("text/turtle", "turtle", "Turtle"),
    "jsonld": ("application/ld+json", "json-ld", "JSON-LD"),
    "nt": ("application/n-triples", "nt", "N-Triples"),
    "rdf": ("application/rdf+xml", "pretty-xml", "RDF/XML"),
}
#: Other media types clients send for the same formats.
ALIASES: dict[str, str] = {
    "application/xhtml+xml": "html",
    "application/x-turtle": "ttl",
    "application/json": "jsonld",
    "text/plain": "nt",
    "text/n-triples": "nt",
    "application/x-ntriples": "nt",
    "application/xml": "rdf",
    "text/xml": "rdf",
}

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, FOAF.name, SCHEMA.name, URIRef(DCTERMS + "title"))
LINK_OUT_PROPERTIES = (
    SCHEMA.sameAs,
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    RDFS.seeAlso,
    FOAF.homepage,
    SCHEMA.url,
)
EXTRA_PREFIXES = {
    "foaf": str(FOAF),
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
}
INCOMING_LIMIT = 200
_SAFE_IRI = re.compile(r"^[^\s<>\"{}|\\^`]+$")


class NotAcceptableDocument(Exception):
    pass


# ------------------------------------------------------------------------------------------ negotiation


def negotiate_format(accept: str | None) -> str:
    """The extension of the document format that best fits an Accept header (``html`` for none or
    ``*/*``). Raises NotAcceptableDocument when every format is excluded."""
    ranges = parse_accept(accept)
    best: tuple[float, int] | None = None
    choice = None
    for order, (ext, (mtype, _, _)) in enumerate(FORMATS.items()):
        names = {mtype} | {alias for alias, target in ALIASES.items() if target == ext}
        q = _quality(names, ranges)
        if q > 0 and (best is None or q > best[0]):
            best, choice = (q, -order), ext
    if choice is None:
        raise NotAcceptableDocument(accept or "")
    return choice


def _quality(names: set[str], ranges: list[tuple[str, float]]) -> float:
    """The q-value the client gives any of ``names``: the most specific matching range wins."""
    best_specificity, quality = -1, 0.0
    for mtype, q in ranges:
        if mtype in names:
            specificity = 2
        elif mtype.endswith("/*") and any(n.startswith(mtype[:-1]) for n in names):
            specificity = 1
        elif mtype == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > quality):
            best_specificity, quality = specificity, q
    return quality


# --------------------------------------------------------------------------------------------- IRIs


def base_iri() -> str:
    return get_config().base_iri


def local_href(iri: str) -> str:
    """The link to an IRI from a page: on this server when the IRI is under the base, else the IRI."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return iri


def doc_href(iri: str, ext: str) -> str:
    """The document about an IRI under the base, in one format."""
    rest = iri[len(base_iri()) :].split("#", 1)[0]
    return f"{request.script_root}/doc/{rest}.{ext}"


# ------------------------------------------------------------------------------------- the index


@dataclass
class Index:
    """What pages need about the whole knowledge base, computed once per loaded store (it never changes):
    every IRI under the base, and a label for every labelled IRI."""

    iris: frozenset[str]
    labels: dict[str, str]
    hash_namespaces: frozenset[str]
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, label|name|acronym, text)
    short_names: dict[str, str] = field(default_factory=dict)  # the shortest label or other name


_INDEXES: dict[str, Index] = {}
_INDEX_LOCK = threading.Lock()


def index(store: Store, base: str) -> Index:
    key = store.data_hash + " " + base
    found = _INDEXES.get(key)
    if found is not None:
        return found
    with _INDEX_LOCK:
        found = _INDEXES.get(key)
        if found is None:
            found = _build_index(store, base)
            if len(_INDEXES) > 4:
                _INDEXES.clear()
            _INDEXES[key] = found
    return found


def _build_index(store: Store, base: str) -> Index:
    iris: set[str] = set()
    for q in store.engine.quads_for_pattern(None, None, None, None):
        for term in (q.subject, q.object, q.graph_name):
            value = getattr(term, "value", None)
            if isinstance(value, str) and value.startswith(base) and type(term).__name__ == "NamedNode":
                iris.add(value)
    rows = store.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        "PREFIX schema: <https://schema.org/>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX rcp: <" + base + "ontology#>\n"
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(isIRI(?s) && isLiteral(?o)) "
        "FILTER(?p IN (skos:prefLabel, rdfs:label, foaf:name, schema:name, dcterms:title, skos:altLabel, "
        "rcp:acronym, skos:notation, skos:hiddenLabel)) }"
    )
    candidates: dict[str, dict[str, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    names: list[tuple[str, str, str]] = []
    for row in rows:
        s, p, o = str(row["s"]), str(row["p"]), row["o"]
        candidates[s][p].append(o)
        if s.startswith(base):
            if p == str(SKOS.prefLabel) or p == str(RDFS.label):
                names.append((s, "label", str(o)))
            elif p == base + "ontology#acronym":
                names.append((s, "acronym", str(o)))
            elif p == str(SKOS.hiddenLabel):
                names.append((s, "hidden", str(o)))
            elif p in (str(SKOS.altLabel), str(FOAF.name), str(SCHEMA.name)):
                names.append((s, "name", str(o)))
    labels = {}
    for s, by_prop in candidates.items():
        for prop in (*LABEL_PROPERTIES, SKOS.notation):
            values = by_prop.get(str(prop))
            if values:
                labels[s] = _best_literal(values)
                break
        else:
            acronyms = by_prop.get(base + "ontology#acronym")
            if acronyms:
                labels[s] = _best_literal(acronyms)
    # Role-qualified relations (org:Membership) have no label of their own: name them by what they relate.
    qualified = store.select(
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "SELECT ?m ?member ?role ?org WHERE { ?m org:member ?member ; org:role ?role ; org:organization ?org }"
    )
    for row in qualified:
        m = str(row["m"])
        if m not in labels:
            parts = [labels.get(str(row[k]), str(row[k]).rsplit("/", 1)[-1]) for k in ("member", "role", "org")]
            labels[m] = f"{parts[0]}: {parts[1]} of {parts[2]}"
    hash_namespaces = frozenset(i.split("#", 1)[0] for i in iris if "#" in i)
    short: dict[str, str] = {}
    for s, kind, text in sorted(set(names)):
        if kind in ("label", "name") and (s not in short or len(text) < len(short[s])):
            short[s] = text
    return Index(frozenset(iris), labels, hash_namespaces, sorted(set(names)), short)


def _best_literal(values: list[Literal]) -> str:
    """English first, then no language, then any; shortest-then-alphabetical among equals (stable)."""

    def rank(lit: Literal) -> tuple[int, str]:
        lang = (getattr(lit, "language", None) or "").lower()
        return (0 if lang.startswith("en") else 1 if not lang else 2, str(lit))

    return str(min(values, key=rank))


def known(store: Store, iri: str) -> bool:
    idx = index(store, base_iri())
    return iri in idx.iris or iri in idx.hash_namespaces


# --------------------------------------------------------------------------------------- documents


def document_graph(store: Store, iri: str, doc_iri: str | None = None) -> Graph:
    """The triples of the document about ``iri``: outgoing (blank nodes followed) and incoming, and for a
    hash namespace the descriptions of all its ``#`` IRIs."""
    graph = store.describe(iri, incoming=True)
    idx = index(store, base_iri())
    if iri in idx.hash_namespaces:
        prefix = iri + "#"
        for member in sorted(i for i in idx.iris if i.startswith(prefix)):
            for triple in store.describe(member):
                graph.add(triple)
    if doc_iri:
        graph.bind("foaf", FOAF)
        graph.add((URIRef(doc_iri), FOAF.primaryTopic, URIRef(iri)))
    return graph


def serialize(graph: Graph, ext: str) -> bytes:
    _, fmt, _ = FORMATS[ext]
    if ext == "jsonld":
        context = used_prefixes(graph)
        return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")


# ------------------------------------------------------------------------------------------- views


@dataclass
class Link:
    href: str
    label: str
    iri: str
    external: bool = False


@dataclass
class Value:
    """A value on a page: a link, or a literal with its language or datatype."""

    link: Link | None = None
    text: str = ""
    lang: str | None = None
    datatype: str | None = None
    inferred: bool = False


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


class Labeller:
    def __init__(self, store: Store):
        self.store = store
        self.base = base_iri()
        self.idx = index(store, self.base)
        prefixes = {str(ns): p for p, ns in PREFIXES.items()}
        prefixes.update({ns: p for p, ns in EXTRA_PREFIXES.items()})
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))

    def curie(self, iri: str) -> str:
        for ns, prefix in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def label(self, iri: str) -> str:
        found = self.idx.labels.get(iri)
        if found:
            return found
        if iri.startswith(self.base):
            return iri[len(self.base) :]
        return self.curie(iri)

    def link(self, iri: str) -> Link:
        external = not iri.startswith(self.base)
        return Link(local_href(iri), self.label(iri), iri, external)

    def predicate(self, iri: str) -> Link:
        label = self.idx.labels.get(iri) or self.curie(iri)
        return Link(local_href(iri), label, iri, not iri.startswith(self.base))

    def value(self, term: Node, inferred: bool = False) -> Value:
        if isinstance(term, URIRef):
            return Value(link=self.link(str(term)), inferred=inferred)
        if isinstance(term, Literal):
            dt = None
            if term.datatype is not None and term.datatype not in (XSD.string, RDF.langString):
                dt = self.curie(str(term.datatype))
            return Value(text=str(term), lang=term.language, datatype=dt, inferred=inferred)
        return Value(text="(blank node)", inferred=inferred)


def _sort_key_value(v: Value) -> tuple:
    return (v.link is None, (v.link.label.casefold() if v.link else v.text.casefold()))


def build_view(store: Store, iri: str) -> ResourceView:
    """The page of ``iri``, generated from its triples and the triples pointing at it."""
    lab = Labeller(store)
    inferred_graph = lab.base + "graph/inferred"
    node = URIRef(iri)

    out: dict[str, dict[Node, bool]] = defaultdict(dict)
    for _s, p, o, g in store.quads(subject=node):
        # inferred: the triple is only in the graph of OWL RL conclusions
        out[str(p)][o] = out[str(p)].get(o, True) and g == inferred_graph
    types = sorted((lab.link(str(o)) for o in out.pop(str(RDF.type), {})), key=lambda link: link.label)

    links_out = []
    for prop in LINK_OUT_PROPERTIES:
        for o in out.get(str(prop), {}):
            if isinstance(o, URIRef) and not str(o).startswith(lab.base):
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
    alternates = [(doc_href(iri, ext), mtype, name) for ext, (mtype, _, name) in FORMATS.items() if ext != "html"]
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
        alternates=alternates,
        terms=terms,
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


_ROLE_ORDER = [
    "member",
    "observer",
    "invited-observer",
    "observer-or-partner",
    "partner",
    "cooperation-partner",
    "participant",
    "ad-hoc-participant",
    "chair",
    "co-chair",
    "presidency-pro-tempore",
    "co-host",
    "steering-board-member",
    "steering-group-member",
    "thematic-coordinator",
    "secretariat",
    "secretariat-staff",
    "secretariat-support",
]

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


def _role_rank(key: str) -> tuple[int, str]:
    return (_ROLE_ORDER.index(key) if key in _ROLE_ORDER else len(_ROLE_ORDER), key)


_STATUS_ORDER = {"current": 0, "member": 0, "suspended": 1, "former": 2}


def _role_tables(store: Store, lab: Labeller, iri: str) -> list[RoleTable]:
    rows = _membership_rows(store, lab, iri, "organization")
    by_role: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_role[row["role_key"]].append(row)
    tables = []
    for key in sorted(by_role, key=_role_rank):
        members = sorted(
            by_role[key],
            key=lambda r: (_STATUS_ORDER.get(r["status_key"], 3), r["party"].label.casefold()),
        )
        tables.append(RoleTable(members[0]["role"], members))
    return tables


def _participation(store: Store, lab: Labeller, iri: str) -> list[dict]:
    rows = _membership_rows(store, lab, iri, "member")
    rows.sort(key=lambda r: (r["party"].label.casefold(), _role_rank(r["role_key"])))
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
                (lab.link(str(t)) for t in props.get(DCTERMS + "subject", []) if isinstance(t, URIRef)),
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


# ------------------------------------------------------------------------------------------ routes


class DocumentCache:
    """Rendered documents, least recently used first out. The loaded knowledge base never changes, so a
    document stays right for as long as the store it was made from (its hash is part of the key)."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = body
            self._bytes += len(body)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


DOCUMENTS = DocumentCache()


def _caching(response: Response, store: Store, key: str) -> Response:
    response.set_etag(hashlib.sha256(f"{store.data_hash} {key}".encode()).hexdigest()[:32])
    set_last_modified(response, store.last_modified)
    response.headers["Cache-Control"] = f"public, max-age={get_config().max_age}"
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    return response.make_conditional(request)


def not_found(iri: str) -> Response:
    """404 for an IRI the knowledge base does not know: a page for browsers, one line for others."""
    try:
        html = negotiate_format(request.headers.get("Accept")) == "html"
    except NotAcceptableDocument:
        html = False
    if html:
        guess = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        body = render_template("not_found.html", iri=iri, guess=guess)
        response = Response(body, status=404, content_type="text/html; charset=utf-8")
    else:
        response = Response(
            f"404 Not Found: {iri} is not an IRI of this knowledge base\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    response.vary.add("Accept")
    return response


def not_acceptable() -> Response:
    names = ", ".join(mtype for mtype, _, _ in FORMATS.values())
    response = Response(
        f"406 Not Acceptable: documents are available as {names}\n",
        status=406,
        content_type="text/plain; charset=utf-8",
    )
    response.vary.add("Accept")
    return response


def _see_other(iri: str) -> Response:
    store = get_store()
    if not known(store, iri):
        return not_found(iri)
    try:
        ext = negotiate_format(request.headers.get("Accept"))
    except NotAcceptableDocument:
        return not_acceptable()
    response = redirect(doc_href(iri, ext), code=303)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = f"public, max-age={get_config().max_age}"
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    return response


@bp.route("/doc/<path:rest>", methods=["GET", "HEAD"])
def document(rest: str) -> Response:
    stem, dot, ext = rest.rpartition(".")
    if not dot or ext not in FORMATS or "/" in ext:
        return _see_other(base_iri() + rest)
    iri = base_iri() + stem
    store = get_store()
    if not stem or not known(store, iri):
        return not_found(iri)
    mtype = FORMATS[ext][0]
    doc_iri = public_base().rstrip("/") + request.path
    key = (store.data_hash, base_iri(), request.script_root, doc_iri)
    body = DOCUMENTS.get(key)
    if body is None:
        if ext == "html":
            body = render_page(store, iri).encode("utf-8")
        else:
            body = serialize(document_graph(store, iri, doc_iri), ext)
        DOCUMENTS.put(key, body)
    response = Response(body, content_type=f"{mtype}; charset=utf-8")
    links = [f'<{doc_href(iri, e)}>; rel="alternate"; type="{m}"' for e, (m, _, _) in FORMATS.items() if e != ext]
    response.headers["Link"] = ", ".join([f'<{iri}>; rel="describes"', *links])
    return _caching(response, store, request.path)


def render_page(store: Store, iri: str) -> str:
    view = build_view(store, iri)
    if any(t.iri == str(OWL.Ontology) for t in view.types):
        from rcpkg.web.ontology_docs import render_ontology

        page = render_ontology(store, iri, view)
        if page is not None:
            return page
    return render_template("resource.html", view=view)


def thing(rest: str) -> Response:
    """The IRI of a thing: 303 to its document."""
    if not _SAFE_IRI.match(rest):
        return not_found(base_iri() + rest)
    return _see_other(base_iri() + rest)


@bp.route("/<path:rest>", methods=["GET", "HEAD"])
def any_iri(rest: str) -> Response:
    return thing(rest)
