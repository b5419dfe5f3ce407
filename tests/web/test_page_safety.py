"""What a browser is told about each page: a Content-Security-Policy, no sniffing, no framing, no Referer,
on every HTML page and SVG picture whichever path made it; IRIs from data or from a query become links only
when they are http(s) IRIs; dumps say their charset once. (That the pages still work under the policy:
tests/browser.)"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from conftest import ENDPOINT_FIXTURE, route_examples


def _is_page(reply) -> bool:
    return reply.media_type in ("text/html", "image/svg+xml")


def _assert_page_headers(reply, where):
    assert reply.headers["X-Content-Type-Options"] == "nosniff", where
    assert reply.headers["X-Frame-Options"] == "DENY", where
    assert reply.headers["Referrer-Policy"] == "no-referrer", where
    csp = [d.strip() for d in reply.headers.get("Content-Security-Policy", "").split(";")]
    assert {"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} <= set(csp), where
    assert not [d for d in csp if d.startswith("script-src") or "unsafe" in d], where


def test_every_html_page_and_picture_has_the_security_headers(kb_client):
    seen = 0
    for accept in ("text/html", "*/*"):
        for rule, path in route_examples(kb_client.app):
            for _ in range(2):  # the second answer may come from a cache (the endpoint's fast path)
                reply = kb_client.request("GET", path, {"Accept": accept})
                if _is_page(reply):
                    _assert_page_headers(reply, (rule, path, accept))
                    seen += 1
                else:
                    assert reply.headers["X-Content-Type-Options"] == "nosniff", (rule, path, accept)
    assert seen >= 20


@pytest.mark.parametrize(
    "method,path,headers",
    [
        ("GET", "/nowhere/at/all", {"Accept": "text/html"}),  # 404 page
        ("GET", "/sparql?query=SELECT", {"Accept": "text/html"}),  # 400 page
        ("PUT", "/sparql", {"Accept": "text/html"}),  # 405 page
        ("GET", "/id/process/budapest-process", {"Accept": "text/html"}),  # werkzeug's redirect page
        ("GET", "/sparql?" + urlencode({"query": "ASK {}", "format": "html"}), {}),
    ],
)
def test_error_and_redirect_pages_have_them_too(kb_client, method, path, headers):
    reply = kb_client.request(method, path, headers)
    assert reply.media_type == "text/html", reply.status
    _assert_page_headers(reply, path)


JAVASCRIPT = ["javascript:alert(1)", "JavaScript:alert(document.domain)", "data:text/html,%3Cscript%3Ex%3C/script%3E"]


@pytest.mark.parametrize("iri", JAVASCRIPT)
def test_the_results_table_links_only_http_iris(client, iri):
    text = f'SELECT ?x ?y {{ BIND(IRI("{iri}") AS ?x) BIND(<https://example.org/a?b=1&c=2> AS ?y) }}'
    reply = client.query(text, "text/html", format="html")
    assert reply.status == 200
    hrefs = re.findall(r'href="([^"]*)"', reply.text)
    assert [h for h in hrefs if not h.startswith(("http://", "https://", "/"))] == []
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in reply.text
    assert iri.replace("<", "&lt;").replace(">", "&gt;") in reply.text  # shown, as text


@pytest.fixture(scope="module")
def hostile_client(client_factory, tmp_path_factory):
    """The endpoint's fixture with non-http IRIs in the data: as a process's sameAs, a property value, a type."""
    extra = (
        "\n<https://w3id.org/rcpkg/graph/data> {\n"
        + "".join(
            f"  <https://w3id.org/rcpkg/id/process/bali-process> <{p}> <{iri}> .\n"
            for iri in JAVASCRIPT
            for p in ("http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2000/01/rdf-schema#seeAlso")
        )
        + "  <https://w3id.org/rcpkg/id/process/bali-process> a <javascript:alert(3)> .\n}\n"
    )
    path = tmp_path_factory.mktemp("hostile") / "rcp.trig"
    path.write_text(ENDPOINT_FIXTURE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return client_factory(path)


def test_pages_link_only_http_iris_from_the_data(hostile_client):
    for path in ("/doc/id/process/bali-process.html", "/doc/id/process/bali-process.html?view=statements"):
        reply = hostile_client.request("GET", path, {"Accept": "text/html"})
        assert reply.status == 200, reply.text[:300]
        hrefs = re.findall(r'(?:href|action)="([^"]*)"', reply.text) + re.findall(r"href='([^']*)'", reply.text)
        bad = [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.IGNORECASE)]
        assert bad == [], path
    assert "javascript:alert(1)" in reply.text  # the value is still shown, among every statement


@pytest.mark.parametrize("name", ["rcp.ttl", "rcp.nt", "rcp.jsonld", "rcp.trig", "SHA256SUMS", "rcp.nt.gz"])
def test_a_dump_states_its_charset_once(kb_client, name):
    reply = kb_client.request("GET", f"/dumps/{name}")
    assert reply.status == 200
    content_type = reply.headers.get_all("Content-Type")
    assert len(content_type) == 1
    if name.endswith(".gz"):
        assert content_type[0] == "application/gzip"
    else:
        assert content_type[0].count("charset") == 1 and content_type[0].endswith("; charset=utf-8"), content_type
