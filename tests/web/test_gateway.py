"""The server's door (``rcpkg.web.gateway``): what the WSGI application is given, and what is refused before
it, with a stand-in for granian's RSGI protocol object."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.test import EnvironBuilder

from rcpkg.web.context import FAST_ANSWER, OUTCOME
from rcpkg.web.gateway import Gateway
from tests.web.conftest import make_app

QUERIES = sorted((Path(__file__).resolve().parents[2] / "queries").glob("*.rq"))


class Headers:
    def __init__(self, items):
        self._items = list(items)

    def items(self):
        return list(self._items)

    def get(self, key, default=None):
        return next((value for name, value in self._items if name == key), default)


class Scope:
    proto = "http"
    http_version = "1.1"
    scheme = "http"
    server = "127.0.0.1:8000"
    authority = None

    def __init__(self, method="GET", path="/", query_string="", headers=(), client="127.0.0.1:5000"):
        self.method, self.path, self.query_string, self.client = method, path, query_string, client
        self.headers = Headers(headers)


class Protocol:
    """Chunks of a body arriving ``pause`` seconds apart; records the answer."""

    def __init__(self, chunks=(), pause=0.0):
        self.chunks, self.pause = list(chunks), pause
        self.status = self.headers = None
        self.body = b""
        self.streamed: list[bytes] = []

    def __aiter__(self):
        async def chunks():
            for chunk in self.chunks:
                await asyncio.sleep(self.pause)
                yield chunk

        return chunks()

    def response_bytes(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def response_stream(self, status, headers):
        self.status, self.headers = status, headers
        protocol = self

        class Transport:
            async def send_bytes(self, data):
                protocol.streamed.append(data)

        return Transport()


class Recorder:
    """A WSGI application that records its environment and answers ``parts``."""

    def __init__(self, parts=(b"ok",)):
        self.parts, self.environ, self.body, self.closed = list(parts), None, None, False

    def __call__(self, environ, start_response):
        self.environ = environ
        self.body = environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain")])
        recorder = self

        class Body:
            def __iter__(self):
                return iter(recorder.parts)

            def close(self):
                recorder.closed = True

        return Body()


def serve(gateway: Gateway, scope: Scope, protocol: Protocol) -> Protocol:
    async def run():
        gateway.__rsgi_init__(asyncio.get_running_loop())
        try:
            await gateway.__rsgi__(scope, protocol)
        finally:
            gateway.__rsgi_del__(None)

    # on a thread of its own: a test before this one may have left an event loop running on this thread
    failure: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run_catching(run, failure))
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return protocol


def _run_catching(run, failure: list) -> None:
    try:
        asyncio.run(run())
    except BaseException as exc:  # re-raised on the test's thread
        failure.append(exc)


def gateway_for(app, **options) -> Gateway:
    settings = {"threads": 2, "max_body": 100, "body_timeout": 5.0}
    settings.update(options)
    return Gateway(app, **settings)


def test_the_application_gets_the_request_as_pep_3333_describes_it():
    app = Recorder()
    scope = Scope(
        "POST",
        "/a b/€",
        "query=%20x&y=é",
        [
            ("content-type", "application/sparql-query"),
            ("content-length", "3"),
            ("accept", "a"),
            ("accept", "b"),
            ("cookie", "c=1"),
            ("cookie", "d=2"),
        ],
        client="10.0.0.7:4321",
    )
    protocol = serve(gateway_for(app), scope, Protocol([b"A", b"SK"]))
    environ = app.environ
    assert environ["PATH_INFO"] == "/a b/€".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "query=%20x&y=é".encode().decode("latin-1")
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["CONTENT_TYPE"] == "application/sparql-query"
    assert environ["CONTENT_LENGTH"] == "3"
    assert environ["HTTP_ACCEPT"] == "a, b"
    assert environ["HTTP_COOKIE"] == "c=1; d=2"
    assert (environ["REMOTE_ADDR"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("10.0.0.7", "127.0.0.1", "8000")
    assert environ["wsgi.url_scheme"] == "http"
    assert app.body == b"ASK"
    assert protocol.status == 201
    assert app.closed


def test_a_streamed_answer_is_sent_piece_by_piece_in_order_and_closed():
    app = Recorder([b"one", b"two", b"three"])
    protocol = serve(gateway_for(app), Scope(), Protocol())
    assert protocol.streamed == [b"one", b"two", b"three"]
    assert app.closed


@pytest.mark.parametrize(
    "trusted, proto, scheme", [(True, "https", "https"), (False, "https", "http"), (True, "ftp", "http")]
)
def test_only_a_trusted_proxy_says_the_scheme(trusted, proto, scheme):
    app = Recorder()
    proxies = frozenset({"127.0.0.1"} if trusted else set())
    serve(gateway_for(app, trusted_proxies=proxies), Scope(headers=[("x-forwarded-proto", proto)]), Protocol())
    assert app.environ["wsgi.url_scheme"] == scheme


@pytest.mark.parametrize(
    "headers, chunks",
    [
        ([("content-length", "101")], [b"x" * 101]),  # declared too long: refused before reading
        ([("transfer-encoding", "chunked")], [b"x" * 60, b"x" * 60]),  # found too long while reading
    ],
)
def test_a_body_over_the_limit_is_413_and_never_reaches_the_application(headers, chunks):
    app = Recorder()
    protocol = serve(gateway_for(app), Scope("POST", "/sparql", headers=headers), Protocol(chunks))
    assert protocol.status == 413
    assert app.environ is None


def test_a_body_that_does_not_arrive_in_time_is_408_and_never_reaches_the_application():
    app = Recorder()
    protocol = serve(
        gateway_for(app, body_timeout=0.3),
        Scope("POST", "/sparql", headers=[("content-length", "50")]),
        Protocol([b"a"] * 50, pause=0.05),
    )
    assert protocol.status == 408
    assert app.environ is None


def test_a_malformed_content_length_is_400():
    app = Recorder()
    protocol = serve(gateway_for(app), Scope("POST", "/sparql", headers=[("content-length", "ten")]), Protocol())
    assert protocol.status == 400
    assert app.environ is None


def on_a_loop(coroutine):
    """Run ``coroutine`` on an event loop of its own thread (a test before may have left one on this one)."""
    result: list = []
    thread = threading.Thread(target=lambda: _run_catching(lambda: _keep(coroutine, result), result))
    thread.start()
    thread.join()
    if result and isinstance(result[-1], BaseException):
        raise result[-1]
    return result[0]


async def _keep(coroutine, result: list) -> None:
    result.append(await coroutine)


ACCEPTS = ["application/sparql-results+json", "text/csv", "application/sparql-results+xml", "text/tab-separated-values"]


@pytest.fixture(scope="module")
def twins(kb_dataset):
    """Two applications alike, with the result cache: one answered through Flask, one on the event loop."""
    return make_app(kb_dataset), make_app(kb_dataset)


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_a_query_answered_on_the_event_loop_is_the_answer_of_the_wsgi_path(twins, query):
    """Status, headers (in order) and body: the same whether the view answers or the event loop does, for a
    miss (evaluated by an idle evaluator without a thread) and then a hit, in every format, with and without
    gzip."""
    through_flask, on_loop = twins
    fast = on_loop.extensions[FAST_ANSWER]
    on_loop.extensions["rcpkg.store"].execute("ASK {}", "application/sparql-results+json")  # an idle evaluator
    text = query.read_text("utf-8")
    for accept in ACCEPTS:
        for encoding in ("identity", "gzip"):
            path = "/sparql?query=" + quote(text)
            headers = {"Accept": accept, "Accept-Encoding": encoding}
            for state in ("miss", "hit"):
                expected = through_flask.test_client().get(path, headers=headers)
                environ = EnvironBuilder(path=path, headers=headers).get_environ()
                early = on_a_loop(fast(environ))
                assert early is not None, (accept, encoding, state)
                status, got, body = early
                assert expected.headers.get("X-Cache") == state
                assert (status, got, body) == (expected.status, list(expected.headers.items()), expected.data)


def test_a_refusal_found_on_the_event_loop_is_rendered_by_the_view(kb_dataset):
    """A query the engine refuses while evaluating it: the event loop hands the refusal to the view, which
    renders it as it renders its own (400, the engine's message, CORS headers)."""
    app = make_app(kb_dataset, cache="false")
    app.extensions["rcpkg.store"].execute("ASK {}", "application/sparql-results+json")
    path = "/sparql?query=" + quote("SELECT (<http://example.org/f>(1) AS ?x) {}")
    environ = EnvironBuilder(path=path, headers={"Accept": "application/sparql-results+json"}).get_environ()
    assert on_a_loop(app.extensions[FAST_ANSWER](environ)) is None
    assert environ[OUTCOME][0] == 400
    rendered = app.test_client().get(
        path, headers={"Accept": "application/sparql-results+json"}, environ_base={OUTCOME: environ[OUTCOME]}
    )  # the view, given the outcome
    direct = app.test_client().get(path, headers={"Accept": "application/sparql-results+json"})
    assert (rendered.status, rendered.data, list(rendered.headers.items())) == (
        direct.status,
        direct.data,
        list(direct.headers.items()),
    )


def test_a_plain_query_is_answered_without_the_wsgi_application():
    async def fast(environ):
        return ("200 OK", [("Content-Type", "text/plain")], b"cached") if environ["PATH_INFO"] == "/hit" else None

    app = Recorder()
    protocol = serve(gateway_for(app, fast=fast), Scope(path="/hit"), Protocol())
    assert (protocol.status, protocol.body, app.environ) == (200, b"cached", None)
    serve(gateway_for(app, fast=fast), Scope(path="/miss"), Protocol())
    assert app.environ["PATH_INFO"] == "/miss"
