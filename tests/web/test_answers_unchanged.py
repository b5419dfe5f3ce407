"""The server's answers, byte for byte, against answers recorded before the web layer and the store were
rebuilt: every competency question (``queries/*.rq``) in every result format, by ``format=`` and by
``Accept``, GET and POST; graph queries in every graph format; the service description, VoID, the dumps
listing, documents, pages and error answers.

``tests/web/answers.json`` holds, per request, the status, the headers that describe the body and the
SHA-256 of the body (for documents rdflib writes in JSON-LD, N-Triples or RDF/XML, whose order of
triples changes from one process to the next, of the canonical N-Triples of their graph). ETag and
Last-Modified are left out: they name the loaded bytes, which change when the ontology graph gains a file;
so are the bodies of VoID, the dumps listing and the service description, which state the build's date,
checksums and the sizes of the graphs.
Record anew (only when an answer is meant to change) with
``RCPKG_RECORD_ANSWERS=1 pytest tests/web/test_answers_unchanged.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.compare import to_canonical_graph

from rcpkg import paths
from rcpkg.config import Config
from rcpkg.store import Store
from rcpkg.web.app import create_app

ANSWERS = Path(__file__).parent / "answers.json"
HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Vary",
    "Cache-Control",
    "Link",
    "Location",
    "X-SPARQL-Truncated",
    "X-SPARQL-Max-Rows",
    "Access-Control-Allow-Origin",
)
BUILD_DEPENDENT = ("/.well-known/void", "/dumps/")
UNORDERED = {"application/ld+json": "json-ld", "application/n-triples": "nt", "application/rdf+xml": "xml"}
SELECT_FORMATS = ("json", "xml", "csv", "tsv", "html", "srj", "srx")
SELECT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/html",
    "application/json",
    "text/xml",
    "*/*",
    "text/*",
    "application/*",
    "text/turtle",
    "text/csv;q=0, */*",
)
GRAPH_QUERIES = {
    "construct": "PREFIX rcp: <https://w3id.org/rcpkg/ontology#>\n"
    "CONSTRUCT { ?p ?q ?o } WHERE { ?p a rcp:RegionalConsultativeProcess ; ?q ?o } ",
    "describe": "DESCRIBE <https://w3id.org/rcpkg/id/process/budapest-process>",
    "ask": "ASK { ?s a <https://w3id.org/rcpkg/ontology#RegionalConsultativeProcess> }",
}
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "html", "json", "xml", "ttl", "nt", "csv")
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/xml",
    "text/plain",
    "*/*",
    "text/html",
    "text/csv",
)
PATHS = (
    "/sparql",
    "/.well-known/void",
    "/dumps/",
    "/id/process/budapest-process",
    "/doc/id/process/budapest-process.html",
    "/doc/id/process/budapest-process.ttl",
    "/doc/id/process/budapest-process.jsonld",
    "/doc/id/process/budapest-process.nt",
    "/doc/id/process/budapest-process.rdf",
    "/doc/id/country/hun.html",
    "/doc/id/role/observer.html",
    "/doc/id/theme/trafficking.html",
    "/doc/graph/data.html",
    "/doc/id/nothing-here.html",
    "/id/nothing-here",
    "/search?q=bali",
    "/search?q=bali&format=json",
    "/charts/matrix.svg",
    "/charts/overlap.svg",
    "/charts/timeline.svg",
    "/dumps/nothing",
    "/sparql?query=SELEC",
    "/sparql?query=ASK%20%7B%7D&format=nope",
)
PATH_TYPES = (
    None,
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/json",
    "image/png",
)


def requests() -> list[tuple[str, str, str, dict[str, str], str | None]]:
    """(name, method, path, headers, form body) of every request compared."""
    out = []
    for path in sorted(paths.queries_dir().glob("*.rq")):
        text = path.read_text("utf-8")
        for fmt in SELECT_FORMATS:
            query = "/sparql?" + urlencode({"query": text, "format": fmt})
            out.append((f"{path.stem} format={fmt}", "GET", query, {}, None))
        for accept in SELECT_TYPES:
            query = "/sparql?" + urlencode({"query": text})
            out.append((f"{path.stem} Accept: {accept}", "GET", query, {"Accept": accept}, None))
            out.append((f"{path.stem} POST Accept: {accept}", "POST", "/sparql", {"Accept": accept}, text))
    for name, text in GRAPH_QUERIES.items():
        for fmt in GRAPH_FORMATS:
            query = "/sparql?" + urlencode({"query": text, "format": fmt})
            out.append((f"{name} format={fmt}", "GET", query, {}, None))
        for accept in GRAPH_TYPES:
            query = "/sparql?" + urlencode({"query": text})
            out.append((f"{name} Accept: {accept}", "GET", query, {"Accept": accept}, None))
    for path in PATHS:
        for accept in PATH_TYPES:
            headers = {"Accept": accept} if accept else {}
            out.append((f"{path} Accept: {accept}", "GET", path, headers, None))
    for fmt in ("turtle", "ttl", "nt", "ntriples", "jsonld", "rdfxml", "html", "csv"):
        out.append((f"/sparql format={fmt}", "GET", f"/sparql?format={fmt}", {}, None))
        out.append((f"/.well-known/void format={fmt}", "GET", f"/.well-known/void?format={fmt}", {}, None))
    return out


def answer(client, method: str, path: str, headers: dict[str, str], form: str | None) -> dict:
    if method == "POST":
        reply = client.post(path, data={"query": form}, headers=headers)
    else:
        reply = client.get(path, headers=headers)
    body = reply.get_data()
    rdflib_format = UNORDERED.get(reply.mimetype)
    if rdflib_format and "query=" not in path and method == "GET":
        canonical = to_canonical_graph(Graph().parse(data=body, format=rdflib_format))
        body = "".join(sorted(canonical.serialize(format="nt").splitlines(keepends=True))).encode("utf-8")
    description = method == "GET" and (path == "/sparql" or path.startswith("/sparql?format="))
    if path.startswith(BUILD_DEPENDENT) or description:
        body = b""  # the build's date, the dumps' checksums and the graphs' sizes change with the data
    return {
        "status": reply.status_code,
        "headers": {h: reply.headers[h] for h in HEADERS if h in reply.headers},
        "sha256": hashlib.sha256(body).hexdigest(),
    }


@pytest.fixture(scope="module")
def client(kb_dataset):
    config = Config(dataset=kb_dataset)
    return create_app(config, Store.load(kb_dataset)).test_client()


def test_every_answer_is_as_recorded(client):
    got = {name: answer(client, method, path, headers, form) for name, method, path, headers, form in requests()}
    if os.environ.get("RCPKG_RECORD_ANSWERS"):
        ANSWERS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", "utf-8")
        pytest.skip(f"answers recorded into {ANSWERS}; run again without RCPKG_RECORD_ANSWERS to compare")
    expected = json.loads(ANSWERS.read_text("utf-8"))
    assert sorted(got) == sorted(expected)
    differ = [name for name in expected if got[name] != expected[name]]
    assert not differ, f"{len(differ)} answers differ, e.g. {differ[:5]}: {[got[n] for n in differ[:2]]}"
