"""Content negotiation (``rcpkg.web.negotiation``): pure functions over header values, no server."""

from __future__ import annotations

import pytest

from rcpkg import formats
from rcpkg.store import NotAcceptable
from rcpkg.web.documents import DOCUMENT_FORMATS
from rcpkg.web.negotiation import (
    UnknownFormat,
    accepts_gzip,
    for_document,
    for_query,
    ranges,
    wants_html,
)


def test_ranges_order_by_q_then_specificity_then_the_clients_order():
    assert ranges("text/*;q=0.5, text/csv;q=0.5, */*;q=0.1, application/json") == [
        ("application/json", 1.0),
        ("text/csv", 0.5),
        ("text/*", 0.5),
        ("*/*", 0.1),
    ]
    assert ranges("text/csv, text/tab-separated-values") == [("text/csv", 1.0), ("text/tab-separated-values", 1.0)]
    assert ranges(None) == [("*/*", 1.0)]
    assert ranges("  ") == [("*/*", 1.0)]
    assert ranges("garbage, text/csv;q=abc") == [("text/csv", 0.0)]  # a q that is not a number counts as 0


@pytest.mark.parametrize(
    "accept,form,expected",
    [
        ("text/turtle;q=2", "CONSTRUCT", "text/turtle"),  # q clamped to 1, not the range dropped
        ("text/csv;q=1.0001", "SELECT", "text/csv"),
        ("application/sparql-results+json;q=abc, */*", "SELECT", "application/sparql-results+xml"),
        ("application/ld+json, text/turtle;charset=utf-8", "CONSTRUCT", "application/ld+json"),  # client's order
        ("text/csv, application/sparql-results+json;charset=utf-8", "SELECT", "text/csv"),
    ],
)
def test_odd_q_values_and_parameters_are_read_as_before(accept, form, expected):
    assert for_query(form, accept).media_type == expected


@pytest.mark.parametrize(
    "accept,form,expected",
    [
        (None, "SELECT", "application/sparql-results+json"),
        (None, "CONSTRUCT", "text/turtle"),
        ("application/xml", "SELECT", "application/sparql-results+xml"),
        ("application/xml", "CONSTRUCT", "application/rdf+xml"),
        ("application/json", "DESCRIBE", "application/ld+json"),
        ("text/plain", "CONSTRUCT", "application/n-triples"),
        ("text/*", "ASK", "text/csv"),
        ("text/csv;q=0.2, text/tab-separated-values;q=0.8", "SELECT", "text/tab-separated-values"),
        ("text/turtle;q=0, */*", "CONSTRUCT", "application/n-triples"),
        ("text/html", "SELECT", "text/html"),
        ("text/html;q=0.5, text/csv", "SELECT", "text/csv"),
    ],
)
def test_for_query(accept, form, expected):
    assert for_query(form, accept).media_type == expected


def test_for_query_refuses_what_the_form_cannot_express_and_lists_what_is_available():
    with pytest.raises(NotAcceptable, match="available: text/turtle, application/n-triples"):
        for_query("CONSTRUCT", "text/csv")
    with pytest.raises(NotAcceptable):
        for_query("SELECT", "text/turtle")
    with pytest.raises(NotAcceptable):
        for_query("SELECT", "text/html", html=False)
    with pytest.raises(NotAcceptable):
        for_query("SELECT", "text/plain")  # N-Triples cannot hold solutions
    with pytest.raises(NotAcceptable):
        for_query("SELECT", "*/*;q=0")


def test_format_overrides_accept():
    assert for_query("SELECT", "text/csv", "json") is formats.JSON
    assert for_query("CONSTRUCT", "text/csv", "json") is formats.JSONLD
    assert for_query("CONSTRUCT", None, "xml") is formats.RDFXML
    assert for_query("SELECT", "text/turtle", "text/tab-separated-values") is formats.TSV
    with pytest.raises(NotAcceptable, match="format=csv cannot express a CONSTRUCT result"):
        for_query("CONSTRUCT", None, "csv")
    with pytest.raises(UnknownFormat, match="unknown format 'yaml'"):
        for_query("SELECT", None, "yaml")


@pytest.mark.parametrize(
    "accept,expected",
    [
        (None, "html"),
        ("*/*", "html"),
        ("text/turtle", "ttl"),
        ("application/json", "jsonld"),
        ("text/plain", "nt"),
        ("application/xml", "rdf"),
        ("text/html;q=0.1, */*;q=0.5", "ttl"),
        ("text/plain;q=0.1, */*", "html"),
    ],
)
def test_for_document(accept, expected):
    assert for_document(accept, DOCUMENT_FORMATS).extension == expected


def test_for_document_none_when_everything_is_excluded():
    assert for_document("image/png", DOCUMENT_FORMATS) is None
    assert for_document("*/*;q=0", DOCUMENT_FORMATS) is None


def test_wants_html_only_when_html_comes_first():
    assert wants_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert not wants_html("*/*")
    assert not wants_html(None)
    assert not wants_html("text/csv, text/html;q=0.9")


@pytest.mark.parametrize(
    "header,expected",
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("*", True),
        ("deflate", False),
        ("", False),
        (None, False),
        ("gzip;q=0", False),
        ("gzip;q=0, deflate", False),
        ("*;q=0", False),
        ("gzip;q=0.5", True),
        ("gzip;q=x", False),
    ],
)
def test_accepts_gzip_honours_q_zero(header, expected):
    assert accepts_gzip(header) is expected


def test_an_answer_is_not_gzipped_for_gzip_q_zero():
    from pathlib import Path

    from rcpkg.config import Config
    from rcpkg.store import Store
    from rcpkg.web.app import create_app

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "endpoint-small.trig"
    client = create_app(Config(dataset=fixture), Store.load(fixture)).test_client()
    query = {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}
    for path, args in (("/sparql", query), ("/doc/id/process/budapest-process.ttl", {})):
        gzipped = client.get(path, query_string=args, headers={"Accept-Encoding": "gzip"})
        assert gzipped.headers["Content-Encoding"] == "gzip"
        for header in ("gzip;q=0", "gzip;q=0, deflate", "*;q=0"):
            reply = client.get(path, query_string=args, headers={"Accept-Encoding": header})
            assert reply.status_code == 200 and "Content-Encoding" not in reply.headers, (path, header)
