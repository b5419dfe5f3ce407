"""The application under test, reached two ways with one interface.

In this process, through Flask's test client (request/response behaviour: statuses, headers, bodies,
negotiation, caching, pages): ``client_factory(dataset=None, **settings)`` returns an ``AppClient`` over
``create_app(config, Store.load(dataset))`` with ``settings`` read as ``RCPKG_*`` variables
(``max_rows=5`` -> ``RCPKG_MAX_ROWS=5``), default dataset the built knowledge base (``kb_dataset`` of
tests/conftest.py). Applications made with the same arguments are shared for the session (their caches
too, as a server's would be). Fixtures: ``client`` (the endpoint's fixture dataset,
tests/fixtures/endpoint-small.trig, with a 2 s query timeout), ``kb_client`` (the built knowledge base).

As real servers on 127.0.0.1 (what needs a process or a socket: timeouts, limits that crash or replace a
worker, signals, concurrency, gzip over the wire, real clients such as SPARQLWrapper and curl):
``server_factory(dataset=None, workers=2, **settings)`` starts the production server (``rcpkg serve``, run as
``python -m rcpkg.cli serve``: granian, the application loaded before the workers fork) on a free port, waits
until it answers, and returns a ``RunningServer``; servers started with the same arguments are shared for the
session, and all are stopped (SIGTERM) at its end. Fixtures: ``server`` (the endpoint's fixture dataset, 2 s
query timeout), ``kb_server`` (the built knowledge base), ``launch`` (``start_server`` itself, for tests that
own their server's life cycle).

Both have ``request(method, path, headers=None, body=None) -> Reply``, ``.get(path, headers, **params)``
and ``.query(text, accept, method, **params)``, ``url`` and ``endpoint``. Neither follows redirects nor
decompresses; like http.client, a request that names no ``Accept-Encoding`` says ``identity``.
``dated_fixture`` is the endpoint's fixture with a stated ``dcterms:modified`` (``with_modified``).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from rcpkg.config import load_config
from rcpkg.store import Store
from rcpkg.web.app import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENDPOINT_FIXTURE = FIXTURES / "endpoint-small.trig"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip()


class Client:
    """The requests of the tests, over ``request``, which each way of reaching the application defines."""

    url: str  # root URL, ending in /

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def request(
        self,
        method: str,
        path: str,
        headers: dict | None = None,
        body: bytes | str | None = None,
        timeout: float = 30,
    ) -> Reply:
        raise NotImplementedError

    def get(self, path: str, headers: dict | None = None, **params: str) -> Reply:
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params)
        return self.request("GET", path, headers)

    def query(self, text: str, accept: str = "*/*", method: str = "GET", **params: str) -> Reply:
        """Send a SPARQL query by GET (``?query=``), "POST" (form) or "POST-direct" (sparql-query)."""
        if method == "GET":
            return self.get("/sparql", {"Accept": accept}, query=text, **params)
        if method == "POST":
            return self.request(
                "POST",
                "/sparql",
                {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                urlencode({"query": text, **params}),
            )
        suffix = ("?" + urlencode(params)) if params else ""
        return self.request(
            "POST", "/sparql" + suffix, {"Accept": accept, "Content-Type": "application/sparql-query"}, text
        )


@dataclass
class AppClient(Client):
    """The application in this process, through Flask's test client (a new one per request, so threads may
    share an ``AppClient``)."""

    app: Flask
    dataset: Path
    settings: dict = field(default_factory=dict)
    url: str = "http://localhost/"

    def request(
        self,
        method: str,
        path: str,
        headers: dict | None = None,
        body: bytes | str | None = None,
        timeout: float = 30,
    ) -> Reply:
        headers = dict(headers or {})
        if not any(k.lower() == "accept-encoding" for k in headers):
            headers["Accept-Encoding"] = "identity"  # as http.client sends
        if isinstance(body, str):
            body = body.encode("utf-8")
        response = self.app.test_client().open(path, base_url=self.url, method=method, headers=headers, data=body)
        try:
            message = http.client.HTTPMessage()
            for key, value in response.headers.items():
                message[key] = value
            return Reply(response.status_code, message, response.get_data())
        finally:
            response.close()


def make_app(dataset: Path, **settings: object) -> Flask:
    """``create_app`` over ``dataset`` with ``settings``, configured as ``rcpkg serve`` would be from the
    environment (``RCPKG_*`` variables; no configuration file)."""
    environ = {k: v for k, v in os.environ.items() if k != "RCPKG_CONFIG"}
    environ["RCPKG_DATASET"] = str(dataset)
    for key, value in settings.items():
        environ["RCPKG_" + key.upper()] = str(value)
    config = load_config(environ=environ)
    return create_app(config, Store.load(config.dataset))


@dataclass
class RunningServer(Client):
    host: str
    port: int
    dataset: Path
    process: subprocess.Popen
    settings: dict = field(default_factory=dict)
    terminated: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        """Root URL, ending in /."""
        return f"http://{self.host}:{self.port}/"

    def request(
        self,
        method: str,
        path: str,
        headers: dict | None = None,
        body: bytes | str | None = None,
        timeout: float = 30,
    ) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        """Ask the server to stop (SIGTERM, once); ``stop`` waits until it has."""
        if self.process.poll() is None and not self.terminated:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def stop(self) -> int:
        self.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(dataset: Path, workers: int = 2, **settings: object) -> RunningServer:
    """Start ``rcpkg serve`` over ``dataset``; wait until /sparql answers."""
    port = free_port()
    env = dict(os.environ)
    env["RCPKG_DATASET"] = str(dataset)
    env.pop("RCPKG_CONFIG", None)
    for key, value in settings.items():
        env["RCPKG_" + key.upper()] = str(value)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rcpkg.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = RunningServer("127.0.0.1", port, Path(dataset), process, dict(settings))
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            raise RuntimeError(f"server exited with {process.returncode}: {err[-2000:]}")
        try:
            if server.request("GET", "/sparql", {"Accept": "text/turtle"}, timeout=2).status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("server did not answer within 30 s")
        time.sleep(0.05)
    # Drain stderr in the background so a chatty server never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: process.stderr and process.stderr.read(), daemon=True).start()
    return server


def _shared(make, request):
    """A factory ``(dataset=None, **options)`` that makes one thing per distinct arguments with ``make`` and
    shares it for the session (default dataset: the built knowledge base); also the dict of those made."""
    made: dict[tuple, object] = {}

    def factory(dataset: Path | None = None, **options: object):
        dataset = Path(dataset) if dataset is not None else request.getfixturevalue("kb_dataset")
        key = (str(dataset), tuple(sorted((k, str(v)) for k, v in options.items())))
        if key not in made or not getattr(made[key], "alive", True):
            made[key] = make(dataset, **options)
        return made[key]

    return factory, made


@pytest.fixture(scope="session")
def server_factory(request):
    shared, started = _shared(start_server, request)

    def factory(dataset: Path | None = None, workers: int = 2, **settings: object) -> RunningServer:
        return shared(dataset, workers=workers, **settings)

    yield factory
    for running in started.values():  # all at once: each takes up to its graceful timeout
        running.terminate()
    for running in started.values():
        running.stop()


@pytest.fixture(scope="session")
def client_factory(request):
    factory, _ = _shared(
        lambda dataset, **settings: AppClient(make_app(dataset, **settings), dataset, settings), request
    )
    return factory


@pytest.fixture(scope="session")
def client(client_factory) -> AppClient:
    """The application over the endpoint's fixture dataset, with a 2 s query timeout and its default limits."""
    return client_factory(ENDPOINT_FIXTURE, query_timeout=2)


