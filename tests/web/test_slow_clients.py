"""Slow and silent clients cost the server nothing that others need (a real server, real sockets).

Hundreds of connections that open and send nothing, that trickle their header lines, or that send their
headers and then trickle a POST body, stay open while another client's questions are answered as usual: each
of its requests gets its 200 with the right answer, none waits for a slow one to finish. The server's own
bounds end the slow ones later (headers: 30 s; bodies: 408 after 30 s), which this test does not wait for.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.web.conftest import ENDPOINT_FIXTURE

SLOW = 300  # connections, a third of each kind
QUESTION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PATH = "/sparql?" + urlencode({"query": QUESTION})


class Trickler:
    """``count`` connections to ``port``: idle ones, ones sending a header line, ones sending a byte of body
    every ``every`` seconds."""

    KINDS = ("idle", "headers", "body")

    def __init__(self, port: int, count: int, every: float = 1.0) -> None:
        self.port, self.every = port, every
        self.connections: list[tuple[str, socket.socket]] = []
        for number in range(count):
            kind = self.KINDS[number % 3]
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            if kind == "headers":
                connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            elif kind == "body":
                connection.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                    b"Content-Length: 100000\r\n\r\nASK"
                )
            self.connections.append((kind, connection))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(self.every):
            for kind, connection in self.connections:
                try:
                    if kind == "headers":
                        connection.sendall(b"X-Slow: 1\r\n")
                    elif kind == "body":
                        connection.sendall(b" ")
                except OSError:
                    pass

    def still_open(self) -> int:
        """How many of the connections the server has not closed (nothing to read, or not end-of-file)."""
        open_ = 0
        for _, connection in self.connections:
            connection.setblocking(False)
            try:
                open_ += connection.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                open_ += 1
            except OSError:
                pass
        return open_

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for _, connection in self.connections:
            connection.close()


@pytest.fixture
def slow_server(launch):
    server = launch(ENDPOINT_FIXTURE, workers=2, threads=2, cache="false", max_client_queries=0)
    yield server
    server.stop()


def test_other_clients_are_answered_while_hundreds_of_connections_trickle(slow_server):
    expected = json.loads(slow_server.query(QUESTION, accept="application/sparql-results+json").body)["results"][
        "bindings"
    ]
    slow = Trickler(slow_server.port, SLOW)
    try:
        time.sleep(2.5)  # every slow connection has sent more than once
        answers = []
        for _ in range(60):
            reply = slow_server.request("GET", PATH, {"Accept": "application/sparql-results+json"}, timeout=10)
            answers.append(
                (reply.status, json.loads(reply.body)["results"]["bindings"] if reply.status == 200 else None)
            )
        assert [status for status, _ in answers] == [200] * 60
        assert all(bindings == expected for _, bindings in answers)
        # the slow connections were held, not dropped to make room
        assert slow.still_open() == SLOW
    finally:
        slow.close()
