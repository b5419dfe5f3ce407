"""Real servers on 127.0.0.1 for the web tests.

``server_factory(dataset=None, **settings)`` starts the production server (``rcpkg serve``, run as
``python -m rcpkg.cli serve``: gunicorn, preloaded app) on a free port over ``dataset`` (default: the built
knowledge base, ``kb_dataset`` of tests/conftest.py) with ``settings`` given as ``RCPKG_*`` variables
(``query_timeout=2`` -> ``RCPKG_QUERY_TIMEOUT=2``), waits until it answers, and returns a ``RunningServer``.
Servers started with the same arguments are shared for the session, and all are stopped (SIGTERM) at its
end.

Fixtures: ``server`` (the endpoint's fixture dataset, tests/fixtures/endpoint-small.trig),
``kb_server`` (the built knowledge base: this checkout's, or one built for the session into a temporary
folder when ``rcpkg build`` has not been run here), ``dated_fixture`` (the endpoint's fixture with a stated
``dcterms:modified``, ``with_modified``).

``RunningServer.request(method, path, headers=None, body=None) -> Reply`` sends one request with
http.client (no redirects followed, no decompression) and ``.get(path, **headers)`` is the short form.
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


@dataclass
class RunningServer:
    host: str
    port: int
    dataset: Path
    process: subprocess.Popen
    settings: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Root URL, ending in /."""
        return f"http://{self.host}:{self.port}/"

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
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

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

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
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


@pytest.fixture(scope="session")
def server_factory(kb_dataset):
    started: dict[tuple, RunningServer] = {}

    def factory(dataset: Path | None = None, workers: int = 2, **settings: object) -> RunningServer:
        dataset = Path(dataset) if dataset is not None else kb_dataset
        key = (str(dataset), workers, tuple(sorted((k, str(v)) for k, v in settings.items())))
        if key not in started or started[key].process.poll() is not None:
            started[key] = start_server(dataset, workers, **settings)
        return started[key]

    yield factory
    for running in started.values():
        running.stop()


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
