"""The SPARQL 1.1 Protocol: requests, formats, negotiation, statuses (Flask's test client), and real clients
(SPARQLWrapper, rdflib's SPARQLStore, curl) over HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from urllib.parse import urlencode
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from conftest import ENDPOINT_FIXTURE
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from rcpkg import formats
from rcpkg.errors import QueryError
from rcpkg.store.limits import MAX_QUERY_BYTES

RCP = "https://w3id.org/rcpkg/ontology#"
ID = "https://w3id.org/rcpkg/id/"
GRAPH = "https://w3id.org/rcpkg/graph/"
PREFIXES = (
    f"PREFIX rcp: <{RCP}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX org: <http://www.w3.org/ns/org#>\n"
)
PROCESSES = (
    PREFIXES
    + "SELECT ?process ?name WHERE { ?process a rcp:RegionalConsultativeProcess ; rdfs:label ?name } ORDER BY ?name"
)
EXPECTED_NAMES = ["Bali Process", "Budapest Process", "Söderköping Process"]
MEMBERS = PREFIXES + (
    "SELECT ?process ?country ?count WHERE { ?m org:organization ?process ; org:member ?country . "
    "?process rcp:declaredMemberCount ?count } ORDER BY ?process ?country"
)
CONSTRUCT = PREFIXES + (
    "CONSTRUCT { ?p rdfs:label ?name ; rcp:governmentsText ?t } "
    "WHERE { ?p a rcp:RegionalConsultativeProcess ; rdfs:label ?name ; rcp:governmentsText ?t }"
)
ASK_TRUE = PREFIXES + f"ASK {{ <{ID}process/bali-process> a rcp:RegionalConsultativeProcess }}"
ASK_FALSE = PREFIXES + f"ASK {{ <{ID}process/nowhere> a rcp:RegionalConsultativeProcess }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def names_from_json(body: bytes) -> list[str]:
    data = json.loads(body)
    return [b["name"]["value"] for b in data["results"]["bindings"]]


def count(client, **params) -> int:
    reply = client.query(COUNT, "application/sparql-results+json", **params)
    assert reply.status == 200, reply.text
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


# ------------------------------------------------------------------------------------------ requests


@pytest.mark.parametrize("method", ["GET", "POST", "POST-direct"])
def test_query_by_get_post_form_and_post_body_give_the_same_answer(client, method):
    reply = client.query(PROCESSES, "application/sparql-results+json", method=method)
    assert reply.status == 200, reply.text
    assert reply.content_type == "application/sparql-results+json; charset=utf-8"
    assert names_from_json(reply.body) == EXPECTED_NAMES


@pytest.mark.parametrize(
    "charset", ["iso-8859-1", "utf-16", "utf-7", "punycode", "raw_unicode_escape", "undefined", "x"]
)
@pytest.mark.parametrize("content_type", ["application/sparql-query", "application/x-www-form-urlencoded"])
def test_a_charset_other_than_utf8_is_refused_with_415(client, content_type, charset):
    body = "ASK {}" if content_type == "application/sparql-query" else "query=ASK+%7B%7D"
    reply = client.request("POST", "/sparql", {"Content-Type": f"{content_type}; charset={charset}"}, body.encode())
    assert reply.status == 415, reply.text
    assert reply.text.count("\n") == 1 and "UTF-8" in reply.text and charset in reply.text


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_a_utf8_charset_is_accepted(client, charset):
    text = PREFIXES + 'SELECT ?p WHERE { ?p rdfs:label "Söderköping Process"@en }'
    for content_type, body in (
        ("application/sparql-query", text),
        ("application/x-www-form-urlencoded", urlencode({"query": text})),
    ):
        headers = {"Content-Type": f"{content_type}; charset={charset}", "Accept": "text/csv"}
        reply = client.request("POST", "/sparql", headers, body.encode("utf-8"))
        assert reply.status == 200, reply.text
        assert reply.text.splitlines()[1] == ID + "process/soderkoping-process"


@pytest.mark.parametrize(
    "method,path,headers,body",
    [
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "ASK {}".encode("utf-16")),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "ASK { FILTER('é') }".encode("latin-1")),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, "query=ASK {}".encode("utf-16")),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=ASK%7B%7D%23%E9"),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=ASK%7B%7D%23\xe9"),
        ("GET", "/sparql?query=ASK%7B%7D%23%E9", {}, None),
        ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=%FF", {}, None),
        ("GET", "/search?q=%E9", {}, None),
    ],
)
def test_text_that_is_not_utf8_is_a_400(client, method, path, headers, body):
    reply = client.request(method, path, headers, body)
    assert reply.status == 400, reply.text
    assert "UTF-8" in reply.text and reply.text.count("\n") == 1
    if path.startswith("/sparql"):  # a browser's client can read why
        assert reply.headers.get("Access-Control-Allow-Origin") == "*"


def test_head_request_has_headers_and_no_body(client):
    reply = client.request("HEAD", "/sparql?" + urlencode({"query": PROCESSES}))
    assert reply.status == 200
    assert reply.body == b""
    assert reply.media_type == "application/sparql-results+json"


# ------------------------------------------------------------------------------- formats and parsing


@pytest.mark.parametrize(
    "accept,fmt",
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_results_parse_in_the_format_claimed(client, accept, fmt):
    reply = client.query(MEMBERS, accept)
    assert reply.status == 200
    assert reply.content_type == f"{accept}; charset=utf-8"
    if fmt == ox.QueryResultsFormat.CSV:  # lossy: plain values
        rows = list(csv.DictReader(io.StringIO(reply.text)))
        countries = {row["country"] for row in rows}
    else:
        rows = list(ox.parse_query_results(reply.body, format=fmt))
        countries = {s["country"].value for s in rows}
    assert len(rows) == 8
    assert countries >= {ID + "country/hun", ID + "organization/iom"}


@pytest.mark.parametrize(
    "accept,rdflib_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_results_parse_in_the_format_claimed_and_agree(client, accept, rdflib_format):
    reply = client.query(CONSTRUCT, accept)
    assert reply.status == 200, reply.text
    assert reply.content_type == f"{accept}; charset=utf-8"
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    reference = Graph().parse(data=client.query(CONSTRUCT, "application/n-triples").body, format="nt")
    assert len(graph) == 6
    assert graph.isomorphic(reference)
    # literals with tabs, quotes and newlines survive every format
    texts = {str(o) for o in graph.objects(URIRef(ID + "process/bali-process"), URIRef(RCP + "governmentsText"))}
    assert texts == {'Turkey\ttab "quoted"\nnewline'}


def test_describe_returns_the_resource_description(client):
    reply = client.query(f"DESCRIBE <{ID}country/pol>", "text/turtle")
    assert reply.status == 200
    graph = Graph().parse(data=reply.body, format="turtle")
    assert (URIRef(ID + "country/pol"), URIRef(RCP + "iso3166Alpha3"), None) in graph


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_answers_true_and_false(client, accept):
    for query, expected in ((ASK_TRUE, True), (ASK_FALSE, False)):
        reply = client.query(query, accept)
        assert reply.status == 200
        fmt = ox.QueryResultsFormat.JSON if "json" in accept else ox.QueryResultsFormat.XML
        assert bool(ox.parse_query_results(reply.body, format=fmt)) is expected


# ---------------------------------------------------------------------------------- real clients


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_in_every_result_format(server, method):
    for fmt in (JSON, XML, CSV, TSV):
        client = SPARQLWrapper(server.endpoint)
        client.setMethod(method)
        client.setQuery(PROCESSES)
        client.setReturnFormat(fmt)
        result = client.query()
        converted = result.convert()
        if fmt == JSON:
            names = [b["name"]["value"] for b in converted["results"]["bindings"]]
        elif fmt == XML:
            assert isinstance(converted, Document)
            names = [
                b.getElementsByTagName("literal")[0].firstChild.data
                for b in converted.getElementsByTagName("binding")
                if b.getAttribute("name") == "name"
            ]
        elif fmt == CSV:
            names = [row["name"] for row in csv.DictReader(io.StringIO(converted.decode("utf-8")))]
        else:
            rows = converted.decode("utf-8").splitlines()[1:]
            names = [ox.Literal(r.split("\t")[1].split('"')[1]).value for r in rows]
        assert names == EXPECTED_NAMES, fmt


def test_sparqlwrapper_ask(server):
    for fmt in (JSON, XML):
        client = SPARQLWrapper(server.endpoint)
        client.setQuery(ASK_TRUE)
        client.setReturnFormat(fmt)
        converted = client.query().convert()
        if fmt == JSON:
            assert converted["boolean"] is True
        else:
            assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_sparqlwrapper_construct_in_every_graph_format(server):
    graphs = []
    for fmt in (TURTLE, N3, RDFXML, JSONLD, XML):
        client = SPARQLWrapper(server.endpoint)
        client.setQuery(CONSTRUCT)
        client.setReturnFormat(fmt)
        converted = client.query().convert()
        if isinstance(converted, bytes):
            converted = Graph().parse(data=converted, format="turtle")
        assert isinstance(converted, Graph), fmt
        graphs.append(converted)
    assert all(len(g) == 6 and g.isomorphic(graphs[0]) for g in graphs)


def test_rdflib_sparqlstore_reads_the_endpoint(server):
    graph = Graph(store=SPARQLStore(server.endpoint, returnFormat="xml"))
    rows = list(graph.query(PROCESSES))
    assert [str(r.name) for r in rows] == EXPECTED_NAMES
    assert graph.query(ASK_TRUE).askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 6
    assert len(list(graph.triples((URIRef(ID + "country/hun"), None, None)))) == 3


def test_curl_get_post_and_compressed(server):
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "--fail",
            "--compressed",
            "-H",
            "Accept: text/csv",
            "--get",
            "--data-urlencode",
            f"query={PROCESSES}",
            server.endpoint,
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode("utf-8")
    assert [row["name"] for row in csv.DictReader(io.StringIO(out))] == EXPECTED_NAMES
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "--fail",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/sparql-query",
            "-H",
            "Accept: application/sparql-results+json",
            "--data-binary",
            PROCESSES,
            server.endpoint,
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    assert names_from_json(out) == EXPECTED_NAMES
    status = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-urlencode",
            "update=CLEAR ALL",
            server.endpoint,
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    assert status == b"403"


# ---------------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("", "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ],
)
def test_accept_header_with_q_values_chooses_the_format(client, accept, expected):
    reply = client.query(PROCESSES, accept)
    assert reply.status == 200
    assert reply.media_type == expected
    assert reply.content_type.endswith("; charset=utf-8")


@pytest.mark.parametrize(
    "query,fmt,expected",
    [
        (PROCESSES, "csv", "text/csv"),
        (PROCESSES, "tsv", "text/tab-separated-values"),
        (PROCESSES, "xml", "application/sparql-results+xml"),
        (PROCESSES, "json", "application/sparql-results+json"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "ntriples", "application/n-triples"),
        (CONSTRUCT, "xml", "application/rdf+xml"),
        (CONSTRUCT, "turtle", "text/turtle"),
        (PROCESSES, "text/csv", "text/csv"),
    ],
)
def test_format_parameter_overrides_accept(client, query, fmt, expected):
    reply = client.query(query, "application/sparql-results+xml, text/turtle", format=fmt)
    assert reply.status == 200, reply.text
    assert reply.media_type == expected


def test_html_results_for_browsers(client):
    reply = client.query(PROCESSES, "text/html", format="html")
    assert reply.status == 200
    assert reply.media_type == "text/html"
    assert "<table" in reply.text and "Söderköping Process" in reply.text
    assert f'href="{ID}process/bali-process"' in reply.text


@pytest.mark.parametrize(
    "query,accept,params",
    [
        (PROCESSES, "image/png", {}),
        (PROCESSES, "text/turtle", {}),
        (CONSTRUCT, "text/csv", {}),
        (CONSTRUCT, "application/sparql-results+json", {}),
        (CONSTRUCT, "*/*", {"format": "csv"}),
        (PROCESSES, "*/*", {"format": "turtle"}),
    ],
)
def test_406_when_no_acceptable_format(client, query, accept, params):
    reply = client.query(query, accept, **params)
    assert reply.status == 406
    assert reply.media_type == "text/plain"
    assert "available" in reply.text


# ------------------------------------------------------------------------------- errors, read-only


def test_malformed_query_gets_400_with_the_parser_message(client):
    reply = client.query("SELECT * WHERE { ?s ?p ", "application/sparql-results+json")
    assert reply.status == 400
    assert reply.content_type == "text/plain; charset=utf-8"
    assert "error at 1:" in reply.text
    assert "Traceback" not in reply.text


@pytest.mark.parametrize(
    "method,path,headers,body",
    [
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, "nothing=here"),
        ("GET", "/sparql?" + urlencode([("query", "ASK {}"), ("query", "ASK {}")]), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "   "}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}", "format": "png"}), {}, None),
        ("POST", "/sparql?query=ASK%7B%7D", {"Content-Type": "application/sparql-query"}, "ASK {}"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { \xff\xfe }"),
        (
            "GET",
            "/sparql?" + urlencode({"query": "ASK {}", "default-graph-uri": "http://example.org/g"}),
            {},
            None,
        ),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}", "named-graph-uri": "not an iri"}), {}, None),
        (
            "GET",
            "/sparql?" + urlencode({"query": "SELECT * FROM <http://example.org/remote> { ?s ?p ?o }"}),
            {},
            None,
        ),
        (
            "GET",
            "/sparql?" + urlencode({"query": "SELECT * FROM NAMED <http://e.org/g> { ?s ?p ?o }"}),
            {},
            None,
        ),
    ],
)
def test_bad_requests_get_400_in_plain_text(client, method, path, headers, body):
    reply = client.request(method, path, headers, body)
    assert reply.status == 400, reply.text
    assert reply.content_type == "text/plain; charset=utf-8"
    assert reply.text.strip()


UPDATE = f'INSERT DATA {{ GRAPH <{GRAPH}data> {{ <{ID}x> <{RCP}acronym> "X" }} }}'


@pytest.mark.parametrize(
    "method,path,headers,body",
    [
        ("GET", "/sparql?" + urlencode({"update": UPDATE}), {}, None),
        (
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"update": UPDATE}),
        ),
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, UPDATE),
        (
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"query": UPDATE}),
        ),
        ("GET", "/sparql?" + urlencode({"query": "CLEAR ALL"}), {}, None),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, "DROP GRAPH <" + GRAPH + "data>"),
    ],
)
def test_updates_are_refused_and_change_nothing(client, method, path, headers, body):
    before = count(client)
    reply = client.request(method, path, headers, body)
    assert reply.status == 403
    assert "read-only" in reply.text
    assert count(client) == before
    ask = client.query(f"ASK {{ <{ID}x> ?p ?o }}", "application/sparql-results+json")
    assert json.loads(ask.body)["boolean"] is False


def test_other_methods_get_405_and_other_bodies_415(client):
    for method in ("PUT", "DELETE", "PATCH"):
        reply = client.request(method, "/sparql", {}, b"")
        assert reply.status == 405
        assert "GET" in reply.headers["Allow"] and "POST" in reply.headers["Allow"]
    reply = client.request("POST", "/sparql", {"Content-Type": "text/plain"}, "ASK {}")
    assert reply.status == 415
    reply = client.request("POST", "/sparql", {}, b"ASK {}")
    assert reply.status == 415


def test_service_to_a_remote_endpoint_is_refused(client):
    for text in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://example.org/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    ):
        reply = client.query(text, "application/sparql-results+json")
        assert reply.status == 403, text
        assert "SERVICE" in reply.text


def test_the_word_service_inside_strings_and_iris_is_not_a_service_clause(client):
    text = 'SELECT ?x WHERE { BIND("SERVICE <http://example.org/>" AS ?x) } # SERVICE <http://e.org/>'
    reply = client.query(text, "application/sparql-results+json")
    assert reply.status == 200, reply.text


def test_query_longer_than_the_limit_gets_413(client):
    text = "ASK {}" + " " * MAX_QUERY_BYTES
    assert client.query(text, method="POST").status == 413
    assert client.query(text, method="POST-direct").status == 413


@pytest.mark.parametrize("method", ["POST", "POST-direct"])
def test_a_values_list_of_thousands_of_iris_is_an_ordinary_query(client, method):
    iris = " ".join(f"<{ID}country/c{i:05d}>" for i in range(2400))
    text = f"SELECT (COUNT(*) AS ?n) {{ VALUES ?c {{ {iris} }} }}"
    assert 100_000 < len(text.encode("utf-8")) <= MAX_QUERY_BYTES
    reply = client.query(text, "text/csv", method=method)
    assert reply.status == 200, reply.text[:200]
    assert reply.text.splitlines()[1] == "2400"


@pytest.mark.parametrize(
    "text,message",
    [
        ("SELECT * { BIND(<http://example.org/f>(1) AS ?x) }", "<http://example.org/f> is not supported"),
        ("SELECT (xsd:byte('1') AS ?x) {}", "#byte> is not supported"),
        ("SELECT (xsd:unsignedLong('1') AS ?x) {}", "#unsignedLong> is not supported"),
        ("SELECT (xsd:dateTimeStamp('2000-01-01T00:00:00Z') AS ?x) {}", "#dateTimeStamp> is not supported"),
        ("SELECT (xsd:int('1') AS ?x) {}", "#int> is not supported"),
        ("ASK { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }", "<http://example.org/f> is not supported"),
        ("CONSTRUCT { ?s ?p ?x } { ?s ?p ?o BIND(xsd:byte(?o) AS ?x) }", "#byte> is not supported"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "POST-direct"])
def test_a_query_the_engine_refuses_to_evaluate_is_a_400_with_its_message(client, text, message, method):
    text = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + text
    reply = client.query(text, "*/*", method=method)
    assert reply.status == 400, reply.text
    assert message in reply.text and reply.text.count("\n") == 1


def test_an_engine_refusal_met_while_the_results_are_written_is_a_query_error(client):
    """Evaluation is lazy: SERVICE on an unbound variable fails only when the solutions are read."""
    store = client.app.extensions["rcpkg.store"]
    text = "SELECT * { SERVICE ?unbound { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="service name is unbound"):
        store._run(text, store.inspect(text), formats.JSON, (), (), None)


@pytest.mark.parametrize("method", ["GET", "POST", "POST-direct"])
def test_relative_iris_resolve_against_the_endpoint(client, method):
    reply = client.query("CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples", method=method)
    assert reply.status == 200, reply.text
    assert reply.text.startswith(f"<{client.url}s> <{client.url}p> ")
    reply = client.query("SELECT ?x { BIND(<#me> AS ?x) }", "text/csv", method=method)
    assert reply.text.splitlines()[1] == client.endpoint + "#me"


def test_relative_iris_resolve_against_the_public_url_and_each_host_has_its_own_answer(client_factory):
    configured = client_factory(ENDPOINT_FIXTURE, public_url="https://rcp.example.org/kb/")
    reply = configured.query("SELECT ?x { BIND(<s> AS ?x) }", "text/csv")
    assert reply.text.splitlines()[1] == "https://rcp.example.org/kb/s"
    plain = client_factory(ENDPOINT_FIXTURE)
    path = "/sparql?" + urlencode({"query": "SELECT ?x { BIND(<s> AS ?x) }"})
    for host in ("a.example", "b.example", "a.example"):  # the second a.example is a cache hit
        reply = plain.request("GET", path, {"Host": host, "Accept": "text/csv"})
        assert reply.text.splitlines()[1] == f"http://{host}/s"


def test_no_input_produces_a_5xx_or_a_traceback(client):
    attempts = [
        ("GET", "/sparql?query=%FF%FE", {}, None),
        (
            "GET",
            "/sparql?" + urlencode({"query": "SELECT * { ?s ?p ?o } LIMIT 99999999999999999999999"}),
            {},
            None,
        ),
        ("GET", "/sparql?" + urlencode({"query": "SELECT (1/0 AS ?x) {}"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": 'SELECT (xsd:integer("a") AS ?x) {}'}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "SELECT * { ?s ?p ?o }", "format": "\x00"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"Accept": ";;;,,q=abc/"}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"Accept": "text/csv;q=nan"}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"If-Modified-Since": "yesterday"}, None),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), {"Accept-Encoding": "gzip;q=x"}, None),
        ("GET", "/sparql?" + urlencode({"query": "DESCRIBE <not an iri>"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "SELECT * { <a> <b> <c> }"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "\\uZZZZ ASK {}"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "BASE <rel> SELECT * FROM <x> {}"}), {}, None),
        ("GET", "/sparql?" + urlencode({"query": "SELECT * { ?s ?p ?o } VALUES ?s { <\u0000> }"}), {}, None),
        ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"query=%ZZ&&&=="),
        ("POST", "/sparql", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--"),
        ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=nonsense"}, b"ASK {}"),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}", "default-graph-uri": "\u0000"}), {}, None),
        ("GET", "/dumps/..%2Fsource", {}, None),
        ("GET", "/nowhere", {}, None),
    ]
    for method, path, headers, body in attempts:
        reply = client.request(method, path, headers, body)
        assert reply.status < 500, (path, reply.status, reply.text)
        assert b"Traceback" not in reply.body


# ---------------------------------------------------------------------------------- dataset


def test_default_graph_is_the_union_of_the_named_graphs(client):
    union = count(client)
    per_graph = sum(
        count(client, **{"default-graph-uri": GRAPH + g}) for g in ("data", "ontology", "inferred", "metadata")
    )
    assert union == per_graph == 128


def test_default_graph_uri_and_named_graph_uri_are_honoured(client):
    assert count(client, **{"default-graph-uri": GRAPH + "inferred"}) == 6
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    reply = client.get(
        "/sparql",
        {"Accept": "text/csv"},
        query=text,
        **{"named-graph-uri": GRAPH + "ontology"},
    )
    assert reply.text.splitlines()[1:] == [GRAPH + "ontology"]
    # repeated parameters, in a POST form
    body = urlencode(
        [
            ("query", COUNT),
            ("default-graph-uri", GRAPH + "inferred"),
            ("default-graph-uri", GRAPH + "metadata"),
        ]
    )
    reply = client.request(
        "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"}, body
    )
    assert reply.text.splitlines()[1] == "9"


def test_from_a_graph_of_the_dataset_is_answered(client):
    text = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}inferred> WHERE {{ ?s ?p ?o }}"
    reply = client.query(text, "text/csv")
    assert reply.status == 200
    assert reply.text.splitlines()[1] == "6"


# ------------------------------------------------------------------------------- XML well-formedness

CONTROL = 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }'
NO_QNAME = 'CONSTRUCT { <http://a/b> <http://a/1> "x" } WHERE {}'


@pytest.mark.parametrize(
    "query,accept,params",
    [
        (CONTROL, "application/sparql-results+xml", {}),
        (CONTROL, "application/xml", {}),
        (CONTROL, "*/*", {"format": "xml"}),
        (NO_QNAME, "application/rdf+xml", {}),
        (NO_QNAME, "*/*", {"format": "rdfxml"}),
        ('CONSTRUCT { <http://a/b> <http://a/c> "x\\u0002y" } WHERE {}', "application/rdf+xml", {}),
    ],
)
def test_xml_that_would_not_parse_is_refused_with_406_in_plain_text(client, query, accept, params):
    reply = client.query(query, accept, **params)
    assert reply.status == 406, reply.text
    assert reply.content_type == "text/plain; charset=utf-8"
    assert "XML" in reply.text and "ask for" in reply.text
    assert client.query("ASK {}").status == 200


def test_the_same_results_in_other_formats_and_good_xml_still_parse(client):
    reply = client.query(CONTROL, "application/sparql-results+json")
    assert json.loads(reply.body)["results"]["bindings"][0]["x"]["value"] == "a\u0001b"
    assert Graph().parse(data=client.query(NO_QNAME, "text/turtle").body, format="turtle")
    good = client.query('SELECT ?x WHERE { BIND("tab\\tand é" AS ?x) }', "application/sparql-results+xml")
    assert good.status == 200
    ET.fromstring(good.body)
    rdf = client.query("CONSTRUCT WHERE { ?s ?p ?o }", "application/rdf+xml")
    assert rdf.status == 200
    ET.fromstring(rdf.body)
    assert len(Graph().parse(data=rdf.body, format="xml")) == 128


def test_rdf_documents_carry_no_rdflib_default_or_generated_prefixes(client):
    turtle = client.query("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle").text
    declared = {line.split()[1] for line in turtle.splitlines() if line.startswith("@prefix")}
    assert "rcp:" in declared and "brick:" not in declared and not any(p.startswith("ns1") for p in declared)
    for accept in ("text/turtle", "application/rdf+xml", "application/ld+json"):
        text = client.get("/sparql", {"Accept": accept}).text  # the service description, written by rdflib
        assert "ns1" not in text and "brick" not in text and "csvw" not in text, accept
