"""The VoID / DCAT description is counted from the dataset it describes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from rcpkg import graph, paths, source
from rcpkg.dump import OUTPUT_PREFIXES, used_prefixes
from rcpkg.errors import RcpkgError
from rcpkg.namespaces import DATA_GRAPH, DATASET
from rcpkg.void import DUMP_FILES, build_date, describe

FIXTURE = Path(__file__).parent / "fixtures" / "endpoint-small.trig"
DS = URIRef("https://w3id.org/rcpkg/dataset")
RCP = "https://w3id.org/rcpkg/ontology#"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    ds.parse(FIXTURE, format="trig")
    return ds


@pytest.fixture(scope="module")
def void(dataset):
    return describe(dataset)


def value(graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return values[0].toPython() if isinstance(values[0], Literal) else values[0]


def test_counts_come_from_the_described_graphs(void):
    # data 97 + ontology 22 + inferred 6 = 125; the metadata graph itself is not counted
    assert value(void, DS, VOID.triples) == 125
    assert value(void, DS, VOID.classes) == 9
    assert value(void, DS, VOID.entities) > 20


def test_class_and_property_partitions(void):
    parts = {
        value(void, p, VOID["class"]): value(void, p, VOID.entities) for p in void.objects(DS, VOID.classPartition)
    }
    assert parts[URIRef(RCP + "RegionalConsultativeProcess")] == 3
    assert parts[URIRef(RCP + "Country")] == 4
    props = {
        value(void, p, VOID.property): value(void, p, VOID.triples) for p in void.objects(DS, VOID.propertyPartition)
    }
    assert props[URIRef(RCP + "hasMemberGovernment")] == 6
    assert value(void, DS, VOID.properties) == len(props)


def test_one_subset_per_named_graph(void):
    subsets = {
        str(value(void, s, URIRef("http://www.w3.org/ns/sparql-service-description#name"))): value(
            void, s, VOID.triples
        )
        for s in void.objects(DS, VOID.subset)
        if (s, RDF.type, VOID.Dataset) in void
    }
    assert subsets == {
        "https://w3id.org/rcpkg/graph/data": 97,
        "https://w3id.org/rcpkg/graph/ontology": 22,
        "https://w3id.org/rcpkg/graph/inferred": 6,
    }


def test_linksets_by_target(dataset, void):
    linksets = list(void.subjects(RDF.type, VOID.Linkset))
    assert len(linksets) == 1
    ls = linksets[0]
    assert value(void, ls, VOID.objectsTarget) == URIRef("https://www.wikidata.org/")
    assert value(void, ls, VOID.linkPredicate) == OWL.sameAs
    assert value(void, ls, VOID.triples) == 1
    # a GeoNames link makes a second linkset
    extended = Dataset()
    for quad in dataset.quads():
        extended.add(quad)
    extended.graph(DATA_GRAPH).add(
        (
            URIRef("https://w3id.org/rcpkg/id/country/hun"),
            URIRef("https://schema.org/sameAs"),
            URIRef("https://sws.geonames.org/719819/"),
        )
    )
    targets = {
        value(describe(extended), ls, VOID.objectsTarget) for ls in describe(extended).subjects(RDF.type, VOID.Linkset)
    }
    assert targets == {URIRef("https://www.wikidata.org/"), URIRef("https://www.geonames.org/")}


def test_licence_source_dumps_and_endpoint(void):
    assert value(void, DS, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert value(void, DS, DCTERMS.source) == URIRef("https://w3id.org/rcpkg/id/source/iom-rcp-matrix-2008")
    assert value(void, DS, VOID.sparqlEndpoint) == URIRef("https://w3id.org/rcpkg/sparql")
    dumps = set(void.objects(DS, VOID.dataDump))
    assert dumps == {URIRef(f"https://w3id.org/rcpkg/dumps/{d.name}") for d in DUMP_FILES}
    for dump in dumps:
        assert (dump, RDF.type, DCAT.Distribution) in void
        assert value(void, dump, DCAT.downloadURL) == dump
    assert (URIRef("https://w3id.org/rcpkg/sparql"), RDF.type, DCAT.DataService) in void


def test_the_source_comes_from_the_sources_table(dataset, tmp_path, monkeypatch):
    """What the description says of the source (its IRI, label, the words of the description) is the row of
    data/reference/sources.csv that names the file read, not a constant of the code."""
    ref = tmp_path / "data" / "reference"
    ref.mkdir(parents=True)
    (ref / "sources.csv").write_text(
        "key,year,label,short_label,title,publisher,file,sha256\n"
        f"iom-rcp-matrix-2010,2010,The IOM matrix of 2010,IOM matrix of RCPs (2010),,iom,m.txt,{'0' * 64}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    described = describe(dataset, modified=None)
    edition = URIRef("https://w3id.org/rcpkg/id/source/iom-rcp-matrix-2010")
    assert value(described, DS, DCTERMS.source) == edition
    assert value(described, edition, RDFS.label) == "The IOM matrix of 2010"
    assert "built from the IOM matrix of RCPs (2010), with every fact" in value(described, DS, DCTERMS.description)


def test_the_description_names_what_graph_mints(void):
    assert graph.class_partition_iri(URIRef(RCP + "Country")) in set(void.objects(DS, VOID.classPartition))
    assert graph.property_partition_iri(OWL.sameAs) in set(void.objects(DS, VOID.propertyPartition))
    assert graph.graph_subset_iri(DATA_GRAPH) in set(void.objects(DS, VOID.subset))
    assert graph.linkset_iri("wikidata", OWL.sameAs) in set(void.objects(DS, VOID.subset))
    assert {graph.dump_iri(d.name) for d in DUMP_FILES} == set(void.objects(DS, VOID.dataDump))
    assert value(void, DS, DCTERMS.source) == graph.document_iri(source.document())
    assert DS == DATASET


def test_the_same_dataset_gives_the_same_description(dataset, void):
    assert isomorphic(describe(dataset), void)
    first = sorted(describe(dataset).serialize(format="nt").splitlines())
    assert first == sorted(void.serialize(format="nt").splitlines())


# ------------------------------------------------------------------------- date of the inputs, prefixes


def test_the_dataset_states_when_its_inputs_last_changed(dataset):
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    dated = describe(dataset, modified=when)
    assert value(dated, DS, DCTERMS.modified) == when
    assert next(dated.objects(DS, DCTERMS.modified)).datatype == XSD.dateTime
    assert (DS, DCTERMS.modified, None) not in describe(dataset, modified=None)


def test_build_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_date() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(RcpkgError, match="SOURCE_DATE_EPOCH"):
        build_date()


def test_build_date_comes_from_the_inputs_history_not_the_clock_or_file_times(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_date()
    assert build_date() == first
    git = shutil.which("git")
    inside = git and subprocess.run([git, "-C", str(paths.home()), "rev-parse"], capture_output=True).returncode == 0
    if not inside:
        assert first is None
        return
    stamp = subprocess.run(
        [
            git,
            "-C",
            str(paths.home()),
            "log",
            "-1",
            "--format=%ct",
            "--",
            "data/source",
            "data/reference",
            "ontology",
            "src/rcpkg",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert first == (datetime.fromtimestamp(int(stamp), UTC) if stamp else None)


def test_the_description_binds_only_meaningful_prefixes(void):
    turtle = void.serialize(format="turtle")
    assert "ns1:" not in turtle and "brick:" not in turtle and "csvw:" not in turtle
    assert "@prefix void:" in turtle and "@prefix sd:" in turtle and "@prefix foaf:" in turtle
    bound = {prefix for prefix, _ in void.namespaces()}
    assert bound <= set(OUTPUT_PREFIXES)
    context = used_prefixes(void)
    assert "void" in context and "sh" not in context and "schema" not in context


# ------------------------------------------------------------------------------- contact point, release, build

DCAT_CONTACT = URIRef("http://www.w3.org/ns/dcat#contactPoint")
VCARD = "http://www.w3.org/2006/vcard/ns#"


@pytest.mark.parametrize(
    ("given", "predicate"),
    [("mailto:data@example.org", VCARD + "hasEmail"), ("https://example.org/contact", VCARD + "hasURL")],
)
def test_the_contact_point_is_the_one_the_operator_names(dataset, monkeypatch, given, predicate):
    monkeypatch.setenv("RCPKG_CONTACT", given)
    described = describe(dataset, modified=None)
    contact = URIRef("https://w3id.org/rcpkg/dataset#contact")
    assert value(described, DS, DCAT_CONTACT) == contact
    assert value(described, URIRef("https://w3id.org/rcpkg/sparql"), DCAT_CONTACT) == contact
    assert value(described, contact, URIRef(predicate)) == URIRef(given)


def test_no_contact_point_is_invented(dataset, monkeypatch):
    monkeypatch.delenv("RCPKG_CONTACT", raising=False)
    assert (None, DCAT_CONTACT, None) not in describe(dataset, modified=None)


@pytest.mark.parametrize("given", ["data@example.org", "ftp://example.org/", "mailto:", "https://exa mple.org/"])
def test_a_contact_that_is_no_mailto_or_https_address_is_an_error(dataset, monkeypatch, given):
    monkeypatch.setenv("RCPKG_CONTACT", given)
    with pytest.raises(RcpkgError, match="RCPKG_CONTACT must be a mailto: or https: address"):
        describe(dataset, modified=None)


def test_the_release_and_the_libraries_that_built_it(void):
    from importlib.metadata import version

    assert value(void, DS, URIRef("http://www.w3.org/ns/dcat#version")) == version("rcpkg")
    build = value(void, DS, URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))
    used = set(void.objects(build, URIRef("http://www.w3.org/ns/prov#used")))
    assert URIRef(f"https://pypi.org/project/rdflib/{version('rdflib')}/") in used
    assert {str(u).split("/")[4] for u in used} == {"rdflib", "pyoxigraph", "pyshacl"}
