"""Namespaces and IRI bases of the knowledge base (see DESIGN: IRIs)."""

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

DATA_GRAPH = GRAPH["data"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
INFERRED_GRAPH = GRAPH["inferred"]
METADATA_GRAPH = GRAPH["metadata"]
DATASET = URIRef(BASE + "dataset")

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


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes, replacing rdflib's defaults so output is stable."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
