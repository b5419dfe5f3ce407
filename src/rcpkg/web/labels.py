"""Names of things for pages: an index of the knowledge base computed once per loaded store (every IRI under
the base, a label for every labelled IRI, the names search looks in), and ``Labeller``, which turns IRIs
into links with labels or CURIEs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from rcpkg.namespaces import PREFIXES, SCHEMA
from rcpkg.store import Store
from rcpkg.web.context import base_iri, caches, local_href
from rcpkg.web.negotiation import LABEL_LANGUAGES

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, FOAF.name, SCHEMA.name, DCTERMS.title)
EXTRA_PREFIXES = {
    "foaf": str(FOAF),
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
}


@dataclass
class Index:
    """What pages need about the whole knowledge base, computed once per loaded store (it never changes):
    every IRI under the base, and a label for every labelled IRI."""

    iris: frozenset[str]
    labels: dict[str, str]
    hash_namespaces: frozenset[str]
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, label|name|acronym, text)
    short_names: dict[str, str] = field(default_factory=dict)  # the shortest label or other name
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # iri -> language -> label


def index(store: Store, base: str) -> Index:
    """The index of ``store`` for IRIs under ``base``, built on first use."""
    return caches().indexes.get_or_make(("index", store.data_hash, base), lambda: _build_index(store, base))


def _build_index(store: Store, base: str) -> Index:
    iris = store.iris(base)
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
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for s, by_prop in candidates.items():
        for prop in (SKOS.prefLabel, RDFS.label):
            for lit in sorted(by_prop.get(str(prop), []), key=str):
                lang = (getattr(lit, "language", None) or "").lower().split("-", 1)[0]
                if lang in LABEL_LANGUAGES and lang != "en":
                    translations[s].setdefault(lang, str(lit))
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
    return Index(frozenset(iris), labels, hash_namespaces, sorted(set(names)), short, dict(translations))


def _best_literal(values: list[Literal]) -> str:
    """English first, then no language, then any; shortest-then-alphabetical among equals (stable)."""

    def rank(lit: Literal) -> tuple[int, str]:
        lang = (getattr(lit, "language", None) or "").lower()
        return (0 if lang.startswith("en") else 1 if not lang else 2, str(lit))

    return str(min(values, key=rank))


def known(store: Store, iri: str) -> bool:
    idx = index(store, base_iri())
    return iri in idx.iris or iri in idx.hash_namespaces


@dataclass
class Link:
    href: str
    label: str
    iri: str
    external: bool = False
    lang: str | None = None  # the label's language where the page asked for one other than English
    fallback: bool = False  # the page's language has no label for it: the label is English


@dataclass
class Value:
    """A value on a page: a link, or a literal with its language or datatype."""

    link: Link | None = None
    text: str = ""
    lang: str | None = None
    datatype: str | None = None
    inferred: bool = False


class Labeller:
    """Labels and links of a page. ``lang`` (one of ``LABEL_LANGUAGES``) chooses the labels' language where
    the data has it; English otherwise, and a link says so (``Link.fallback``)."""

    def __init__(self, store: Store, lang: str = "en"):
        self.store = store
        self.lang = lang if lang in LABEL_LANGUAGES else "en"
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

    def translated(self, iri: str) -> str | None:
        """The label of ``iri`` in the page's language, None where there is none (or the page is English)."""
        if self.lang == "en":
            return None
        return self.idx.translations.get(iri, {}).get(self.lang)

    def label(self, iri: str) -> str:
        found = self.translated(iri) or self.idx.labels.get(iri)
        if found:
            return found
        if iri.startswith(self.base):
            return iri[len(self.base) :]
        return self.curie(iri)

    def link(self, iri: str) -> Link:
        external = not iri.startswith(self.base)
        if self.lang == "en":
            return Link(local_href(iri), self.label(iri), iri, external)
        if self.translated(iri):
            tag = "zh-Hans" if self.lang == "zh" else self.lang  # the data's Chinese labels are simplified
            return Link(local_href(iri), self.label(iri), iri, external, lang=tag)
        return Link(local_href(iri), self.label(iri), iri, external, lang="en", fallback=iri in self.idx.labels)

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
