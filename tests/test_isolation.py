"""Queries evaluated in processes of their own (``rcpkg.store.isolation``, ``rcpkg.store.sandbox``): a query
that runs too long or grows too large is stopped alone, no query reaches the network, and the row limit
stops the reading of solutions instead of cutting a finished answer."""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
from pathlib import Path

import pytest

from rcpkg.errors import QueryError, RcpkgError
from rcpkg.store import Limits, QueryTimeout, Store
from rcpkg.store.errors import QueryBusy, QueryCrashed
from rcpkg.store.isolation import Evaluators

FIXTURE = Path(__file__).parent / "fixtures" / "endpoint-small.trig"
JSON = "application/sparql-results+json"
#: About two million solutions over the fixture: seconds of work, and hundreds of MB if held.
CUBE = "SELECT * { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return "State:\tZ" not in fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return False


def evaluator_pids(store: Store) -> list[int]:
    return [e.pid for e in store.evaluators._idle]


def test_a_query_past_its_timeout_is_stopped_alone_and_the_store_answers_on():
    store = Store.load(FIXTURE)
    assert store.execute("ASK { ?s ?p ?o }", JSON, timeout=30).form == "ASK"
    (first,) = evaluator_pids(store)
    with pytest.raises(QueryTimeout, match="0.2 s"):
        store.execute(SLOW, JSON, timeout=0.2)
    assert first not in evaluator_pids(store)
    for _ in range(50):
        if not alive(first):
            break
        threading.Event().wait(0.05)
    assert not alive(first), "the evaluator of the stopped query still runs"
    assert json.loads(store.execute("ASK { ?s ?p ?o }", JSON, timeout=30).body)["boolean"] is True
    assert os.getpid() not in evaluator_pids(store)


def test_evaluators_are_reused_across_queries_and_errors():
    store = Store.load(FIXTURE)
    store.execute("ASK { ?s ?p ?o }", JSON, timeout=30)
    (pid,) = evaluator_pids(store)
    with pytest.raises(QueryError, match="malformed"):
        store.execute("SELECT * {", JSON, timeout=30)
    store.execute("SELECT * { ?s ?p ?o } LIMIT 1", JSON, timeout=30)
    assert evaluator_pids(store) == [pid]


def test_runaway_queries_from_many_threads_are_each_stopped_and_a_quick_one_still_answers():
    store = Store.load(FIXTURE, limits=Limits(evaluators=8))
    errors: list[Exception] = []

    def run() -> None:
        try:
            store.execute(SLOW, JSON, timeout=0.5)
        except QueryTimeout as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    quick = store.execute("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", JSON, timeout=30)
    for t in threads:
        t.join()
    assert len(errors) == 6
    assert json.loads(quick.body)["results"]["bindings"][0]["n"]["value"] == str(store.triple_count)


def test_a_caller_beyond_the_evaluators_waits_then_hears_the_store_is_busy():
    store = Store.load(FIXTURE, limits=Limits(evaluators=1))
    store.evaluators.wait = 0.2
    started = threading.Event()

    def hog() -> None:
        started.set()
        with pytest.raises(QueryTimeout):
            store.execute(SLOW, JSON, timeout=3)

    t = threading.Thread(target=hog)
    t.start()
    started.wait()
    threading.Event().wait(0.3)
    with pytest.raises(QueryBusy, match="busy"):
        store.execute("ASK {}", JSON, timeout=30)
    t.join()
    assert store.execute("ASK {}", JSON, timeout=30).form == "ASK"


def test_a_query_over_its_memory_is_stopped_alone():
    store = Store.load(FIXTURE, limits=Limits(max_query_memory=64 * 2**20))
    grow = (
        "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d)))) AS ?n) "
        "{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    )
    with pytest.raises(QueryCrashed, match="64 MiB"):
        store.execute(grow, JSON, timeout=60)
    assert store.execute("ASK { ?s ?p ?o }", JSON, timeout=30).form == "ASK"


def test_the_row_limit_stops_reading_solutions_so_memory_stays_small():
    """Two million solutions, of which ten are wanted: with 64 MiB for the query this answers only if the
    solutions beyond the limit are never computed nor held."""
    store = Store.load(FIXTURE, limits=Limits(max_query_memory=64 * 2**20))
    for media_type in (JSON, "text/csv", "text/tab-separated-values", "application/sparql-results+xml"):
        answer = store.execute(CUBE, media_type, max_rows=10, timeout=60)
        assert answer.truncated and answer.rows == 10, media_type


def test_an_evaluator_cannot_open_an_internet_socket_but_a_federating_one_can():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def connect(_job) -> str:
        for family, address in ((socket.AF_INET, ("127.0.0.1", port)), (socket.AF_INET6, ("::1", port))):
            try:
                with socket.socket(family, socket.SOCK_STREAM) as s:
                    s.connect(address)
                    return "connected"
            except OSError as exc:
                if exc.errno != errno.EACCES:
                    return f"errno {exc.errno}"
        return "refused"

    confined = Evaluators(connect, size=1, memory=None)
    assert confined.run(None, timeout=30) == "refused"
    federating = Evaluators(connect, size=1, memory=None, network=True)
    assert federating.run(None, timeout=30) == "connected"
    listener.close()


def test_without_seccomp_the_server_refuses_to_start_and_no_query_runs_unconfined(monkeypatch):
    import sys

    from rcpkg.store import sandbox
    from rcpkg.web import server

    assert sandbox.available() is None
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # import fails, as where libseccomp is missing
    assert "seccomp is unavailable" in sandbox.available()
    with pytest.raises(RcpkgError, match="cannot serve: seccomp is unavailable"):
        server.run(port=0)
    store = Store.load(FIXTURE)
    with pytest.raises(sandbox.SandboxUnavailable):
        store.execute("ASK {}", JSON, timeout=30)


def test_an_idle_evaluator_killed_from_outside_is_replaced_without_failing_a_query():
    import signal

    store = Store.load(FIXTURE)
    store.execute("ASK {}", JSON, timeout=30)
    (pid,) = evaluator_pids(store)
    os.kill(pid, signal.SIGKILL)
    for _ in range(500):  # until it is reaped (its files closed), not merely exiting
        if not os.path.exists(f"/proc/{pid}"):
            break
        threading.Event().wait(0.01)
    assert store.execute("ASK { ?s ?p ?o }", JSON, timeout=30).form == "ASK"
    assert pid not in evaluator_pids(store)