@pytest.fixture(scope="session")
def kb_client(client_factory, kb_dataset) -> AppClient:
    """The application over the built knowledge base."""
    return client_factory(kb_dataset)


@pytest.fixture(scope="session")
def server(server_factory) -> RunningServer:
    """The endpoint over its fixture dataset, with a 2 s query timeout and its default limits."""
    return server_factory(ENDPOINT_FIXTURE, query_timeout=2)


@pytest.fixture(scope="session")
def kb_server(server_factory, kb_dataset) -> RunningServer:
    """The endpoint over the built knowledge base (``rcpkg build`` writes data/dumps/rcp.trig)."""
    return server_factory(kb_dataset)


MODIFIED = "2024-05-06T07:08:09Z"


def with_modified(source: Path, target: Path, modified: str = MODIFIED) -> Path:
    """A copy of the TriG file ``source`` at ``target`` whose dataset description states
    ``dcterms:modified`` ``modified`` (as ``rcpkg build`` records it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        source.read_text(encoding="utf-8")
        + "\n<https://w3id.org/rcpkg/graph/metadata> {\n  <https://w3id.org/rcpkg/dataset> "
        + f'<http://purl.org/dc/terms/modified> "{modified}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n}}\n',
        encoding="utf-8",
    )
    return target


@pytest.fixture(scope="session")
def dated_fixture(tmp_path_factory) -> Path:
    """The endpoint's fixture dataset, stating that it was modified at ``MODIFIED``."""
    return with_modified(ENDPOINT_FIXTURE, tmp_path_factory.mktemp("dated") / "rcp.trig")


@pytest.fixture(scope="session")
def endpoint_fixture() -> Path:
    """The endpoint's small dataset of the knowledge base's shape."""
    return ENDPOINT_FIXTURE


@pytest.fixture(scope="session")
def launch():
    """``start_server`` itself, for tests that own their server's life cycle (stop it yourself)."""
    return start_server


#: A request path for every rule of the application's url_map (``test_every_route_has_an_example`` keeps it
#: complete), for tests that go over every route: the built knowledge base answers each with 200 (or 303 to
#: its document).
ROUTE_EXAMPLES = {
    "/static/<path:filename>": ["/static/style.css"],
    "/sparql": ["/sparql", "/sparql?query=ASK%7B%7D", "/sparql?query=SELECT%20*%20%7B%7D&format=html"],
    "/dumps/": ["/dumps/"],
    "/dumps/<name>": ["/dumps/rcp.ttl", "/dumps/SHA256SUMS"],
    "/dataset": ["/dataset"],
    "/.well-known/void": ["/.well-known/void"],
    "/charts/<name>.svg": ["/charts/timeline.svg"],
    "/": ["/"],
    "/search": ["/search?q=bali"],
    "/doc/<path:rest>": ["/doc/id/process/budapest-process.ttl"],
    "/<path:rest>": ["/id/process/budapest-process", "/ontology"],
}


def route_examples(app: Flask) -> list[tuple[str, str]]:
    """(rule, path) for every rule of ``app``'s url_map; KeyError names a rule without an example."""
    return [(rule.rule, path) for rule in app.url_map.iter_rules() for path in ROUTE_EXAMPLES[rule.rule]]
