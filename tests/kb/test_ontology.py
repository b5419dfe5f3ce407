"""The ontology and its shapes: every term of the project's namespace labelled and defined, every class shaped,
every shape's message readable."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from rcpkg import paths
from rcpkg.namespaces import RCP

ONTOLOGY = Graph().parse(paths.ontology_dir() / "rcp.ttl")
SHAPES = Graph().parse(paths.ontology_dir() / "shapes.ttl")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
TERMS = sorted({s for kind in KINDS for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(RCP))})
CLASSES = sorted(s for s in ONTOLOGY.subjects(RDF.type, OWL.Class) if str(s).startswith(str(RCP)))


def test_the_ontology_has_terms_and_classes():
    assert len(CLASSES) >= 10 and len(TERMS) > len(CLASSES)


@pytest.mark.parametrize("term", TERMS, ids=[t.fragment for t in TERMS])
def test_every_term_has_an_english_label_and_definition(term):
    labels = [lbl for lbl in ONTOLOGY.objects(term, RDFS.label) if lbl.language == "en"]
    definitions = [d for d in ONTOLOGY.objects(term, SKOS.definition) if d.language == "en"]
    assert len(labels) == 1 and len(definitions) == 1, term
    assert len(str(definitions[0]).split()) >= 4, f"{term}: a definition says what the term means"


@pytest.mark.parametrize("cls", CLASSES, ids=[c.fragment for c in CLASSES])
def test_every_class_has_a_shape(cls):
    assert (None, SH.targetClass, cls) in SHAPES


def test_every_constraint_has_a_message_a_person_reads():
    constrained = {s for s in SHAPES.subjects(SH.path, None)} | set(SHAPES.subjects(SH.sparql, None))
    assert constrained
    for node in constrained:
        messages = list(SHAPES.objects(node, SH.message))
        sparql = list(SHAPES.objects(node, SH.sparql))
        messages += [m for s in sparql for m in SHAPES.objects(s, SH.message)]
        assert messages and all(len(str(m).split()) >= 3 for m in messages), node
