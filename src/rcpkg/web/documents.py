"""The RDF documents about the IRIs of the knowledge base (``/doc/{path}.{ext}``): their formats, their
triples (outgoing with blank nodes followed, incoming, and for a hash namespace the descriptions of all
its ``#`` IRIs, plus ``foaf:primaryTopic`` from the document to the thing) and their serialisation."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import FOAF

from rcpkg.dump import used_prefixes
from rcpkg.formats import HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from rcpkg.store import Store
from rcpkg.web.context import base_iri, doc_href
from rcpkg.web.labels import index

#: The formats of documents, in order of preference on ties; the extension is the format.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
BY_EXTENSION = {f.extension: f for f in DOCUMENT_FORMATS}


def alternates(iri: str, shown: Format = HTML) -> list[tuple[str, str, str]]:
    """(link, media type, name) of the documents about ``iri`` in the formats other than ``shown``."""
    return [(doc_href(iri, f.extension), f.media_type, f.label) for f in DOCUMENT_FORMATS if f is not shown]


def known(store: Store, iri: str) -> bool:
    idx = index(store, base_iri())
    return iri in idx.iris or iri in idx.hash_namespaces


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


def serialize(graph: Graph, fmt: Format) -> bytes:
    """A document in ``fmt``: JSON-LD with a context of the prefixes it uses, RDF/XML pretty-printed."""
    if fmt is JSONLD:
        return graph.serialize(format="json-ld", context=used_prefixes(graph), indent=2, encoding="utf-8")
    return graph.serialize(format="pretty-xml" if fmt is RDFXML else fmt.rdflib, encoding="utf-8")
