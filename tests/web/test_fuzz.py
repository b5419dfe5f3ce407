"""Thousands of generated requests against a real server (`rcpkg serve` on 127.0.0.1, the built knowledge base):
every route of the application's url_map, its methods and others, the headers that change an answer
(Accept, Accept-Encoding, Content-Type with every kind of charset, conditional dates with any year, ranges,
Host), bodies form-encoded, direct or chunked with trailers, queries valid, refused by the engine or random.
No answer may be a 5xx other than the documented timeout 503, and no connection may be dropped without an
answer. Seeded (hypothesis, derandomized): the same requests on every run; the statuses seen are printed."""

from __future__ import annotations

import http.client
import socket
from collections import Counter
from urllib.parse import quote, urlencode

from conftest import ROUTE_EXAMPLES, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcpkg import formats

REQUESTS = 3000

ID = "https://w3id.org/rcpkg/id/"
QUERIES = [
    "ASK {}",
    "SELECT * { ?s ?p ?o } LIMIT 3",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    f"DESCRIBE <{ID}process/budapest-process>",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
    "CONSTRUCT { <s> <p> 1 } WHERE {}",
    "SELECT ?x { BIND(<#me> AS ?x) }",
    'SELECT ?x { BIND(IRI("javascript:alert(1)") AS ?x) }',
    "SELECT * { BIND(<http://example.org/f>(1) AS ?x) }",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:byte('1') AS ?x) {}",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:dateTimeStamp('x') AS ?x) {}",
    "SELECT * { SERVICE ?unbound { ?s ?p ?o } }",
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> { ?s ?p ?o }",
    "INSERT DATA { <a> <b> <c> }",
    "CLEAR ALL",
    "SELECT (NOW() AS ?t) (RAND() AS ?r) {}",
    "SELECT (1/0 AS ?x) {}",
    "SELECT * { ?s ?p ?o } LIMIT 99999999999999999999999",
    "SELECT * { " + "{ " * 200 + "}" * 200 + " }",
    "SELECT ?x { VALUES ?x { <\u0000> } }",
    "\\u0041SK {}",
    "ASK {} # \\U0010FFFF",
    "ASK { FILTER('\ud7ff\ue000\U0001f600') }",
    "SELECT * WHERE { ?s ?p ",
    "",
    "   ",
]
PARAMETERS = ["query", "format", "default-graph-uri", "named-graph-uri", "update", "q", "x"]
ALL_FORMATS = (*formats.RESULTS, *formats.GRAPHS, *formats.DATASETS, formats.HTML)
FORMAT_NAMES = formats.NAMES + [f.media_type for f in ALL_FORMATS]
MEDIA_TYPES = [f.media_type for f in ALL_FORMATS] + ["*/*", "text/*", "application/json", "image/png"]
CHARSETS = [
    "utf-8", "UTF-8", "utf8", "latin-1", "iso-8859-1", "us-ascii", "utf-16", "utf-16-le", "utf-32", "utf-7",
    "punycode", "raw_unicode_escape", "unicode_escape", "undefined", "idna", "rot13", "base64", "zlib_codec",
    "hex", "cp1252", "x", "", '"utf-8"',
]  # fmt: skip
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/json",
]
METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "FOO"]
TRAILERS = [b"", b"X-T: 1\r\n", b"Bad Name: 1\r\n", b"X\x00: 1\r\n", b":x\r\n", b"Content-Length: 5\r\n"]

latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)
any_text = st.text(max_size=60)
query_text = st.one_of(
    st.sampled_from(QUERIES),
    any_text,
    st.tuples(st.sampled_from(QUERIES), any_text).map(lambda t: t[0] + t[1]),
)


http_dates = st.builds(
    "{}, {:02d} Jan {} {:02d}:00:00 {}".format,
    st.sampled_from(["Mon", "Tue", "Sat", "Xyz"]),
    st.integers(0, 40),
    st.one_of(st.integers(0, 10000), st.integers(0, 10**15)),
    st.integers(0, 99),
    st.sampled_from(["GMT", "UTC", "+0000", "-0100", "+2359", "-9999", "XYZ", ""]),
)


HEADERS = {
    "Accept": st.one_of(st.sampled_from(MEDIA_TYPES), st.sampled_from(MEDIA_TYPES).map(lambda m: m + ";q=0"), latin1),
    "Accept-Encoding": st.one_of(st.sampled_from(["gzip", "identity", "gzip;q=0", "br, *;q=0"]), latin1),
    "If-Modified-Since": st.one_of(http_dates, latin1),
    "If-Unmodified-Since": st.one_of(http_dates, latin1),
    "If-Range": st.one_of(http_dates, st.just('"x"'), latin1),
    "If-None-Match": st.one_of(st.sampled_from(["*", '"x"', 'W/"x"', '"']), latin1),
    "Range": st.one_of(st.sampled_from(["bytes=0-9", "bytes=abc", "bytes=99999999999-", "bytes=0-1,5-9"]), latin1),
    "Host": st.one_of(st.sampled_from(["example.org", "a b", "[::1]", "x:99999", "", "ex%61mple"]), latin1),
    "Origin": latin1,
}


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset.strip('"') or "utf-8")
    except (LookupError, UnicodeError, TypeError):
        return text.encode("utf-8", "surrogatepass")


