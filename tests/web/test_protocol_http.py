"""HTTP around the protocol: ETag / Last-Modified / 304, the result cache, gzip, CORS, service description."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
STATED = parsedate_to_datetime("Mon, 06 May 2024 07:08:09 GMT")  # MODIFIED of tests/web/conftest.py
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
SMALL = "ASK { ?s ?p ?o }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def dated(client_factory, dated_fixture):
    """The endpoint over its fixture dataset, whose description states dcterms:modified MODIFIED."""
    return client_factory(dated_fixture, query_timeout=2)


def test_repeated_queries_carry_the_same_etag_and_last_modified(dated):
    client = dated
    first = client.query(QUERY, "application/sparql-results+json")
    second = client.query(QUERY, "application/sparql-results+json")
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"].startswith('"')
    assert parsedate_to_datetime(first.headers["Last-Modified"]) == STATED
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]
    assert "max-age=" in first.headers["Cache-Control"]
    assert "Accept" in first.headers["Vary"]
    other_format = client.query(QUERY, "text/csv")
    other_query = client.query(QUERY + " LIMIT 3", "application/sparql-results+json")
    assert len({first.headers["ETag"], other_format.headers["ETag"], other_query.headers["ETag"]}) == 3


def test_if_none_match_gets_304_without_a_body(client):
    etag = client.query(QUERY, "text/csv").headers["ETag"]
    reply = client.get("/sparql", {"Accept": "text/csv", "If-None-Match": etag}, query=QUERY)
    assert reply.status == 304
    assert reply.body == b""
    assert reply.headers["ETag"] == etag
    changed = client.get("/sparql", {"Accept": "text/csv", "If-None-Match": '"other"'}, query=QUERY)
    assert changed.status == 200


def test_if_modified_since_gets_304_when_the_data_is_older(dated):
    later = format_datetime(STATED + timedelta(seconds=1), usegmt=True)
    same = format_datetime(STATED, usegmt=True)
    earlier = format_datetime(STATED - timedelta(seconds=1), usegmt=True)
    assert dated.get("/sparql", {"If-Modified-Since": later}, query=QUERY).status == 304
    assert dated.get("/sparql", {"If-Modified-Since": same}, query=QUERY).status == 304
    assert dated.get("/sparql", {"If-Modified-Since": earlier}, query=QUERY).status == 200


def test_last_modified_and_etag_come_from_the_data_not_the_file_time(client_factory, dated_fixture, tmp_path_factory):
    # The same bytes written at two different times (two builds of the same inputs) are served alike.
    copy = tmp_path_factory.mktemp("rebuilt") / "rcp.trig"
    shutil.copy(dated_fixture, copy)
    os.utime(dated_fixture, (1_000_000_000, 1_000_000_000))
    os.utime(copy, (1_700_000_000, 1_700_000_000))
    first = client_factory(dated_fixture, cache="false")
    second = client_factory(copy, cache="false")
    for path in ("/sparql?" + urlencode({"query": QUERY}), "/.well-known/void", "/doc/id/country/hun.ttl"):
        a, b = first.get(path), second.get(path)
        assert a.status == b.status == 200, path
        assert a.headers["ETag"] == b.headers["ETag"], path
        assert parsedate_to_datetime(a.headers["Last-Modified"]) == STATED, path
        assert a.headers["Last-Modified"] == b.headers["Last-Modified"], path


def test_data_stating_no_date_gets_no_last_modified_and_if_modified_since_is_not_trusted(client):
    reply = client.query(QUERY, "application/sparql-results+json")
    assert reply.status == 200 and reply.headers["ETag"]
    assert "Last-Modified" not in reply.headers
    later = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    assert client.get("/sparql", {"If-Modified-Since": later}, query=QUERY).status == 200
    assert client.get("/sparql", {"If-None-Match": reply.headers["ETag"]}, query=QUERY).status == 304


def test_queries_with_now_or_rand_are_neither_cached_nor_tagged(client):
    reply = client.query("SELECT (NOW() AS ?t) (RAND() AS ?r) {}", "application/sparql-results+json")
    assert reply.status == 200
    assert "ETag" not in reply.headers
    assert reply.headers["Cache-Control"] == "no-store"


def test_the_result_cache_answers_repeated_queries(client_factory, endpoint_fixture):
    client = client_factory(endpoint_fixture)
    text = QUERY + " LIMIT 7"
    first = client.query(text, "application/sparql-results+json")
    second = client.query(text, "application/sparql-results+json")
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == "hit"
    assert first.body == second.body
    # keyed by format too
    assert client.query(text, "text/csv").headers["X-Cache"] == "miss"
    # and by dataset: default-graph-uri is part of the key
    g = "https://w3id.org/rcpkg/graph/inferred"
    scoped = client.query(text, "application/sparql-results+json", **{"default-graph-uri": g})
    assert scoped.headers["X-Cache"] == "miss"
    assert scoped.body != first.body


def test_the_result_cache_can_be_switched_off(client_factory, endpoint_fixture):
    client = client_factory(endpoint_fixture, cache="false")
    for _ in range(2):
        reply = client.query(QUERY, "application/sparql-results+json")
        assert reply.status == 200
        assert "X-Cache" not in reply.headers
        assert "ETag" in reply.headers  # conditional requests still work


def test_the_cache_key_and_etag_change_with_the_data(client_factory, endpoint_fixture, tmp_path_factory):
    copy = tmp_path_factory.mktemp("changed") / "rcp.trig"
    shutil.copy(endpoint_fixture, copy)
    with copy.open("a", encoding="utf-8") as fh:
        fh.write(
            "\n<https://w3id.org/rcpkg/graph/data> { <https://w3id.org/rcpkg/id/country/xyz> "
            '<http://www.w3.org/2000/01/rdf-schema#label> "Xyz"@en . }\n'
        )
    original = client_factory(endpoint_fixture)
    changed = client_factory(copy)
    a = original.query(QUERY, "application/sparql-results+json")
    b = changed.query(QUERY, "application/sparql-results+json")
    assert a.headers["ETag"] != b.headers["ETag"]
    assert len(json.loads(b.body)["results"]["bindings"]) == len(json.loads(a.body)["results"]["bindings"]) + 1


def test_large_results_are_gzipped_when_accepted(server):
    plain = server.query(QUERY, "application/sparql-results+json")
    assert "Content-Encoding" not in plain.headers
    zipped = server.get(
        "/sparql", {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"}, query=QUERY
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body)
    # twice: the compressed answer also comes from the cache
    again = server.get("/sparql", {"Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"}, query=QUERY)
    assert gzip.decompress(again.body) == plain.body
    refused = server.get("/sparql", {"Accept-Encoding": "gzip;q=0"}, query=QUERY)
    assert "Content-Encoding" not in refused.headers


def test_small_results_are_not_gzipped(server):
    reply = server.get("/sparql", {"Accept-Encoding": "gzip"}, query=SMALL)
    assert "Content-Encoding" not in reply.headers


def test_cors_headers_and_preflight(client):
    reply = client.query(SMALL)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in reply.headers["Access-Control-Expose-Headers"]
    preflight = client.request(
        "OPTIONS",
        "/sparql",
        {
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    error = client.query("SELECT", "application/sparql-results+json")
    assert error.status == 400
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_service_description_in_turtle_by_default(client):
    for accept in (None, "*/*", "text/turtle"):
        reply = client.get("/sparql", {"Accept": accept} if accept else {})
        assert reply.status == 200
        assert reply.content_type == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=reply.body, format="turtle")
    service = URIRef(client.endpoint)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert len(list(graph.objects(service, SD.resultFormat))) == 8
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert names == {f"https://w3id.org/rcpkg/graph/{g}" for g in ("data", "ontology", "inferred", "metadata")}


@pytest.mark.parametrize(
    "accept,rdflib_format",
    [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("application/n-triples", "nt")],
)
def test_service_description_in_other_rdf_formats(client, accept, rdflib_format):
    reply = client.get("/sparql", {"Accept": accept})
    assert reply.media_type == accept
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    assert (URIRef(client.endpoint), RDF.type, SD.Service) in graph


def test_service_description_in_html_for_browsers_with_a_query_form(client):
    reply = client.get("/sparql", {"Accept": BROWSER})
    assert reply.status == 200
    assert reply.media_type == "text/html"
    assert '<form method="get" action="sparql">' in reply.text
    assert "<script" not in reply.text
    assert "503" in reply.text  # the timeout status is stated


def test_service_description_406_for_unusable_types(client):
    assert client.get("/sparql", {"Accept": "image/png"}).status == 406


def test_cached_answers_have_the_same_headers_and_body_as_fresh_ones(client_factory, endpoint_fixture):
    client = client_factory(endpoint_fixture)
    for accept_encoding in ("gzip", "identity"):
        for text in (SMALL, QUERY + " LIMIT 50"):
            text = f"# headers test {accept_encoding}\n{text}"  # not asked before of this application
            headers = {"Accept": "application/sparql-results+xml", "Accept-Encoding": accept_encoding}
            fresh = client.get("/sparql", headers, query=text)
            cached = client.get("/sparql", headers, query=text)
            assert (fresh.headers["X-Cache"], cached.headers["X-Cache"]) == ("miss", "hit")
            assert cached.body == fresh.body
            skip = {"x-cache", "date", "connection", "keep-alive"}
            assert {(k.lower(), v) for k, v in fresh.headers.items() if k.lower() not in skip} == {
                (k.lower(), v) for k, v in cached.headers.items() if k.lower() not in skip
            }
            if "Content-Encoding" in cached.headers:
                assert gzip.decompress(cached.body)
