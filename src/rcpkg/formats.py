"""Every format the project reads, writes or negotiates: one table, built on pyoxigraph's ``RdfFormat`` and
``QueryResultsFormat``, plus HTML.

A ``Format`` has a short name (``format=json``), its media type, the other media types and names clients
use for it, the pyoxigraph format that writes it, the rdflib serializer of documents written by rdflib,
the file extension of documents and dumps, and its IRI in http://www.w3.org/ns/formats/.

Groups, in order of preference when a client states none: ``RESULTS`` (SELECT and ASK), ``GRAPHS``
(CONSTRUCT, DESCRIBE and documents), ``DATASETS`` (files with named graphs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str  # the short name of ``format=``
    media_type: str
    label: str  # the name shown to people
    extension: str  # of documents (``/doc/...{extension}``) and files
    results: ox.QueryResultsFormat | None = None  # pyoxigraph writer of SELECT / ASK results
    rdf: ox.RdfFormat | None = None  # pyoxigraph reader / writer of graphs and datasets
    rdflib: str | None = None  # rdflib serializer name
    iri: str | None = None  # http://www.w3.org/ns/formats/...
    aliases: tuple[str, ...] = ()  # other media types clients send for it
    names: tuple[str, ...] = ()  # other short names

    @property
    def content_type(self) -> str:
        """The Content-Type header value: every format here is UTF-8 text."""
        return f"{self.media_type}; charset=utf-8"

    def known_as(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases

    def called(self, name: str) -> bool:
        return name == self.name or name in self.names


JSON = Format(
    "json",
    "application/sparql-results+json",
    "SPARQL results in JSON",
    "srj",
    results=ox.QueryResultsFormat.JSON,
    iri=W3C_FORMATS + "SPARQL_Results_JSON",
    aliases=("application/json",),
    names=("srj",),
)
XML = Format(
    "xml",
    "application/sparql-results+xml",
    "SPARQL results in XML",
    "srx",
    results=ox.QueryResultsFormat.XML,
    iri=W3C_FORMATS + "SPARQL_Results_XML",
    aliases=("application/xml", "text/xml"),
    names=("srx",),
)
CSV = Format(
    "csv", "text/csv", "CSV", "csv", results=ox.QueryResultsFormat.CSV, iri=W3C_FORMATS + "SPARQL_Results_CSV"
)
TSV = Format(
    "tsv",
    "text/tab-separated-values",
    "TSV",
    "tsv",
    results=ox.QueryResultsFormat.TSV,
    iri=W3C_FORMATS + "SPARQL_Results_TSV",
)
TURTLE = Format(
    "turtle",
    "text/turtle",
    "Turtle",
    "ttl",
    rdf=ox.RdfFormat.TURTLE,
    rdflib="turtle",
    iri=W3C_FORMATS + "Turtle",
    aliases=("application/x-turtle",),
    names=("ttl", "n3"),
)
NTRIPLES = Format(
    "ntriples",
    "application/n-triples",
    "N-Triples",
    "nt",
    rdf=ox.RdfFormat.N_TRIPLES,
    rdflib="nt",
    iri=W3C_FORMATS + "N-Triples",
    aliases=("text/plain", "text/n-triples", "application/x-ntriples"),
    names=("n-triples", "nt"),
)
JSONLD = Format(
    "jsonld",
    "application/ld+json",
    "JSON-LD",
    "jsonld",
    rdf=ox.RdfFormat.JSON_LD,
    rdflib="json-ld",
    iri=W3C_FORMATS + "JSON-LD",
    aliases=("application/json",),
    names=("json-ld", "json"),
)
RDFXML = Format(
    "rdfxml",
    "application/rdf+xml",
    "RDF/XML",
    "rdf",
    rdf=ox.RdfFormat.RDF_XML,
    rdflib="xml",
    iri=W3C_FORMATS + "RDF_XML",
    aliases=("application/xml", "text/xml"),
    names=("rdf", "rdf+xml", "xml"),
)
TRIG = Format("trig", "application/trig", "TriG", "trig", rdf=ox.RdfFormat.TRIG, rdflib="trig")
NQUADS = Format("nquads", "application/n-quads", "N-Quads", "nq", rdf=ox.RdfFormat.N_QUADS, rdflib="nquads")
HTML = Format("html", "text/html", "HTML", "html", aliases=("application/xhtml+xml",))

RESULTS = (JSON, XML, CSV, TSV)
GRAPHS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
DATASETS = (TRIG, NQUADS)
#: Files the store loads, by extension (``.turtle`` too).
LOADABLE = {f.extension: f for f in (*DATASETS, TURTLE, NTRIPLES)} | {"turtle": TURTLE}

#: Every short name of ``format=``.
NAMES = sorted({n for f in (*RESULTS, *GRAPHS, HTML) for n in (f.name, *f.names)})


def by_media_type(media_type: str, formats: Iterable[Format]) -> Format | None:
    """The format among ``formats`` whose media type (or alias) is ``media_type``."""
    formats = tuple(formats)
    for f in formats:
        if f.media_type == media_type:
            return f
    for f in formats:
        if media_type in f.aliases:
            return f
    return None


def by_name(name: str, formats: Iterable[Format]) -> Format | None:
    """The format among ``formats`` called ``name`` (``json``, ``ttl``, ...)."""
    return next((f for f in formats if f.called(name)), None)


def of(value: Format | str) -> Format:
    """``value`` itself, or the result or graph format whose media type it is; ValueError otherwise."""
    if isinstance(value, Format):
        return value
    found = next((f for f in (*RESULTS, *GRAPHS) if f.media_type == value), None)
    if found is None:
        raise ValueError(f"not a media type of a result or graph format: {value!r}")
    return found
