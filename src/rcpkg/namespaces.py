"""Namespaces and fixed IRIs of the knowledge base (see DESIGN: IRIs).

This module holds the IRIs that are spelt once and never built from a key: the base and its namespaces, the
named graphs, the dataset, its endpoint, and the namespaces of other datasets and vocabularies, with the shape of
their identifiers (``wikidata_iri``, ``geonames_iri``: an identifier of a reference table as the other dataset
spells it). IRIs built from the project's own keys are minted by ``rcpkg.graph``; no other module builds IRIs
(``tests/test_graph_iris.py``).
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

BASE = "https://w3id.org/rcpkg/"
RCP = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SERVICE = Namespace(BASE + "service#")  # the endpoint's limits (ontology/service.ttl)
SERVICE_VOCABULARY = URIRef(BASE + "service")  # the owl:Ontology of ontology/service.ttl
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")
GEONAMES = "https://sws.geonames.org/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")

DATA_GRAPH = GRAPH["data"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
INFERRED_GRAPH = GRAPH["inferred"]
METADATA_GRAPH = GRAPH["metadata"]

#: The knowledge base as a dataset (VoID, DCAT): the subject of graph/metadata.
DATASET = URIRef(BASE + "dataset")
HOMEPAGE = URIRef(BASE)
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
SPARQL_DISTRIBUTION = URIRef(BASE + "sparql#distribution")
#: Nodes of the dataset's description (rcpkg.void): the rights in the knowledge base, the rights in its source as
#: far as the project knows them, its publisher, its contact point (when the operator names one) and the build.
DATASET_RIGHTS = URIRef(BASE + "dataset#rights")
SOURCE_RIGHTS = URIRef(BASE + "dataset#source-rights")
PUBLISHER = URIRef(BASE + "dataset#publisher")
CONTACT_POINT = URIRef(BASE + "dataset#contact")
BUILD = URIRef(BASE + "dataset#build")
DUMPS = Namespace(BASE + "dumps/")

PREFIXES = {
    "rcp": RCP,
    "id": ID,
    "org": ORG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "time": TIME,
    "schema": SCHEMA,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "void": VOID,
    "dcat": DCAT,
    "sh": SH,
    "wd": WD,
}


def rebase(iri: URIRef, base: str) -> URIRef:
    """``iri`` (one of the project's, under ``BASE``) under another base: the same thing in data published with
    another ``base_iri`` (``Config.base_iri``)."""
    return iri if base == BASE or not str(iri).startswith(BASE) else URIRef(base + str(iri)[len(BASE) :])


def wikidata_iri(qid: str) -> URIRef:
    """A Wikidata item: ``Q472311`` -> http://www.wikidata.org/entity/Q472311."""
    return WD[qid]


def geonames_iri(geonames_id: str) -> URIRef:
    """A GeoNames feature as GeoNames names it in RDF, with its trailing slash: https://sws.geonames.org/719819/."""
    return URIRef(GEONAMES + geonames_id + "/")


def pypi_release_iri(name: str, version: str) -> URIRef:
    """A release of a Python distribution on PyPI: rdflib 7.1.4 -> https://pypi.org/project/rdflib/7.1.4/."""
    return URIRef(f"https://pypi.org/project/{name}/{version}/")


def namespace_of(term: URIRef) -> str:
    """The namespace of a term: its IRI up to the last ``#``, else up to the last ``/`` ("" for neither)."""
    text = str(term)
    if "#" in text:
        return text.rsplit("#", 1)[0] + "#"
    if "/" in text:
        return text.rsplit("/", 1)[0] + "/"
    return ""


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes, replacing rdflib's defaults so output is stable."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
