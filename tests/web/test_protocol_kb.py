"""The endpoint over the built knowledge base: every competency question answers over HTTP, in every
results format, with the answer the store gives in process."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pyoxigraph as ox
import pytest

from rcpkg import paths
from rcpkg.store import Store

QUERIES = sorted(paths.queries_dir().glob("*.rq"))


@pytest.fixture(scope="module")
def kb_store(kb_dataset) -> Store:
    return Store.load(kb_dataset)


def _key(term: dict | None) -> tuple:
    if term is None:
        return ()
    return (term["type"], term["value"], term.get("xml:lang", ""), term.get("datatype", ""))


def _json_rows(body: bytes) -> Counter:
    data = json.loads(body)
    names = data["head"]["vars"]
    return Counter(tuple(_key(b.get(n)) for n in names) for b in data["results"]["bindings"])


def test_there_are_competency_questions():
    assert len(QUERIES) >= 8


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_competency_question_over_http_matches_the_store(kb_client, kb_store, path):
    text = path.read_text(encoding="utf-8")
    reply = kb_client.query(text, "application/sparql-results+json", method="POST")
    assert reply.status == 200, reply.text
    expected, _ = kb_store.query(text, "application/sparql-results+json")
    assert _json_rows(reply.body) == _json_rows(expected)
    rows = sum(_json_rows(reply.body).values())
    assert rows > 0
    # the same rows in every other results format
    xml = kb_client.query(text, "application/sparql-results+xml")
    assert len(list(ox.parse_query_results(xml.body, format=ox.QueryResultsFormat.XML))) == rows
    tsv = kb_client.query(text, "text/tab-separated-values")
    assert len(list(ox.parse_query_results(tsv.body, format=ox.QueryResultsFormat.TSV))) == rows
    table = kb_client.query(text, "text/csv")
    assert len(list(csv.DictReader(io.StringIO(table.text)))) == rows
    assert "X-SPARQL-Truncated" not in reply.headers


def test_processes_question_lists_the_fourteen_processes(kb_client):
    reply = kb_client.query((paths.queries_dir() / "processes.rq").read_text("utf-8"), "text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert len({row["process"] for row in rows}) == 14


def test_service_description_counts_the_built_dataset(kb_client, kb_store):
    reply = kb_client.get("/sparql", {"Accept": "text/turtle"})
    assert f"void:triples {kb_store.triple_count}" in reply.text
