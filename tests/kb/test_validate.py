"""Validation fails when the data is wrong: the three ways a user editing the Turtle broke it unnoticed, the
restricted OWL RL closure against owlrl's, and what each view of the knowledge base holds."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF, RDFS

from rcpkg import inference, validate
from rcpkg.errors import DataError
from rcpkg.namespaces import ID, RCP

IOM = ID["organization/iom"]
MEMBERSHIP = ID["membership/budapest-process/organization-iom/observer-or-partner"]
MEMBER_MESSAGE = "A membership has exactly one member, stated to be a country, territory, organisation"


@pytest.fixture(scope="module")
def ontology():
    return validate.load_ontology()


def _copy(g: Graph) -> Graph:
    out = Graph()
    for triple in g:
        out.add(triple)
    return out


def _member_violations(report):
    return [v for v in report.violations if v.path == "org:member" and v.component == "sh:ClassConstraintComponent"]


@pytest.mark.parametrize(
    "member",
    [
        ID["organization/described-nowhere"],
        ID["source/iom-rcp-matrix-2008/row/17/governments"],
    ],
    ids=["described-nowhere", "source-cell"],
)
def test_a_member_that_is_not_an_agent_by_its_stated_type_fails(built, ontology, member):
    data = _copy(built.data)
    assert (MEMBERSHIP, ORG.member, IOM) in data
    data.set((MEMBERSHIP, ORG.member, member))
    report, _ = validate.validate(data, ontology)
    assert not report.conforms
    found = _member_violations(report)
    assert [v.focus for v in found] == [MEMBERSHIP.n3()], report.text()
    assert found[0].message.startswith(MEMBER_MESSAGE) and found[0].value == member.n3()


def test_an_untyped_organisation_member_fails_for_each_of_its_memberships(built, ontology):
    data = _copy(built.data)
    data.remove((IOM, RDF.type, None))
    report, _ = validate.validate(data, ontology)
    assert not report.conforms
    found = _member_violations(report)
    assert len(found) == len(set(data.subjects(ORG.member, IOM))) > 10
    assert all(v.value == IOM.n3() and v.message.startswith(MEMBER_MESSAGE) for v in found)
    assert MEMBERSHIP.n3() in {v.focus for v in found}


def test_the_report_prints_focus_path_and_message(built, ontology):
    data = _copy(built.data)
    data.set((MEMBERSHIP, ORG.member, ID["organization/described-nowhere"]))
    report, _ = validate.validate(data, ontology)
    text = report.text()
    assert text.startswith("does NOT conform")
    assert f"Violation: {MEMBERSHIP.n3()} org:member: {MEMBER_MESSAGE}" in text
    assert f"(value: {ID['organization/described-nowhere'].n3()})" in text


def test_the_restricted_closure_gives_what_owlrl_gives(built, ontology):
    fast = inference.infer(built.data, ontology)
    reference = inference.infer_with_owlrl(built.data, ontology)
    assert set(fast) == set(reference) and len(fast) > 2000


def test_the_closure_refuses_an_axiom_it_does_not_implement():
    core = Graph()
    core.add((RCP.hasParticipant, RDF.type, URIRef("http://www.w3.org/2002/07/owl#TransitiveProperty")))
    with pytest.raises(DataError, match="TransitiveProperty"):
        inference._axioms_of(core, "rcp.ttl")


def test_the_asserted_view_holds_no_conclusion_and_no_range_type(built, ontology):
    views = validate.views(built.data, ontology, built.inferred)
    asserted, entailed = views[validate.ASSERTED], views[validate.ENTAILED]
    agent = URIRef("http://xmlns.com/foaf/0.1/Agent")
    assert (IOM, RDF.type, agent) in built.inferred  # by the range of rcp:hasParticipant
    assert (IOM, RDF.type, agent) not in asserted and (IOM, RDF.type, agent) not in entailed
    assert not set(asserted.triples((None, RCP.hasMemberGovernment, None)))
    assert set(entailed.triples((None, RCP.hasMemberGovernment, None)))
    assert (URIRef("http://www.w3.org/ns/org#Organization"), RDFS.subClassOf, agent) in asserted


def test_every_shapes_file_has_a_view():
    files = validate.shapes_files()
    assert {validate.view_of(f) for f in files} == {validate.ASSERTED, validate.ENTAILED}
    sets = validate.load_shape_sets()
    assert len(sets[validate.ASSERTED]) and len(sets[validate.ENTAILED])


def test_flattened_shapes_hold_the_same_constraints():
    flat, stated = validate.load_shape_sets(), validate.load_shape_sets(flatten=False)
    for view in (validate.ASSERTED, validate.ENTAILED):
        assert validate.constraints(flat[view]) == validate.constraints(stated[view])
        assert len(flat[view]) > len(stated[view])


def test_another_vocabulary_in_the_ontology_folder_is_tolerated(built, tmp_path):
    """Every ontology/*.ttl without "shapes" in its name joins the ontology graph (a service description
    vocabulary, say): validation reads only subclass axioms and the concept schemes from it."""
    import shutil

    from rcpkg import paths

    folder = tmp_path / "ontology"
    shutil.copytree(paths.ontology_dir(), folder)
    (folder / "service.ttl").write_text(
        """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/rcpkg/ontology/service> a owl:Ontology ; rdfs:label "service"@en .
<https://w3id.org/rcpkg/sparql> a sd:Service ; dcterms:subject <https://w3id.org/rcpkg/sparql#limits> ;
    sd:endpoint <https://w3id.org/rcpkg/sparql> .
<https://w3id.org/rcpkg/ontology#maxQueryDepth> a owl:DatatypeProperty ; rdfs:domain sd:Service ;
    rdfs:label "maximum query depth"@en .
sd:Service rdfs:subClassOf skos:Concept .
""",
        encoding="utf-8",
    )
    ontology = validate.load_ontology(folder)
    assert (URIRef("https://w3id.org/rcpkg/sparql"), None, None) in ontology
    report, _ = validate.validate(built.data, ontology)  # inference and both views over this ontology
    assert report.conforms, report.text()


def test_the_build_records_the_time_of_each_stage(kb_build):
    """The pipeline times its stages; ``rcpkg build`` adds writing the dataset and the dumps, and prints them."""
    built = kb_build.built
    assert list(built.stages) == ["extract", "graph", "OWL RL", "SHACL", "dataset", "dumps"]
    assert all(seconds >= 0 for seconds in built.stages.values())
    assert built.stages["SHACL"] == built.report.seconds_shapes
    printed = next(line for line in kb_build.stdout.splitlines() if line.startswith("stages: "))
    assert [part.split()[0] for part in printed[len("stages: ") :].split(", ")] == [
        "extract",
        "graph",
        "OWL",
        "SHACL",
        "dataset",
        "dumps",
    ]


def test_a_missing_ontology_file_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "ontology").mkdir()
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    with pytest.raises(DataError, match="rcp.ttl not found"):
        inference.infer(Graph(), Graph())
