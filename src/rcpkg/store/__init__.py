"""The loaded knowledge base behind one small interface; the only package that talks to the query engine.

The engine is pyoxigraph (in memory), chosen by measurement (see ``bench/RESULTS.md``). The dataset file
(``paths.dataset_file()``, TriG) holds the named graphs data, ontology, inferred and metadata; the default
graph of every query is their union.

Modules: ``inspect`` (what a query asks for, decided before evaluation), ``execute`` (threads, stacks,
timeouts), ``limits`` (the limits and their defaults), ``serialize`` (answers in a format the caller chose,
XML guards), ``load`` (reading a dataset file), ``facade`` (the ``Store``). Formats are ``rcpkg.formats``;
the store never sees an Accept header.

Interface (everything the web layer and the pages use)::

    store = Store.load(path=None, limits=None)      # TriG file, paths.dataset_file() by default; DataError
    store = Store.from_bytes(data, format="trig")   # same, from bytes (tests, notebooks)
    store.data_hash        # str: SHA-256 (hex) of the loaded bytes: ETags and cache keys
    store.last_modified    # datetime (UTC) | None: the dcterms:modified the data states for the dataset
    store.limits           # Limits: query timeout, max rows, max query bytes, max query depth
    store.graphs           # tuple[str, ...]: IRIs of the named graphs, sorted
    store.triple_count     # int: distinct triples of the union default graph
    store.tainted          # a query outlived its timeout: the server replaces this process

    # SPARQL protocol: text in, bytes out
    body, media_type = store.query(text, format=None, default_graph_uris=(), named_graph_uris=())
    answer = store.execute(text, format, default_graph_uris=(), named_graph_uris=(),
                           max_rows=None, timeout=None, allowed_services=(), info=None)
                           # -> Answer (body, media_type, form, rows, truncated)
    info = store.inspect(text)            # inspect_query(text, limits.max_query_depth) -> QueryInfo
    info = store.check(text, ...)         # QueryInfo, or QueryRefused

    # Python values, for HTML pages (rdflib terms: URIRef, Literal, BNode)
    store.select(text, bindings=None) -> list[dict[str, Term]]   # unbound variables are absent from a row
    store.ask(text, bindings=None) -> bool
    store.construct(text, bindings=None) -> rdflib.Graph         # CONSTRUCT or DESCRIBE
    store.describe(iri, incoming=False) -> rdflib.Graph
    store.quads(subject=None, predicate=None, object=None, graph=None) -> list[(s, p, o, graph IRI)]
    store.contains(iri) -> bool                                 # iri is the subject or object of a triple
    store.iris(prefix) -> set[str]                              # every IRI starting with prefix

``bindings`` maps variable names (without "?") to rdflib terms or IRIs given as strings; the engine
writes them in a VALUES block (no string splicing of user input into query text).

Errors (all subclasses of ``rcpkg.errors.QueryError``; the web layer maps them to statuses):
``QueryError`` (malformed query: 400), ``QueryTooComplex`` (brackets nested too deep, or a query too long to
evaluate safely: 400), ``QueryRefused`` (update, SERVICE or a graph not in the dataset: 403 or 400),
``NotAcceptable`` (the format cannot express the result, or the result cannot be written in the requested
XML format: 406), ``QueryTimeout`` (503).
"""

from rcpkg.store.errors import NotAcceptable, QueryRefused, QueryTimeout, QueryTooComplex
from rcpkg.store.facade import Store
from rcpkg.store.inspect import ASK, CONSTRUCT, DESCRIBE, FORMS, SELECT, QueryInfo, inspect_query
from rcpkg.store.limits import Limits
from rcpkg.store.serialize import Answer

__all__ = [
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "FORMS",
    "SELECT",
    "Answer",
    "Limits",
    "NotAcceptable",
    "QueryInfo",
    "QueryRefused",
    "QueryTimeout",
    "QueryTooComplex",
    "Store",
    "inspect_query",
]
