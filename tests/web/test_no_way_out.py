"""No query makes the server connect anywhere: a corpus of adversarial spellings of SERVICE (and FROM,
LOAD), sent by every route to a real server, while a listener on a local port counts connections. The
query evaluators cannot open an internet socket (``rcpkg.store.sandbox``), so the corpus holds even where
the store's own reading of a query is fooled, and even with the listener's address allow-listed."""

from __future__ import annotations

import socket

import pytest

from rcpkg.errors import QueryError
from rcpkg.store import Store

JSON = "application/sparql-results+json"


#: An endpoint an operator allow-listed: the corpus hides calls to the listener behind it.
DECOY = "http://127.0.0.1:1/allowed"


def corpus(url: str) -> list[str]:
    """Spellings of a query that asks the engine to call ``url`` (http://127.0.0.1:PORT/sparql)."""
    root, _, last = url.rpartition("/")
    host = root.removeprefix("http://")
    escaped_iri = url.replace(":", "\\u003A", 1)
    return [
        # the reproducer: '<1)SERVICE#>' reads as one IRI to a naive tokenizer; the engine reads an operator
        f"SELECT * {{ FILTER(0<1)SERVICE#>\n<{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ FILTER(?a<?b)SERVICE<{url}>{{ ?s ?p ?o }} }}",
        f"SELECT * {{ FILTER(1<2 && 3>2) SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * {{ service <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE #comment\n <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE\t\x0c<{url}>{{}} }}",
        f"SELECT * {{ SERVICE <{url}#> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE <{url}?q=1#frag> {{ ?s ?p ?o }} }}",
        f'SELECT * {{ BIND("SERVICE <x>" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}',
        f"SELECT * {{ BIND('''# SERVICE''' AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ \\U00000053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE <{escaped_iri}> {{ ?s ?p ?o }} }}",
        f"PREFIX e: <{root}/> SELECT * {{ SERVICE e:{last} {{ ?s ?p ?o }} }}",
        f"PREFIX : <{root}/> SELECT * {{ SERVICE :{last} {{ ?s ?p ?o }} }}",
        f"BASE <{root}/> SELECT * {{ SERVICE <{last}> {{ ?s ?p ?o }} }}",
        f"BASE <http://{host}/> SELECT * {{ SERVICE <./{last}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * {{ {{ SELECT * {{ {{ SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1",
        f"SELECT * {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ ?a ?b ?c MINUS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}> {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}>",
        f"LOAD SILENT <{url}> INTO GRAPH <http://example.org/g>",
        f"SELECT * {{ SERVICE <{url}> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        # behind an allow-listed endpoint: the naive reading sees only the decoy
        f"SELECT * {{ SERVICE <{DECOY}> {{ }} FILTER(0<1)SERVICE#>\n<{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ FILTER(0<1)SERVICE#>\n<{url}> {{ ?s ?p ?o }} SERVICE <{DECOY}> {{ }} }}",
        f"SELECT * {{ SERVICE <{DECOY}> {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ SERVICE <{DECOY}> {{ }} BIND('SERVICE' AS ?x) SERVICE <{url}> {{ }} }}",
    ]


@pytest.fixture
def listener():
    """A TCP listener on a free local port, and a function saying how many connections it got."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    accepted = []

    def connections() -> int:
        while True:
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                return len(accepted)
            accepted.append(conn)
            conn.close()

    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", connections
    sock.close()


def test_the_corpus_is_a_real_threat(listener):
    """Control: a process that is not confined does connect for the corpus's first spelling (so a green
    result below means the confinement held, not that the corpus asks nothing)."""
    import threading
    import time

    import pyoxigraph as ox

    url, connections = listener

    def unconfined() -> None:
        try:
            list(ox.Store().query(corpus(url)[0]))
        except (OSError, RuntimeError, SyntaxError, ValueError):
            pass

    threading.Thread(target=unconfined, daemon=True).start()  # it waits for an answer that never comes
    for _ in range(200):
        if connections():
            break
        time.sleep(0.05)
    assert connections() >= 1


@pytest.mark.parametrize("allow", [False, True], ids=["default", "decoy-allow-listed"])
def test_no_spelling_of_service_reaches_the_listener_through_the_endpoint(
    server_factory, endpoint_fixture, listener, allow
):
    url, connections = listener
    settings = {"service_allowlist": DECOY} if allow else {}
    server = server_factory(endpoint_fixture, workers=1, cache="false", **settings)
    statuses = {}
    for text in corpus(url):
        for method in ("GET", "POST", "POST-direct"):
            reply = server.query(text, "*/*", method=method)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
            assert reply.status < 500, (text, method, reply.status, reply.text)
    print(f"{sum(statuses.values())} requests: {statuses}")
    assert connections() == 0


def test_no_spelling_of_service_reaches_the_listener_through_the_store(endpoint_fixture, listener):
    """The same for ``rcpkg query`` and notebooks: the store evaluates out of process too, here with the
    decoy allow-listed."""
    url, connections = listener
    store = Store.load(endpoint_fixture)
    for text in corpus(url):
        try:
            graph = text.startswith(("CONSTRUCT", "DESCRIBE"))
            store.execute(text, "text/turtle" if graph else JSON, timeout=30, allowed_services=[DECOY])
        except QueryError:
            pass
    assert connections() == 0


def test_an_allow_listed_service_is_called_and_its_answer_joined(server_factory, endpoint_fixture):
    """Federation still works where the operator allows it: a SPARQL endpoint on a local port, allow-listed,
    is called and its solutions come back."""
    import http.server
    import json
    import threading

    class Remote(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the handler's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps(
                {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "far"}}]}}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args):
            pass

    remote = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Remote)
    threading.Thread(target=remote.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{remote.server_address[1]}/sparql"
    try:
        server = server_factory(endpoint_fixture, workers=1, cache="false", service_allowlist=url)
        reply = server.query(f"SELECT ?x {{ SERVICE <{url}> {{ ?x ?p ?o }} }}", JSON)
        assert reply.status == 200, reply.text
        assert [b["x"]["value"] for b in json.loads(reply.body)["results"]["bindings"]] == ["far"]
        hidden = f"SELECT * {{ SERVICE <{url}> {{ }} FILTER(0<1)SERVICE#>\n<{url}/other> {{ }} }}"
        assert server.query(hidden, JSON).status == 403
    finally:
        remote.shutdown()
