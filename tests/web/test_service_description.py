"""The service description's own vocabulary (``ontology/service.ttl``): every term it uses is declared,
labelled and defined there, and the description takes their labels from there."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDFS, SKOS

from rcpkg import paths
from rcpkg.config import Config
from rcpkg.namespaces import SERVICE, SERVICE_VOCABULARY
from rcpkg.store import Store
from rcpkg.web.app import create_app

VOCABULARY = Graph().parse(paths.ontology_dir() / "service.ttl")
DEFINED_BY = SERVICE_VOCABULARY


def test_every_term_of_the_description_is_declared_labelled_and_defined(kb_dataset):
    """The labels come from the loaded dataset's ontology graph, which the build fills from service.ttl."""
    config = Config(dataset=kb_dataset, service_allowlist=("https://query.wikidata.org/sparql",))
    client = create_app(config, Store.load(kb_dataset)).test_client()
    description = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).data, format="turtle")
    used = {p for p in description.predicates() if str(p).startswith(str(SERVICE))}
    assert len(used) == 8
    for term in used:
        assert (term, RDFS.isDefinedBy, DEFINED_BY) in VOCABULARY, term
        for prop in (RDFS.label, RDFS.comment, SKOS.definition):
            values = [v for v in VOCABULARY.objects(term, prop) if v.language == "en"]
            assert len(values) == 1, (term, prop)
        assert set(description.objects(term, RDFS.label)) == set(VOCABULARY.objects(term, RDFS.label))
        assert set(description.objects(term, RDFS.comment)) == set(VOCABULARY.objects(term, RDFS.comment))
