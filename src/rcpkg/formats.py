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

from rcpkg.namespaces import FORMATS

W3C_FORMATS = str(FORMATS)


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


_R, _G = ox.QueryResultsFormat, ox.RdfFormat
# name, media type, label, extension, pyoxigraph writer, rdflib serializer, IRI under W3C_FORMATS, aliases, names
JSON, XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS, HTML = (
    Format(
        name,
        media,
        label,
        ext,
        w if isinstance(w, _R) else None,
        w if isinstance(w, _G) else None,
        lib,
        W3C_FORMATS + iri if iri else None,
        tuple(aliases.split()),
        tuple(names.split()),
    )
    for name, media, label, ext, w, lib, iri, aliases, names in (
        (
            "json",
            "application/sparql-results+json",
            "SPARQL results in JSON",
            "srj",
            _R.JSON,
            None,
            "SPARQL_Results_JSON",
            "application/json",
            "srj",
        ),
        (
            "xml",
            "application/sparql-results+xml",
            "SPARQL results in XML",
            "srx",
            _R.XML,
            None,
            "SPARQL_Results_XML",
            "application/xml text/xml",
            "srx",
        ),
        ("csv", "text/csv", "CSV", "csv", _R.CSV, None, "SPARQL_Results_CSV", "", ""),
        ("tsv", "text/tab-separated-values", "TSV", "tsv", _R.TSV, None, "SPARQL_Results_TSV", "", ""),
        ("turtle", "text/turtle", "Turtle", "ttl", _G.TURTLE, "turtle", "Turtle", "application/x-turtle", "ttl n3"),
        (
            "ntriples",
            "application/n-triples",
            "N-Triples",
            "nt",
            _G.N_TRIPLES,
            "nt",
            "N-Triples",
            "text/plain text/n-triples application/x-ntriples",
            "n-triples nt",
        ),
        (
            "jsonld",
            "application/ld+json",
            "JSON-LD",
            "jsonld",
            _G.JSON_LD,
            "json-ld",
            "JSON-LD",
            "application/json",
            "json-ld json",
        ),
        (
            "rdfxml",
            "application/rdf+xml",
            "RDF/XML",
            "rdf",
            _G.RDF_XML,
            "xml",
            "RDF_XML",
            "application/xml text/xml",
            "rdf rdf+xml xml",
        ),
        ("trig", "application/trig", "TriG", "trig", _G.TRIG, "trig", "TriG", "", ""),
        ("nquads", "application/n-quads", "N-Quads", "nq", _G.N_QUADS, "nquads", "N-Quads", "", ""),
        ("html", "text/html", "HTML", "html", None, None, None, "application/xhtml+xml", ""),
    )
)

RESULTS = (JSON, XML, CSV, TSV)
GRAPHS = (TURTLE, NTRIPLES, JSONLD, RDFXML)
DATASETS = (TRIG, NQUADS)
#: Files the store loads, by extension (``.turtle`` too).
LOADABLE = {f.extension: f for f in (*DATASETS, TURTLE, NTRIPLES)} | {"turtle": TURTLE}

#: Media types (prefixes) of bodies worth gzipping.
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/sparql-results",
    "application/n-triples",
    "application/n-quads",
    "application/rdf+xml",
    "application/trig",
    "application/xml",
    "image/svg+xml",
)

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