PARAMETER_VALUES = {
    "query": query_text,
    "format": st.one_of(st.sampled_from(FORMAT_NAMES), latin1),
    "default-graph-uri": st.one_of(st.just("https://w3id.org/rcpkg/graph/data"), any_text),
    "named-graph-uri": st.one_of(st.just("https://w3id.org/rcpkg/graph/data"), any_text),
}
parameters = st.lists(
    st.one_of(*(st.tuples(st.just(name), PARAMETER_VALUES.get(name, any_text)) for name in PARAMETERS)),
    max_size=3,
)
ONE_IN_FIVE = st.integers(0, 4)


def _query_string(params: list[tuple[str, str]], style: str) -> str:
    if style == "latin-1":  # percent-encoded bytes that are not UTF-8
        return "&".join(f"{quote(k)}={quote(v.encode('latin-1', 'replace'))}" for k, v in params)
    return urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])


def requests(rules) -> st.SearchStrategy[tuple[str, bytes]]:
    """(a label, the bytes of one HTTP/1.1 request) over ``rules`` (the application's url_map)."""
    routes = [
        (
            rule.rule,
            st.one_of(
                st.sampled_from(ROUTE_EXAMPLES[rule.rule]),
                st.text(max_size=30).map(_under(rule.rule.split("<")[0])),
            ),
            st.sampled_from(sorted(rule.methods)),
        )
        for rule in rules
    ]
    endpoint = [route for route in routes if route[0] == "/sparql"]
    route_choice = st.one_of(st.sampled_from(endpoint), st.sampled_from(routes))  # half of them to the endpoint
    content_types = st.one_of(st.sampled_from(CONTENT_TYPES), latin1)
    charsets = st.one_of(st.none(), st.sampled_from(CHARSETS))
    methods = st.sampled_from(METHODS)
    styles = st.sampled_from(["utf-8", "latin-1"])
    trailers = st.sampled_from(TRAILERS)
    binary = st.binary(max_size=200)

    @st.composite
    def one(draw) -> tuple[str, bytes]:
        _, paths, allowed = draw(route_choice)
        path = draw(paths)
        method = draw(allowed if draw(ONE_IN_FIVE) else methods)
        return _request(draw, path, method, content_types, charsets, styles, trailers, binary)

    return one()


def _under(start: str):
    return lambda rest: start + quote(rest.encode("utf-8", "surrogatepass"), safe="/")


def _request(draw, path, method, content_types, charsets, styles, trailers, binary) -> tuple[str, bytes]:
    params = draw(parameters)
    style = draw(styles)
    if params:
        path += ("&" if "?" in path else "?") + _query_string(params, style)
    headers = {name: draw(value) for name, value in HEADERS.items() if draw(ONE_IN_FIVE) == 0}
    body = b""
    if method == "POST" or draw(ONE_IN_FIVE) == 0:
        content_type = draw(content_types)
        charset = draw(charsets)
        if charset is not None:
            content_type += f"; charset={charset}"
        headers["Content-Type"] = content_type
        text = draw(query_text)
        if content_type.startswith("application/x-www-form-urlencoded"):
            body = _encode(_query_string([("query", text), *draw(parameters)], style), charset or "utf-8")
        elif draw(st.booleans()):
            body = _encode(text, charset or "utf-8")
        else:
            body = draw(binary)
    head = [f"{method} {path} HTTP/1.1"]
    if "Host" not in headers:
        headers["Host"] = "127.0.0.1"
    headers["Connection"] = "close"
    if body and draw(ONE_IN_FIVE) == 0:  # chunked, perhaps with a trailer
        headers["Transfer-Encoding"] = "chunked"
        body = b"%x\r\n" % len(body) + body + b"\r\n0\r\n" + draw(trailers) + b"\r\n"
    elif body or method == "POST":
        headers["Content-Length"] = str(len(body))
    head += [f"{name}: {value}" for name, value in headers.items()]
    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + body
    return f"{method} {path[:200]!r} {headers!r}"[:600], data


def _exchange(host: str, port: int, data: bytes, method: bytes) -> tuple[int, bytes] | None:
    """(status, body) of the answer to ``data``; None when the connection closed without one."""
    with socket.create_connection((host, port), timeout=30) as connection:
        try:
            connection.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (400, 413) before reading the whole body
        response = http.client.HTTPResponse(connection, method=method.decode("latin-1"))
        try:
            response.begin()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, http.client.IncompleteRead):
            return None


def test_no_request_gets_a_5xx_or_a_dropped_connection(server_factory, kb_dataset):
    server = server_factory(kb_dataset, query_timeout=5)
    rules = list(make_app(kb_dataset).url_map.iter_rules())
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    @settings(
        max_examples=REQUESTS,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(rules))
    def one(request):
        label, data = request
        answer = _exchange(server.host, server.port, data, data.split(b" ", 1)[0])
        if answer is None:
            statuses[0] += 1
            failures.append(f"dropped: {label}")
            return
        status, body = answer
        statuses[status] += 1
        if status >= 500 and not (status == 503 and b"ran longer than" in body):
            failures.append(f"{status}: {label}: {body[:200]!r}")

    one()
    print("\nstatuses (0: dropped):", dict(sorted(statuses.items())))
    assert sum(statuses.values()) >= REQUESTS
    assert server.alive
    assert failures == [], f"{len(failures)} failures, first ones:\n" + "\n".join(failures[:20])
