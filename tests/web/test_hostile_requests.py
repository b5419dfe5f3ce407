"""Requests an attacker (or a broken client) sends, on every route: each gets a 4xx with a one-line message,
or the answer the request deserves, never a 5xx or a traceback (the fuzz test, tests/web/test_fuzz.py,
sends thousands more)."""

from __future__ import annotations

import socket

import pytest
from conftest import ENDPOINT_FIXTURE, ROUTE_EXAMPLES, route_examples


def test_every_route_has_an_example(kb_client):
    rules = {rule.rule for rule in kb_client.app.url_map.iter_rules()}
    assert rules == set(ROUTE_EXAMPLES)
    for _, path in route_examples(kb_client.app):
        reply = kb_client.request("GET", path)
        assert reply.status in (200, 303), (path, reply.status, reply.text[:200])


HUGE_DATES = [
    "Mon, 01 Jan 100000000000 00:00:00 GMT",  # OverflowError in the date parser
    "Fri, 31 Dec 9999 23:59:59 -0100",  # past datetime.max in UTC
    "Sat, 01 Jan 0001 00:00:00 +2359",
    "Mon, 01 Jan 99999 00:00:00 GMT",
]


@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since", "If-Range"])
@pytest.mark.parametrize("date", HUGE_DATES)
def test_dates_with_huge_years_are_ignored_on_every_route(kb_client, header, date):
    for _, path in route_examples(kb_client.app):
        reply = kb_client.request("GET", path, {header: date, "Range": "bytes=0-9"})
        assert reply.status < 500, (path, reply.status, reply.text[:200])


def test_an_unreadable_if_range_sends_the_whole_file(kb_client):
    reply = kb_client.request("GET", "/dumps/rcp.ttl", {"If-Range": HUGE_DATES[0], "Range": "bytes=0-9"})
    assert reply.status == 200
    assert len(reply.body) > 10


def _raw(server, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(data)
        out = b""
        while chunk := connection.recv(65536):
            out += chunk
    return out


@pytest.mark.parametrize("trailer", [b"Bad Name: 1\r\n", b"X\x00: 1\r\n", b":x\r\n", b"Content-Length: 5\r\n"])
@pytest.mark.parametrize(
    "content_type,body",
    [("application/x-www-form-urlencoded", b"query=ASK%7B%7D"), ("application/sparql-query", b"ASK {}")],
)
def test_a_chunked_body_with_a_bad_trailer_is_answered_as_without_it(server_factory, trailer, content_type, body):
    server = server_factory(ENDPOINT_FIXTURE, query_timeout=2)
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + b"%x\r\n" % len(body)
        + body
        + b"\r\n0\r\n"
        + trailer
        + b"\r\n"
    )
    # The server discards trailer fields (RFC 9112, 7.1.2 allows it), well-formed or not: the request is
    # answered as it would be without them, never with a 5xx.
    reply = _raw(server, request)
    assert reply.startswith(b"HTTP/1.1 200 "), reply[:300]
    assert reply.endswith(b'{"head":{},"boolean":true}')
    good = request.replace(trailer, b"X-Checksum: 1\r\n")
    assert _raw(server, good).split(b"\r\n\r\n", 1)[1] == reply.split(b"\r\n\r\n", 1)[1]
