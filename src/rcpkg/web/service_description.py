"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without a query), limits included:
RDF in every graph format, or an HTML page with a query form. The terms that state the limits are
declared in ``ontology/service.ttl``; their labels and comments come from there."""

from __future__ import annotations

from flask import Response, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from rcpkg.config import Config
from rcpkg.dump import output_graph
from rcpkg.formats import GRAPHS, HTML, RESULTS, TURTLE, W3C_FORMATS, by_name
from rcpkg.namespaces import SD, SERVICE, SERVICE_VOCABULARY, rebase
from rcpkg.store import Store
from rcpkg.web.context import caches, error_response, public_base
from rcpkg.web.negotiation import first_named

_VOCABULARY = """
    CONSTRUCT { ?term ?p ?value } WHERE {
      ?term <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> ?vocabulary ; ?p ?value .
      VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#label> <http://www.w3.org/2000/01/rdf-schema#comment> }
    }"""


def vocabulary(store: Store, base: str) -> Graph:
    """Labels and comments of the service vocabulary's terms (``ontology/service.ttl``) as the loaded dataset
    holds them in its ontology graph, read once per loaded dataset."""
    return caches().indexes.get_or_make(
        ("service-vocabulary", store.data_hash, base),
        lambda: store.construct(_VOCABULARY, bindings={"vocabulary": rebase(SERVICE_VOCABULARY, base)}),
    )


def service_description_graph(store: Store, config: Config, endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint, limits included."""
    g = output_graph({"sd": str(SD), "formats": W3C_FORMATS, "rcpsd": str(SERVICE)})
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*RESULTS, *GRAPHS):
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if config.service_allowlist:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    title = "SPARQL endpoint of the Regional Consultative Processes knowledge base"
    g.add((service, DCTERMS.title, Literal(title, lang="en")))
    description = (
        f"Read-only SPARQL 1.1 query endpoint. The default graph is the union of the named graphs. "
        f"Limits: queries longer than {config.query_timeout:g} s, or needing more than "
        f"{config.max_query_memory // 2**20} MiB of memory, are stopped (status 503); at most "
        f"{config.max_rows} solutions or triples per answer (header X-SPARQL-Truncated: true when "
        f"cut); queries of at most {config.max_query_bytes} bytes, with brackets {{ ( [ nested at most "
        f"{config.max_query_depth} levels deep (status 400 otherwise); at most "
        f"{config.max_client_queries or 'any number of'} queries of one client at once per server process "
        f"(status 429 otherwise); SPARQL Update is refused (403); SERVICE only to allow-listed endpoints "
        f"({len(config.service_allowlist)}); no query makes the server connect anywhere else."
    )
    g.add((service, DCTERMS.description, Literal(description, lang="en")))
    g.add((service, SERVICE.queryTimeout, Literal(config.query_timeout, datatype=XSD.decimal)))
    g.add((service, SERVICE.timeoutStatus, Literal(503)))
    g.add((service, SERVICE.maxResultRows, Literal(config.max_rows)))
    g.add((service, SERVICE.maxQueryBytes, Literal(config.max_query_bytes)))
    g.add((service, SERVICE.maxQueryDepth, Literal(config.max_query_depth)))
    g.add((service, SERVICE.maxQueryMemory, Literal(config.max_query_memory)))
    g.add((service, SERVICE.maxClientQueries, Literal(config.max_client_queries)))
    for allowed in config.service_allowlist:
        g.add((service, SERVICE.allowedService, URIRef(allowed)))
    for term, prop, value in vocabulary(store, config.base_iri):  # its terms, as the data (maybe rebased) has them
        g.add((SERVICE[str(term).rpartition("#")[2]], prop, value))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode("default")
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(store.triple_count)))
    for index, name in enumerate(store.graphs):
        named = BNode(f"named{index}")
        graph = BNode(f"graph{index}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(graph_size(store, name))))
    return g


def graph_size(store: Store, name: str) -> int:
    """Triples of the named graph ``name``."""

    def count() -> int:
        rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"])

    return caches().sizes.get_or_make((store.data_hash, name), count)


def service_description(store: Store, config: Config) -> Response:
    """The answer to ``GET /sparql`` without a query: Turtle unless the client (or ``format=``) asks for
    another graph format or HTML."""
    endpoint = public_base() + "sparql"
    format_name = request.args.get("format")
    if format_name:
        fmt = by_name(format_name.lower(), (*GRAPHS, HTML))
        if fmt is None:
            return error_response(400, f"unknown format {format_name!r} for the service description")
    else:
        fmt = first_named(request.headers.get("Accept"), (HTML, *GRAPHS), default=TURTLE)
        if fmt is None:
            available = ", ".join(f.media_type for f in (*GRAPHS, HTML))
            return error_response(406, "the service description is available as " + available)
    if fmt is HTML:
        body = render_template(
            "service_description.html",
            endpoint=endpoint,
            config=config,
            store=store,
            formats=[HTML.name, *(f.name for f in (*RESULTS, *GRAPHS))],
            graphs=[(name, graph_size(store, name)) for name in store.graphs],
        ).encode("utf-8")
    else:
        body = service_description_graph(store, config, endpoint).serialize(format=fmt.rdflib, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response
