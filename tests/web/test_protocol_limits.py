"""Limits of the endpoint: timeout, result rows, nesting, and the server's life cycle; on real servers where a
worker may be stopped, replaced or crash, through Flask's test client where only the answer matters."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

# Four-way cross product of the fixture's 128 triples: hundreds of millions of joins, minutes of work.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
QUICK = "ASK { ?s ?p ?o }"


def test_a_long_query_is_stopped_with_503_while_other_requests_are_answered(server_factory, endpoint_fixture):
    # One worker process: the second request must be answered by the same process meanwhile.
    server = server_factory(endpoint_fixture, workers=1, query_timeout=2, cache="false")
    slow_reply = {}

    def run_slow():
        started = time.monotonic()
        slow_reply["reply"] = server.query(SLOW, "application/sparql-results+json")
        slow_reply["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = server.query(QUICK, "application/sparql-results+json")
    quick_seconds = time.monotonic() - started
    thread.join(timeout=60)

    assert quick.status == 200
    assert json.loads(quick.body)["boolean"] is True
    reply = slow_reply["reply"]
    assert reply.status == 503
    assert reply.content_type == "text/plain; charset=utf-8"
    assert "stopped" in reply.text
    # the quick answer did not wait for the slow one to be stopped
    assert quick_seconds < slow_reply["seconds"]
    # and the server keeps answering afterwards (only the query's evaluator was stopped)
    for _ in range(5):
        assert server.query(QUICK, "application/sparql-results+json").status == 200


def test_the_timeout_is_configurable(server_factory, endpoint_fixture):
    server = server_factory(endpoint_fixture, workers=1, query_timeout=0.5, cache="false")
    reply = server.query(SLOW, "text/csv")
    assert reply.status == 503
    assert "0.5 s" in reply.text  # stopped at the configured timeout, which the message names


@pytest.fixture(scope="module")
def small_limits(client_factory, endpoint_fixture):
    return client_factory(endpoint_fixture, max_rows=5, max_query_bytes=200)


@pytest.mark.parametrize(
    "accept,fmt",
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("text/csv", None),
    ],
)
def test_results_beyond_max_rows_are_cut_and_say_so(small_limits, accept, fmt):
    reply = small_limits.query("SELECT * WHERE { ?s ?p ?o }", accept)
    assert reply.status == 200
    assert reply.headers["X-SPARQL-Truncated"] == "true"
    assert reply.headers["X-SPARQL-Max-Rows"] == "5"
    if fmt is None:
        assert len(reply.text.splitlines()) == 6
    else:
        assert len(list(ox.parse_query_results(reply.body, format=fmt))) == 5


def test_graphs_beyond_max_rows_are_cut_and_say_so(small_limits):
    reply = small_limits.query("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert reply.headers["X-SPARQL-Truncated"] == "true"
    assert len(Graph().parse(data=reply.body, format="turtle")) == 5


def test_results_within_max_rows_carry_no_truncation_header(small_limits):
    reply = small_limits.query("SELECT * WHERE { ?s ?p ?o } LIMIT 5", "application/sparql-results+json")
    assert reply.status == 200
    assert "X-SPARQL-Truncated" not in reply.headers
    assert len(json.loads(reply.body)["results"]["bindings"]) == 5


def test_limits_are_stated_in_the_service_description(small_limits):
    reply = small_limits.get("/sparql", {"Accept": "text/turtle"})
    graph = Graph().parse(data=reply.body, format="turtle")
    values = {str(p).rsplit("#", 1)[-1]: str(o) for _, p, o in graph if "rcpkg/service#" in str(p)}
    assert values["maxResultRows"] == "5"
    assert values["maxQueryBytes"] == "200"
    assert float(values["queryTimeout"]) == 20
    assert values["timeoutStatus"] == "503"
    assert values["maxQueryDepth"] == "128"
    assert small_limits.query("ASK {}" + " " * 300).status == 413
    description = str(graph.value(URIRef(small_limits.endpoint), DCTERMS.description))
    assert "nested at most 128 levels" in description
    html = small_limits.get("/sparql", {"Accept": "text/html"}).text
    assert "128" in html and "nested at most" in html


NESTED = {
    # name: (query of n levels, levels: by POST as many as crash the engine, by GET what a request line holds)
    "braces": (lambda n: "SELECT * WHERE " + "{" * n + "}" * n, 3000, 1200),
    "parentheses": (lambda n: "SELECT * WHERE { BIND(" + "(" * n + "1" + ")" * n + " AS ?x) }", 5000, 1200),
    "blank nodes": (lambda n: "SELECT * WHERE { ?s ?p " + "[ ?p " * n + "1" + " ]" * n + " }", 3000, 400),
}


@pytest.mark.parametrize("name", sorted(NESTED))
@pytest.mark.parametrize("method", ["GET", "POST", "POST-direct"])
def test_a_deeply_nested_query_gets_400_and_the_server_keeps_answering(server_factory, endpoint_fixture, name, method):
    # One worker: a crash of the worker would lose this very connection (no status at all).
    server = server_factory(endpoint_fixture, workers=1, max_query_bytes=65536)
    make, by_post, by_get = NESTED[name]
    reply = server.query(make(by_get if method == "GET" else by_post), "application/sparql-results+json", method=method)
    assert reply.status == 400
    assert reply.content_type == "text/plain; charset=utf-8"
    assert "nest more than 128 levels" in reply.text
    assert len(reply.text.strip().splitlines()) == 1
    assert server.query(QUICK, "application/sparql-results+json").status == 200
    assert server.process.poll() is None


def test_the_nesting_limit_is_configurable(client_factory, endpoint_fixture):
    client = client_factory(endpoint_fixture, max_query_depth=3)
    assert client.query("ASK { { { } } }").status == 200
    reply = client.query("ASK { { { { } } } }")
    assert reply.status == 400 and "nest more than 3 levels" in reply.text
    # the cache's fast path sees the same limit: a query answered once is refused when too deep
    assert client.query("ASK { { { { } } } }").status == 400


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x WHERE { BIND(" + "!" * 32000 + "true AS ?x) }",
        "SELECT * WHERE { " + "MINUS{}" * 4600 + " }",
    ],
    ids=["not", "minus"],
)
def test_a_long_flat_query_within_the_size_limit_is_answered(server_factory, endpoint_fixture, text):
    # These crashed the worker (SIGSEGV) before queries ran on threads with a stack sized for them.
    server = server_factory(endpoint_fixture, workers=1, query_timeout=60)
    reply = server.query(text, "application/sparql-results+json", method="POST-direct")
    assert reply.status == 200, reply.text
    assert json.loads(reply.body)["results"]["bindings"]
    assert server.query(QUICK, "application/sparql-results+json").status == 200


def test_serve_is_ready_quickly_and_stops_cleanly_on_sigterm(launch, endpoint_fixture):
    started = time.monotonic()
    server = launch(endpoint_fixture, workers=2)
    ready = time.monotonic() - started
    print(f"server ready in {ready:.2f} s")
    assert server.query(QUICK).status == 200
    assert server.stop() == 0
    # the port is free again
    import socket

    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", server.port)) != 0


def test_serve_reports_a_missing_dataset_in_one_line(tmp_path):
    env_missing = {"RCPKG_DATASET": str(tmp_path / "missing.trig")}
    import os

    result = subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", "serve", "--port", "0"],
        env={**os.environ, **env_missing},
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"rcpkg build" in result.stderr


def test_a_query_running_at_sigterm_does_not_keep_the_server_alive(launch, endpoint_fixture):
    server = launch(endpoint_fixture, workers=1, query_timeout=60)

    def run_slow():
        try:
            server.query(SLOW)
        except OSError:  # the connection closes when the server stops
            pass

    thread = threading.Thread(target=run_slow, daemon=True)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=30)
    assert time.monotonic() - started < 15


# ------------------------------------------------------------------------------ one query costs only itself


def request_from(server, source: str, text: str, timeout: float = 60):
    """A GET query from the loopback address ``source`` (each 127.x address is another client)."""
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(
            "GET", "/sparql?" + urlencode({"query": text}), headers={"Accept": "application/sparql-results+json"}
        )
        response = conn.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        conn.close()


# A three-way cross product: about two million solutions counted, a second or two of work.
MEDIUM = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


def test_runaway_queries_of_one_client_cost_others_nothing(server_factory, endpoint_fixture):
    """2 x (workers x threads) runaway queries from one client: it gets 429 beyond its share and 503 at the
    timeout; another client meanwhile gets every answer, and its own longer query, in flight while the
    runaways are stopped, is answered too (a stopped query no longer takes its worker's other requests
    with it)."""
    workers, threads = 2, 4
    server = server_factory(
        endpoint_fixture, workers=workers, threads=threads, query_timeout=4, max_client_queries=2, cache="false"
    )
    attacker: list[int] = []
    victim: list[int] = []
    medium: list[int] = []

    def runaway() -> None:
        status, headers, _ = request_from(server, "127.0.0.1", SLOW)
        attacker.append(status)
        if status == 429:
            assert headers.get("Retry-After")

    threads_ = [threading.Thread(target=runaway) for _ in range(2 * workers * threads)]
    for t in threads_:
        t.start()
    time.sleep(0.5)
    long_one = threading.Thread(target=lambda: medium.append(request_from(server, "127.0.0.2", MEDIUM)[0]))
    long_one.start()
    while any(t.is_alive() for t in threads_):
        victim.append(request_from(server, "127.0.0.3", QUICK)[0])
    for t in threads_:
        t.join()
    long_one.join()
    print(f"attacker: {sorted(attacker)}; other client: {len(victim)} answers {set(victim)}; long query {medium}")
    assert set(attacker) <= {429, 503} and 429 in attacker and 503 in attacker
    assert attacker.count(503) <= workers * 2  # at most max_client_queries per worker were evaluated
    assert victim and set(victim) == {200}
    assert medium == [200]


def test_a_query_with_more_solutions_than_the_row_limit_is_cut_without_computing_the_rest(server_factory, kb_dataset):
    """About 190 million solutions, of which max_rows are written: answered, truncated, and the query's
    evaluator stays within a memory budget far below what holding them would take."""
    server = server_factory(kb_dataset, workers=1, max_rows=1000, max_query_memory=256 * 2**20, cache="false")
    reply = server.query("SELECT * { ?a ?b ?c . ?d ?e ?f }", "application/sparql-results+json")
    assert reply.status == 200
    assert reply.headers.get("X-SPARQL-Truncated") == "true"
    assert len(json.loads(reply.body)["results"]["bindings"]) == 1000
