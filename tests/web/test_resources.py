"""Dereferencing: every IRI of the knowledge base answers 303 to a document in the format the client asks
for; documents parse in the format they claim; unknown IRIs are 404; the base IRI is configurable. See
docs/pages.md. Through Flask's test client, except the crawl of every IRI, which runs on the real server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import FOAF, RDFS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pages-small.trig"
BASE = "https://w3id.org/rcpkg/"
SERVICE = Namespace(BASE + "service#")

FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
# rdflib's own TriG and JSON-LD parsers warn about their deprecated ConjunctiveGraph internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def pages(client_factory):
    """The application over the pages' small fixture."""
    return client_factory(FIXTURE)


def path_of(iri: str, base: str = BASE) -> str:
    return "/" + iri[len(base) :].split("#", 1)[0]


def location_path(reply) -> str:
    location = reply.headers["Location"]
    parts = urlsplit(location)
    return parts.path + (("?" + parts.query) if parts.query else "")


# ------------------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    "accept, ext",
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("text/html", "html"),
        ("application/xhtml+xml", "html"),
        (BROWSER_ACCEPT, "html"),
        ("*/*", "html"),
        (None, "html"),
        ("text/turtle;q=0.5, application/ld+json", "jsonld"),
        ("application/rdf+xml;q=0.9, text/turtle", "ttl"),
        ("text/*", "html"),
        ("text/html;q=0, */*", "ttl"),
        ("application/json", "jsonld"),
        ("text/plain", "nt"),
    ],
)
def test_iri_answers_303_to_the_document_in_the_format_asked_for(pages, accept, ext):
    headers = {"Accept": accept} if accept else {}
    reply = pages.get("/id/process/bali-process", headers)
    assert reply.status == 303
    assert location_path(reply) == f"/doc/id/process/bali-process.{ext}"
    assert "Accept" in reply.headers.get("Vary", "")


def test_nothing_acceptable_is_406_with_the_list_of_formats(pages):
    reply = pages.get("/id/process/bali-process", {"Accept": "image/png"})
    assert reply.status == 406
    assert reply.media_type == "text/plain"
    for mtype in FORMATS.values():
        assert mtype in reply.text


def test_head_answers_like_get_without_a_body(pages):
    reply = pages.request("HEAD", "/id/country/hun", {"Accept": "text/turtle"})
    assert reply.status == 303 and reply.body == b""
    assert location_path(reply) == "/doc/id/country/hun.ttl"
    doc = pages.request("HEAD", "/doc/id/country/hun.ttl")
    assert doc.status == 200 and doc.body == b"" and doc.media_type == "text/turtle"


# --------------------------------------------------------------------------------------- documents


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf"])
def test_document_parses_in_the_format_it_claims_and_describes_the_thing(pages, ext):
    reply = pages.get(f"/doc/id/process/budapest-process.{ext}")
    assert reply.status == 200
    assert reply.content_type == f"{FORMATS[ext]}; charset=utf-8"
    g = Graph().parse(data=reply.body, format=RDFLIB_FORMATS[ext])
    thing = URIRef(BASE + "id/process/budapest-process")
    assert (thing, URIRef(BASE + "ontology#yearEstablished"), None) in g
    # incoming links are part of the document
    assert (URIRef(BASE + "id/membership/budapest-process/country-hun/member"), None, thing) in g
    # the document says what it is about
    doc = URIRef(pages.url.rstrip("/") + f"/doc/id/process/budapest-process.{ext}")
    assert (doc, FOAF.primaryTopic, thing) in g


