"""The HTML pages (Flask's test client), checked against the knowledge base itself (read with rdflib, not through
the server): the home page and its runnable questions, process, country and theme pages, provenance,
links out, the ontology documentation, search, the pictures, and the shape of the HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from rcpkg import paths
from rcpkg.text import html_to_text
from rcpkg.web.pages import read_examples

BASE = "https://w3id.org/rcpkg/"
RCP = BASE + "ontology#"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pages-small.trig"

# rdflib's own TriG parser warns about its deprecated ConjunctiveGraph internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Page(HTMLParser):
    """The tags of an HTML page with their attributes, the text inside each element id, and forms."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.forms: list[dict] = []
        self._stack: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "form":
            self.forms.append({"attrs": a, "fields": {}, "textareas": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = None
        elif tag == "option" and self.forms and "selected" in a:
            for name, value in self.forms[-1]["fields"].items():
                if value is None:
                    self.forms[-1]["fields"][name] = a.get("value")
        if tag == "textarea":
            self._stack.append((tag, a))

    def handle_data(self, data):
        if self._stack and self.forms:
            name = self._stack[-1][1].get("name")
            self.forms[-1]["fields"][name] = self.forms[-1]["fields"].get(name, "") + data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._stack:
            self._stack.pop()

    def hrefs(self) -> set[str]:
        return {a["href"] for t, a in self.tags if t == "a" and "href" in a}

    def ids(self) -> set[str]:
        return {a["id"] for _t, a in self.tags if "id" in a}

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def local(iri: str) -> str:
    return "/" + iri[len(BASE) :]


@pytest.fixture(scope="module")
def kb(kb_dataset) -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(kb_dataset, format="trig")
    return ds


@pytest.fixture(scope="module")
def memberships(kb):
    """(process, member, role key, status key) of every org:Membership."""
    out = []
    for m in set(kb.subjects(RDF.type, ORG.Membership)):
        process = kb.value(m, ORG.organization)
        member = kb.value(m, ORG.member)
        role = str(kb.value(m, ORG.role)).rsplit("/", 1)[-1]
        status = kb.value(m, URIRef(RCP + "status"))
        out.append((str(process), str(member), role, str(status).rsplit("/", 1)[-1] if status else None))
    return out


def get_page(server, path: str) -> tuple[str, Page]:
    reply = server.get(path, {"Accept": "text/html"})
    if reply.status == 303:
        reply = server.get(reply.headers["Location"].split(server.url.rstrip("/"), 1)[-1])
    assert reply.status == 200, path
    assert reply.media_type == "text/html"
    return reply.text, Page(reply.text)


# -------------------------------------------------------------------------------------------- home


def test_home_says_what_the_dataset_is_with_its_figures(kb_client, kb):
    text, page = get_page(kb_client, "/")
    assert "IOM matrix" in text
    processes = len(set(kb.subjects(RDF.type, URIRef(RCP + "RegionalConsultativeProcess"))))
    assert re.search(rf"<strong>{processes}</strong> processes", text)
    assert page.count("h1") == 1


def test_home_links_every_dump_that_exists_and_each_answers(kb_client):
    _, page = get_page(kb_client, "/")
    dumps = sorted(h for h in page.hrefs() if h.startswith("/dumps/") and h != "/dumps/")
    assert {"/dumps/rcp.ttl", "/dumps/rcp.trig", "/dumps/rcp.nt"} <= set(dumps)
    for href in dumps + ["/dumps/"]:
        assert kb_client.request("HEAD", href).status == 200, href


def test_home_shows_every_competency_question_and_each_runs_from_its_form(kb_client):
    examples = read_examples(paths.queries_dir())
    assert len(examples) >= 5
    text, page = get_page(kb_client, "/")
    runnable = {f["fields"].get("query"): f for f in page.forms if f["attrs"].get("action") == "/sparql"}
    for ex in examples:
        assert ex.question.split(".")[0][:60] in text.replace("&#39;", "'").replace("&#34;", '"'), ex.name
        form = runnable.get(ex.query)
        assert form is not None, f"no form runs {ex.name}.rq"
        assert form["attrs"]["method"] == "post" and form["fields"]["format"] == "html"
        reply = kb_client.request(
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
            urlencode(form["fields"]),
        )
        assert reply.status == 200, (ex.name, reply.text[:300])
        assert reply.media_type == "text/html"
        assert 'id="result"' in reply.text


def test_home_query_form_posts_to_the_endpoint_and_answers_a_table(kb_client):
    _, page = get_page(kb_client, "/")
    form = next(f for f in page.forms if "query-text" in str(f) or f["attrs"].get("class") == "query")
    assert form["attrs"]["action"] == "/sparql" and form["attrs"]["method"] == "post"
    assert form["fields"]["format"] == "html"
    reply = kb_client.request(
        "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(form["fields"])
    )
    assert reply.status == 200
    assert "<table" in reply.text and "Budapest Process" in reply.text


def test_home_has_the_four_pictures_inline_and_well_formed(kb_client):
    """The three charts and the world map."""
    text, _ = get_page(kb_client, "/")
    svgs = re.findall(r"<svg .*?</svg>", text, flags=re.S)
    assert len(svgs) == 4
    titles = set()
    for svg in svgs:
        root = ET.fromstring(svg)
        titles.add(root.find("{http://www.w3.org/2000/svg}title").text)
    assert len(titles) == 4


# -------------------------------------------------------------------------------------------- charts


def test_matrix_has_one_mark_per_country_and_process_pair(kb_client, kb, memberships):
    reply = kb_client.get("/charts/matrix.svg")
    assert reply.status == 200 and reply.media_type == "image/svg+xml"
    root = ET.fromstring(reply.body)
    marks = root.findall(".//{http://www.w3.org/2000/svg}rect[@data-role]")
    countries = set(kb.subjects(RDF.type, URIRef(RCP + "Country"))) | set(
        kb.subjects(RDF.type, URIRef(RCP + "Territory"))
    )
    pairs = {(m, p) for p, m, _r, _s in memberships if URIRef(m) in countries}
    assert len(marks) == len(pairs)
    members = [m for m in marks if m.get("data-role") == "member"]
    current = {(m, p) for p, m, r, s in memberships if URIRef(m) in countries and r == "member" and s == "current"}
    assert len(members) == len(current)


def test_overlap_diagonal_is_each_process_count_of_current_member_governments(kb_client, memberships, kb):
    root = ET.fromstring(kb_client.get("/charts/overlap.svg").body)
    countries = set(kb.subjects(RDF.type, URIRef(RCP + "Country"))) | set(
        kb.subjects(RDF.type, URIRef(RCP + "Territory"))
    )
    per_process = defaultdict(set)
    for p, m, r, s in memberships:
        if r == "member" and s == "current" and URIRef(m) in countries:
            per_process[p].add(m)
    cells = root.findall(".//{http://www.w3.org/2000/svg}rect[@data-shared]")
    n = len(set(kb.subjects(RDF.type, URIRef(RCP + "RegionalConsultativeProcess"))))
    assert len(cells) == n * n
    diagonal = sorted(int(cells[i * n + i].get("data-shared")) for i in range(n))
    expected = sorted(
        len(per_process[str(p)]) for p in kb.subjects(RDF.type, URIRef(RCP + "RegionalConsultativeProcess"))
    )
    assert diagonal == expected


def test_timeline_places_every_process_with_a_year(kb_client, kb):
    root = ET.fromstring(kb_client.get("/charts/timeline.svg").body)
    years = sorted(int(str(y)[:4]) for y in kb.objects(None, URIRef(RCP + "yearEstablished")))
    dots = root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert sorted(int(d.get("data-year")) for d in dots) == years


def test_unknown_chart_is_404(kb_client):
    assert kb_client.get("/charts/pie.svg").status == 404


# ------------------------------------------------------------------------------------ generated pages


def test_every_process_page_has_a_table_per_role_listing_every_participant(kb_client, kb, memberships):
    by_process = defaultdict(list)
    for p, m, r, _s in memberships:
        by_process[p].append((m, r))
    processes = sorted(str(p) for p in kb.subjects(RDF.type, URIRef(RCP + "RegionalConsultativeProcess")))
    assert len(processes) >= 14
    for process in processes:
        text, page = get_page(kb_client, local(process))
        hrefs = page.hrefs()
        assert 'id="participants"' in text, process
        for member, _role in by_process[process]:
            assert local(member) in hrefs, (process, member)
        roles = {r for _m, r in by_process[process]}
        headings = len(re.findall(r'<section class="role"', text))
        assert headings == len(roles), process


def test_process_page_lists_its_themes_and_priorities_in_order(kb_client, kb):
    process = URIRef(BASE + "id/process/soderkoping-process")
    text, page = get_page(kb_client, local(str(process)))
    for prop in ("hasPriority", "hasMainArea"):
        items = sorted(
            kb.objects(process, URIRef(RCP + prop)), key=lambda i: int(kb.value(i, URIRef(RCP + "position")))
        )
        positions = [text.find(f'href="{local(str(i))}"') for i in items]
        assert all(p > 0 for p in positions), prop
    for theme in kb.objects(process, DCTERMS.subject):
        assert local(str(theme)) in page.hrefs()


def test_process_page_shows_the_source_cells_it_comes_from(kb_client, kb):
    process = URIRef(BASE + "id/process/budapest-process")
    text, _ = get_page(kb_client, local(str(process)))
    assert 'id="provenance"' in text
    cells = list(kb.objects(process, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert cells
    for cell in cells:
        row = kb.value(cell, URIRef(RCP + "row"))
        column = kb.value(cell, URIRef(RCP + "column"))
        assert f"Row {row}, column “{column}”" in text
        snippet = html_to_text(str(kb.value(cell, URIRef(RCP + "sourceText"))))[:40]
        assert snippet.replace("&", "&amp;").replace("'", "&#39;") in text


def test_every_country_page_lists_each_process_it_takes_part_in_with_its_role(kb_client, kb, memberships):
    by_country = defaultdict(set)
    for p, m, r, _s in memberships:
        if m.startswith(BASE + "id/country/"):
            by_country[m].add((p, r))
    assert len(by_country) > 100
    for country, roles in sorted(by_country.items()):
        text, page = get_page(kb_client, local(country))
        section = text.split('id="takes-part"', 1)[1].split("</section>", 1)[0]
        for process, role in roles:
            assert f'href="{local(process)}"' in section, (country, process)
            assert f'/{role}">' in section or f">{role}<" in section, (country, process, role)


def test_every_theme_page_lists_the_processes_that_discuss_it(kb_client, kb):
    themes = {str(t) for t in kb.objects(None, DCTERMS.subject) if str(t).startswith(BASE + "id/theme/")}
    assert themes
    rcp_class = URIRef(RCP + "RegionalConsultativeProcess")
    processes = set(kb.subjects(RDF.type, rcp_class))
    for theme in sorted(themes):
        expected = set()
        for s in kb.subjects(DCTERMS.subject, URIRef(theme)):
            if s in processes:
                expected.add(str(s))
            for prop in ("hasMainArea", "hasPriority"):
                for parent in kb.subjects(URIRef(RCP + prop), s):
                    if parent in processes:
                        expected.add(str(parent))
        text, _ = get_page(kb_client, local(theme))
        section = text.split('id="discussed-by"', 1)[1].split("</section>", 1)[0]
        shown = {BASE + h[1:] for h in re.findall(r'<th scope="row"><a href="(/id/process/[^"]+)"', section)}
        assert shown == expected, theme


def test_pages_link_out_to_wikidata_and_geonames(kb_client, kb):
    same_as = URIRef("https://schema.org/sameAs")
    checked = 0
    for iri in (BASE + "id/country/hun", BASE + "id/organization/iom", BASE + "id/process/budapest-process"):
        targets = {str(o) for o in kb.objects(URIRef(iri), same_as)}
        _, page = get_page(kb_client, local(iri))
        assert targets <= page.hrefs(), iri
        checked += len(targets)
    assert checked >= 2


def test_what_points_here_lists_incoming_links(kb_client):
    text, page = get_page(kb_client, "/id/role/observer")
    assert 'id="incoming"' in text
    assert any(h.startswith("/id/membership/") and h.endswith("/observer") for h in page.hrefs())


def test_inferred_values_are_marked(kb_client):
    """On the view of every statement, which a process's profile links to."""
    text, _ = get_page(kb_client, "/doc/id/process/budapest-process.html?view=statements")
    assert 'class="inferred"' in text


# --------------------------------------------------------------------------------------- ontology


def test_ontology_page_documents_every_term_with_an_anchor(kb_client, kb):
    reply = kb_client.get("/ontology", {"Accept": "text/html"})
    assert reply.status == 303
    text, page = get_page(kb_client, "/ontology")
    ontology = kb.graph(URIRef(BASE + "graph/ontology"))
    terms = {
        str(s)
        for s in ontology.subjects()
        if isinstance(s, URIRef) and str(s).startswith(RCP) and (s, RDF.type, None) in ontology
    }
    assert len(terms) > 20
    ids = page.ids()
    missing = [t for t in terms if t.split("#", 1)[1] not in ids]
    assert missing == []
    for heading in ("Classes", "Object properties", "Datatype properties", "Concept schemes"):
        assert f">{heading}</h2>" in text
    for scheme in ontology.subjects(RDF.type, SKOS.ConceptScheme):
        assert local(str(scheme)) in page.hrefs()
    assert "/doc/ontology.ttl" in page.hrefs()
    assert kb_client.get("/doc/ontology.ttl").status == 200


def test_ontology_page_gives_domains_and_ranges(kb_client):
    text, _ = get_page(kb_client, "/ontology")
    term = text.split('id="yearEstablished"', 1)[1].split("</section>", 1)[0]
    assert "Domain" in term and "Range" in term and "xsd:gYear" in term


# ------------------------------------------------------------------------------------------ search


@pytest.mark.parametrize(
    "q, first",
    [
        ("soderkoping", "/id/process/soderkoping-process"),
        ("SÖDERKÖPING", "/id/process/soderkoping-process"),
        ("Bali", "/id/process/bali-process"),
        ("hungary", "/id/country/hun"),
        ("IOM", "/id/organization/iom"),
    ],
)
def test_search_finds_by_name_ignoring_case_and_accents(kb_client, q, first):
    text, page = get_page(kb_client, "/search?" + urlencode({"q": q}))
    results = re.findall(r'<li><a href="([^"]+)"', text.split('id="results"', 1)[1])
    assert results[0] == first


def test_search_bp_finds_the_bali_process(kb_client):
    reply = kb_client.get("/search?q=BP&format=json")
    assert reply.status == 200 and reply.media_type == "application/json"
    iris = [r["iri"] for r in json.loads(reply.body)["results"]]
    assert BASE + "id/process/bali-process" in iris[:3]


def test_search_refuses_bad_input_with_400(kb_client):
    assert kb_client.get("/search?" + urlencode({"q": "x" * 201})).status == 400
    assert kb_client.get("/search?q=bali&format=xml").status == 400


def test_search_with_nothing_found_says_so(kb_client):
    text, _ = get_page(kb_client, "/search?q=zzzzqqq")
    assert "0 results" in text and "Nothing matches" in text


# ------------------------------------------------------------------------------------- HTML shape


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/process/budapest-process",
        "/id/country/hun",
        "/id/theme/trafficking",
        "/ontology",
        "/search?q=bali",
        "/id/nothing-here",
    ],
)
def test_pages_are_semantic_html_without_scripts_and_fit_a_phone(pages_client, path):
    reply = pages_client.get(path, {"Accept": "text/html"})
    if reply.status == 303:
        reply = pages_client.get(reply.headers["Location"].split(pages_client.url.rstrip("/"), 1)[-1])
    text = reply.text
    page = Page(text)
    assert '<html lang="en">' in text
    assert any(t == "meta" and a.get("name") == "viewport" for t, a in page.tags)
    assert page.count("h1") == 1
    assert page.count("main") == 1 and page.count("nav") >= 1
    assert "<script" not in text.lower()
    sheets = [a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert sheets == ["/static/style.css"]
    for t, a in page.tags:
        if t == "th" and a.get("scope") is None:
            pytest.fail(f"{path}: a table header without scope")
        if t == "a":
            assert a.get("href"), f"{path}: a link without href"
    css = pages_client.get("/static/style.css")
    assert css.status == 200 and css.media_type == "text/css"


@pytest.fixture(scope="module")
def pages_client(client_factory):
    return client_factory(FIXTURE)


def test_home_says_how_to_cite_the_release_its_rights_and_each_download_with_its_checksum(kb_client, kb_dataset):
    """The landing page states what the dataset's description states: release and date, citation, the licence,
    the rights in the project's work and in the IOM matrix, and the downloads with sizes and SHA-256."""
    import html

    from rdflib import Namespace
    from rdflib.namespace import RDFS

    description = Dataset(default_union=True)
    description.parse(kb_dataset, format="trig")
    dataset = URIRef("https://w3id.org/rcpkg/dataset")
    version = description.value(dataset, Namespace("http://www.w3.org/ns/dcat#").version)
    issued = str(description.value(dataset, DCTERMS.issued))[:10]
    rights = [str(description.value(r, RDFS.label)) for r in description.objects(dataset, DCTERMS.rights)]
    source = description.value(dataset, DCTERMS.source)
    rights += [str(description.value(r, RDFS.label)) for r in description.objects(source, DCTERMS.rights)]
    page = html.unescape(kb_client.get("/").text)
    assert f"Release {version}, built {issued}" in " ".join(page.split()).replace("<strong>", "").replace(
        "</strong>", ""
    )
    assert "Cite as:" in page and f"version {version} ({issued})" in page
    assert str(description.value(dataset, DCTERMS.license)) in page
    assert len(rights) == 2 and all(r in page for r in rights)
    sums = dict(reversed(line.split("  ")) for line in (kb_dataset.parent / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():
        if name != "SHA256SUMS" and (kb_dataset.parent / name).exists():
            assert f"{name}</a>" in page and digest in page, name


# ------------------------------------------------------------------------------- profiles and languages


def test_a_process_profile_maps_each_member_government_that_has_a_shape_and_lists_the_others(kb_client, kb):
    from rcpkg import maps

    for process in sorted(kb.subjects(RDF.type, URIRef(RCP + "RegionalConsultativeProcess"))):
        text, _ = get_page(kb_client, local(str(process)))
        members = {
            str(kb.value(m, URIRef(RCP + "iso3166Numeric")))
            for m in kb.objects(process, URIRef(RCP + "hasMemberGovernment"))
            if kb.value(m, URIRef(RCP + "iso3166Numeric")) is not None
        }
        figure = text.split('<figure class="map"', 1)[1].split("</figure>", 1)[0]
        drawn = {c for c in members if c in maps.shapes()}
        assert figure.count('class="map-member"') == len(drawn), process  # current members
        missing = figure.split('class="missing"', 1)[1] if 'class="missing"' in figure else ""
        for code in members - drawn:
            (country,) = kb.subjects(URIRef(RCP + "iso3166Numeric"), Literal(code))
            assert f'href="{local(str(country))}"' in missing, (process, code)


def test_the_view_of_every_statement_is_one_link_from_a_profile(kb_client):
    text, _ = get_page(kb_client, "/doc/id/process/igc.html")
    assert 'id="summary"' in text and 'id="properties"' not in text
    assert '<a href="?view=statements">' in text
    statements, _ = get_page(kb_client, "/doc/id/process/igc.html?view=statements")
    assert 'id="properties"' in statements and 'id="summary"' not in statements


def test_names_follow_lang_and_accept_language_and_the_answer_varies_with_it(kb_client):
    english = kb_client.get("/doc/id/country/hun.html")
    assert "<h1>Hungary</h1>" in english.text and "Accept-Language" in english.headers["Vary"]
    assert '<h1 lang="fr">Hongrie</h1>' in kb_client.get("/doc/id/country/hun.html?lang=fr").text
    russian = kb_client.get("/doc/id/country/hun.html", {"Accept-Language": "ru-RU, en;q=0.5"})
    assert '<h1 lang="ru">Венгрия</h1>' in russian.text
    assert russian.headers["ETag"] != english.headers["ETag"]
    # an organisation has an English label only: it is shown, and said to be English
    iom = kb_client.get("/doc/id/organization/iom.html?lang=es").text
    assert '<h1 lang="en">International Organization for Migration' in iom


def test_the_iri_of_a_thing_passes_the_page_language_and_view_to_its_document(kb_client):
    reply = kb_client.get("/id/country/hun?lang=fr", {"Accept": "text/html"})
    assert reply.status == 303 and reply.headers["Location"].endswith("/doc/id/country/hun.html?lang=fr")
    reply = kb_client.get("/id/process/igc?view=statements&lang=xx&other=1", {"Accept": "text/html"})
    assert reply.headers["Location"].endswith("/doc/id/process/igc.html?view=statements")
    reply = kb_client.get("/id/country/hun?lang=fr", {"Accept": "text/turtle"})
    assert reply.headers["Location"].endswith("/doc/id/country/hun.ttl")
