"""The built knowledge base: every column of every row represented, provenance on every fact, shapes pass."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS

from rcpkg import graph, paths, source
from rcpkg.namespaces import ID, RCP

MATRIX = source.read(source.source_file())
CELLS = [(p.name, c) for p in MATRIX.processes for cells in p.cells.values() for c in cells if not c.is_empty]


def test_the_built_knowledge_base_conforms(built):
    assert built.report.conforms, built.report.text()
    assert built.report.inferred > 0


@pytest.mark.parametrize("name,cell", CELLS, ids=[f"row{c.row}-{source.column_slug(c.column)}" for _, c in CELLS])
def test_every_cell_is_kept_verbatim_and_cited_by_its_process(built, name, cell):
    iri = graph.cell_iri(cell)
    assert built.data.value(iri, RCP.sourceText) == Literal(cell.raw)
    assert built.data.value(iri, RCP.row) == Literal(cell.row)
    assert built.data.value(iri, RCP.column) == Literal(cell.column)
    processes = set(built.data.subjects(PROV.wasDerivedFrom, iri))
    assert any((p, RDF.type, RCP.RegionalConsultativeProcess) in built.data for p in processes)


@pytest.mark.parametrize("process", MATRIX.processes, ids=[p.name[:40] for p in MATRIX.processes])
def test_every_column_text_is_on_the_process(built, process):
    iri = next(built.data.subjects(RCP.nameInSource, Literal(process.name, lang="en")))
    for column, prop in graph.COLUMN_PROPERTY.items():
        assert str(built.data.value(iri, prop)) == process.text(column)


def test_every_membership_points_to_its_source_cell(built):
    memberships = set(built.data.subjects(RDF.type, ORG.Membership))
    assert len(memberships) > 500
    for m in memberships:
        cells = list(built.data.objects(m, PROV.wasDerivedFrom))
        assert cells and all((c, RDF.type, RCP.SourceCell) in built.data for c in cells)


def test_the_property_chain_gives_member_governments_in_the_inferred_graph(built):
    budapest = ID["process/budapest-process"]
    assert len(set(built.inferred.objects(budapest, RCP.hasMemberGovernment))) == 49
    assert (ID["country/blr"], RCP.memberGovernmentOf, budapest) in built.inferred
    assert (budapest, RCP.hasMemberGovernment, ID["country/blr"]) not in built.data
    assert (ID["country/nzl"], RCP.memberGovernmentOf, ID["process/apc"]) not in built.inferred


def test_footnote_processes_and_editions(built):
    for key in ("cluster-process", "marri-regional-forum", "ocam", "pidc", "jcms"):
        assert (ID[f"process/{key}"], RDF.type, RCP.OtherRegionalGroupOnMigration) in built.data
    years = sorted(str(y) for y in built.data.objects(None, RCP.editionYear))
    assert years == ["2005", "2007", "2008"]


def test_footnote_processes_carry_what_the_footnote_says_and_their_curated_names(built):
    marri = ID["process/marri-regional-forum"]
    description = str(built.data.value(marri, DCTERMS.description))
    assert description.startswith("Although not included in this matrix, other regional groups on migration exist")
    assert "Examples include the Cluster Process" in description and description.endswith("(JCMs).")
    assert str(built.data.value(marri, RCP.acronym)) == "MARRI"
    assert str(built.data.value(ID["process/pidc"], RDFS.label)) == "Pacific Immigration Directors Conference"
    assert built.data.value(ID["process/cluster-process"], RCP.acronym) is None


@pytest.mark.parametrize(
    "edition,starts,creators",
    [
        ("iom-rcp-matrix-2005", "This matrix is based on a matrix prepared by", {"iom", "gcim"}),
        ("iom-rcp-matrix-2007", "It has been updated by IOM", {"iom"}),
        ("iom-rcp-matrix-2008", "It has been updated by IOM", {"iom"}),
    ],
)
def test_each_edition_has_its_own_sentence_and_creators(built, edition, starts, creators):
    iri = ID[f"source/{edition}"]
    descriptions = [str(d) for d in built.data.objects(iri, DCTERMS.description)]
    assert len(descriptions) == 1 and descriptions[0].startswith(starts)
    assert "Examples include" not in descriptions[0]
    assert {str(c).rsplit("/", 1)[1] for c in built.data.objects(iri, DCTERMS.creator)} == creators


def test_territories_and_their_states(built):
    assert (ID["country/hkg"], RDF.type, RCP.Territory) in built.data
    assert (ID["country/ncl"], RCP.territoryOf, ID["country/fra"]) in built.data


def test_entities_cite_the_reference_table_they_come_from(built):
    assert (ID["country/hkg"], PROV.wasDerivedFrom, ID["source/reference/territories"]) in built.data
    assert (ID["organization/iom"], PROV.wasDerivedFrom, ID["source/reference/organizations"]) in built.data


def test_themes_are_assigned_from_the_main_areas(built):
    trafficking = ID["theme/trafficking"]
    assert (ID["process/bali-process"], DCTERMS.subject, trafficking) in built.data
    assert (ID["process/midsa"], DCTERMS.subject, ID["theme/labour-migration"]) in built.data


def test_labels_are_english_and_years_are_gyear(built):
    label = built.data.value(ID["process/bali-process"], RDFS.label)
    assert label.language == "en"
    year = built.data.value(ID["process/bali-process"], RCP.yearEstablished)
    assert str(year) == "2002" and year.datatype == URIRef("http://www.w3.org/2001/XMLSchema#gYear")


def test_the_committed_build_is_what_the_source_gives(built):
    from rcpkg.dump import turtle_bytes

    assert paths.built_data().read_bytes() == turtle_bytes(built.data)