def test_documents_carry_validators_and_answer_304(pages):
    first = pages.get("/doc/id/process/bali-process.ttl")
    etag = first.headers["ETag"]
    assert etag
    assert "Last-Modified" not in first.headers  # the fixture states no date (a built knowledge base does)
    again = pages.get("/doc/id/process/bali-process.ttl", {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""


def test_json_ld_documents_carry_only_the_prefixes_they_use(pages):
    reply = pages.get("/doc/id/process/budapest-process.jsonld")
    context = json.loads(reply.body)["@context"]
    assert {"rcp", "id", "rdfs", "foaf"} <= set(context)
    assert not {"brick", "csvw", "odrl", "sh", "ns1"} & set(context)
    graph = Graph().parse(data=reply.body, format="json-ld")
    iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    iris |= {str(o.datatype) for o in graph.objects() if getattr(o, "datatype", None)}
    for prefix, namespace in context.items():
        assert any(iri.startswith(namespace) for iri in iris), prefix  # each one is used
    turtle = pages.get("/doc/id/process/budapest-process.ttl").text
    assert "ns1:" not in turtle and "brick:" not in turtle


def test_document_links_its_other_formats(pages):
    reply = pages.get("/doc/id/country/hun.html")
    link = reply.headers["Link"]
    assert f'<{BASE}id/country/hun>; rel="describes"' in link
    for ext in ("ttl", "jsonld", "nt", "rdf"):
        assert f"/doc/id/country/hun.{ext}>" in link
        assert f'href="/doc/id/country/hun.{ext}"' in reply.text


def test_document_without_extension_negotiates_like_the_iri(pages):
    reply = pages.get("/doc/id/country/hun", {"Accept": "application/n-triples"})
    assert reply.status == 303
    assert location_path(reply) == "/doc/id/country/hun.nt"


def test_hash_namespace_document_holds_every_term(pages):
    reply = pages.get("/ontology", {"Accept": "text/turtle"})
    assert reply.status == 303 and location_path(reply) == "/doc/ontology.ttl"
    g = Graph().parse(data=pages.get("/doc/ontology.ttl").body, format="turtle")
    for term in ("RegionalConsultativeProcess", "Country", "yearEstablished", "hasMemberGovernment"):
        assert (URIRef(BASE + "ontology#" + term), None, None) in g


def test_cors_allows_scripts_to_read_documents(pages):
    assert pages.get("/doc/id/country/hun.jsonld").headers["Access-Control-Allow-Origin"] == "*"
    assert pages.get("/id/country/hun").headers["Access-Control-Allow-Origin"] == "*"


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "path",
    [
        "/id/process/no-such-process",
        "/id/country/xxx",
        "/id/nothing",
        "/doc/id/process/no-such-process.ttl",
        "/doc/id/process/no-such-process.html",
        "/doc/id/process/bali-process.exe",
        "/doc/.ttl",
        "/no/such/thing",
        "/id/process/bali-process/",
    ],
)
def test_unknown_iri_is_404_with_a_page_for_browsers_and_a_line_for_others(pages, path):
    html = pages.get(path, {"Accept": "text/html"})
    assert html.status == 404
    assert html.media_type == "text/html"
    assert "<h1>Not found</h1>" in html.text
    assert 'action="/search"' in html.text
    data = pages.get(path, {"Accept": "text/turtle"})
    assert data.status == 404
    assert data.media_type == "text/plain"
    assert "not an IRI of this knowledge base" in data.text


def test_odd_characters_in_a_path_are_404_not_an_error(pages):
    for path in ("/id/%3Cscript%3E", "/id/a%20b", "/id/%22quoted%22", "/doc/id/%00.ttl"):
        reply = pages.get(path, {"Accept": "text/html"})
        assert reply.status == 404, path


def test_post_to_an_iri_is_405(pages):
    assert pages.request("POST", "/id/process/bali-process", {}, b"x").status == 405


# ----------------------------------------------------------------------------------- configurable base


@pytest.fixture(scope="module")
def other_base(client_factory, tmp_path_factory):
    """The fixture re-minted under another base, served with base_iri set to it."""
    base = "http://data.example.org/rcp/"
    text = FIXTURE.read_text("utf-8").replace(BASE, base)
    path = tmp_path_factory.mktemp("other-base") / "other.trig"
    path.write_text(text, "utf-8")
    return base, client_factory(path, base_iri=base)


def test_a_local_server_answers_for_the_configured_base(other_base):
    base, server = other_base
    reply = server.get("/id/process/bali-process", {"Accept": "text/turtle"})
    assert reply.status == 303
    doc = server.get(location_path(reply))
    g = Graph().parse(data=doc.body, format="turtle")
    assert (URIRef(base + "id/process/bali-process"), None, None) in g
    page = server.get("/doc/id/process/bali-process.html").text
    assert 'href="/id/country/aus"' in page  # links stay on this server
    assert f"<code>{base}id/process/bali-process</code>" in page


def test_under_another_base_the_pages_find_the_inferred_and_ontology_graphs_and_the_dataset(
    client_factory, kb_dataset, tmp_path_factory
):
    """The named graphs, the dataset and the service vocabulary are looked up under the configured base."""
    base = "http://data.example.org/rcp/"
    path = tmp_path_factory.mktemp("kb-other-base") / "rcp.trig"
    path.write_text(kb_dataset.read_text("utf-8").replace(BASE, base), "utf-8")
    server = client_factory(path, base_iri=base)
    assert server.get("/doc/ontology.html").text.count("<h3") > 40
    assert 'class="inferred"' in server.get("/doc/id/process/budapest-process.html?view=statements").text
    description = Graph().parse(data=server.get("/sparql", {"Accept": "text/turtle"}).body, format="turtle")
    assert len(set(description.objects(SERVICE.queryTimeout, RDFS.label))) == 1
    home, default_home = server.get("/").text, client_factory(kb_dataset).get("/").text
    assert home.split("<title>")[1].split("</title>")[0] == default_home.split("<title>")[1].split("</title>")[0]


# --------------------------------------------------------------------- every IRI of the knowledge base


def kb_iris(dataset) -> list[str]:
    ds = Dataset()
    ds.parse(dataset, format="trig")
    iris = set()
    for s, _p, o, g in ds.quads((None, None, None, None)):
        for term in (s, o, getattr(g, "identifier", g)):
            if isinstance(term, URIRef) and str(term).startswith(BASE):
                iris.add(str(term).split("#", 1)[0])
    return sorted(iris)


# Served by other parts of the server (the endpoint, the dumps, the dataset description, the home page):
# they answer 200 themselves rather than 303.
def served_directly(iri: str) -> bool:
    rest = iri[len(BASE) :]
    return rest in ("", "sparql", "dataset") or rest.startswith("dumps/")


def check_iri(server, iri: str) -> list[str]:
    problems = []
    path = path_of(iri)
    if served_directly(iri):
        reply = server.get(path, {"Accept": "*/*"})
        if reply.status != 200:
            problems.append(f"{iri}: {reply.status}")
        return problems
    for ext, accept in (("ttl", "text/turtle"), ("html", "text/html")):
        reply = server.get(path, {"Accept": accept})
        if reply.status != 303:
            problems.append(f"{iri} ({accept}): {reply.status}, expected 303")
            continue
        target = location_path(reply)
        if target != f"/doc{path}.{ext}":
            problems.append(f"{iri}: 303 to {target}")
            continue
        doc = server.get(target)
        if doc.status != 200 or doc.media_type != accept:
            problems.append(f"{iri}: document {doc.status} {doc.media_type}")
            continue
        if ext == "ttl":
            g = Graph().parse(data=doc.body, format="turtle")
            if not any(True for _ in g.triples((URIRef(iri), None, None))) and not any(
                True for _ in g.triples((None, None, URIRef(iri)))
            ):
                problems.append(f"{iri}: its Turtle says nothing about it")
        elif f"<code>{iri}</code>" not in doc.text:
            problems.append(f"{iri}: its page does not show its IRI")
    return problems


def test_every_iri_of_the_knowledge_base_resolves_to_turtle_and_html(kb_server, kb_dataset):
    # On the real server: six clients at once over its worker processes and threads (the pages' caches
    # under concurrent requests), and the few thousand pages and documents rendered on both cores.
    iris = kb_iris(kb_dataset)
    assert len(iris) > 1000
    with ThreadPoolExecutor(max_workers=6) as pool:
        problems = [p for batch in pool.map(lambda i: check_iri(kb_server, i), iris) for p in batch]
    assert problems == [], "\n".join(problems[:30])


def test_one_thing_of_every_kind_in_every_rdf_format(kb_client, kb_dataset):
    kinds: dict[str, str] = {}
    for iri in kb_iris(kb_dataset):
        rest = iri[len(BASE) :]
        if served_directly(iri):
            continue
        kind = "/".join(rest.split("/")[:2]) if rest.startswith(("id/", "dataset/")) else rest.split("/")[0]
        kinds.setdefault(kind, iri)
    assert {"id/process", "id/country", "id/membership", "id/source", "id/theme", "graph", "ontology"} <= set(kinds)
    for iri in kinds.values():
        for ext, fmt in RDFLIB_FORMATS.items():
            reply = kb_client.get(f"/doc{path_of(iri)}.{ext}")
            assert reply.status == 200, (iri, ext)
            assert reply.content_type == f"{FORMATS[ext]}; charset=utf-8"
            g = Graph().parse(data=reply.body, format=fmt)
            assert len(g) > 0, (iri, ext)
            if ext == "jsonld":
                assert isinstance(json.loads(reply.body), dict | list)


def test_links_and_redirects_follow_the_mount_point_behind_a_proxy():
    """Mounted under /kb (WSGI SCRIPT_NAME), redirects and links keep the prefix."""
    from rcpkg.config import Config
    from rcpkg.store import Store
    from rcpkg.web.app import create_app

    config = Config(dataset=FIXTURE)
    client = create_app(config, Store.load(FIXTURE)).test_client()
    reply = client.get("/id/process/budapest-process", base_url="http://proxy.example/kb/")
    assert reply.status_code == 303
    assert urlsplit(reply.headers["Location"]).path == "/kb/doc/id/process/budapest-process.html"
    page = client.get("/doc/id/process/budapest-process.html", base_url="http://proxy.example/kb/").text
    assert 'href="/kb/id/country/hun"' in page
    assert 'href="/kb/static/style.css"' in page
    assert 'href="/id/' not in page
