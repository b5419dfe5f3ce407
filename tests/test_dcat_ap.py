"""The description of the dataset (graph/metadata of the built rcp.trig) conforms to DCAT-AP 3.0, checked with
SEMIC's own SHACL shapes (vendored under tests/fixtures/dcat-ap/, see its README.md): no violation of the
mandatory (shapes.ttl) or range (range.ttl) shapes; every recommended property left out (shapes_recommended.ttl)
is named, with its reason, in docs/publishing.md."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

from rcpkg.namespaces import DATASET, METADATA_GRAPH, SPARQL_ENDPOINT

ROOT = Path(__file__).parent.parent
SHAPES = Path(__file__).parent / "fixtures" / "dcat-ap"
PUBLISHING = ROOT / "docs" / "publishing.md"
PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
CLASSES = ("dcat:DataService", "dcat:Distribution", "dcat:Dataset", "vcard:Kind", "foaf:Agent")


@cache
def shapes(name: str) -> Graph:
    return Graph().parse(SHAPES / name, format="turtle")


def results(description: Graph, name: str) -> list[tuple[str, str, str]]:
    """(severity, focus node, path) of each result of the shapes file ``name`` over ``description``."""
    _, report, _ = validate(description, shacl_graph=shapes(name), inference="none", allow_warnings=True)
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[1]
        out.append((severity, str(report.value(result, SH.focusNode)), curie(report.value(result, SH.resultPath))))
    return sorted(out)


def curie(iri) -> str:
    for prefix, namespace in PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace) :]}"
    return str(iri)


def described_class(description: Graph, focus: str) -> str:
    """The DCAT-AP class a focus node is described as (the first of ``CLASSES`` it has)."""
    types = {curie(t) for t in description.objects(URIRef(focus), RDF.type)}
    return next((cls for cls in CLASSES if cls in types), focus)


def left_out_in_docs() -> set[tuple[str, str]]:
    """(class, property) of each row of the table of recommended properties left out in docs/publishing.md."""
    text = PUBLISHING.read_text(encoding="utf-8")
    section = text.split("## Recommended properties left out", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z]+:[A-Za-z]+)` \| `([a-z]+:[A-Za-z]+)` \| [^|]*\S[^|]* \|$", section, re.M)
    return {(cls, prop) for prop, cls in rows}


@pytest.fixture(scope="module")
def description(kb_dataset) -> Graph:
    ds = Dataset()
    ds.parse(kb_dataset, format="trig")
    g = Graph()
    for triple in ds.graph(METADATA_GRAPH):
        g.add(triple)
    assert len(g) > 100
    return g


def copy(graph: Graph) -> Graph:
    out = Graph()
    for triple in graph:
        out.add(triple)
    return out


@pytest.mark.parametrize("name", ["shapes.ttl", "range.ttl"])
def test_the_description_violates_no_mandatory_or_range_shape(description, name):
    violations = results(description, name)
    assert not violations, f"{len(violations)} DCAT-AP 3.0 violations of {name}: {violations[:10]}"


def test_every_recommended_property_left_out_is_named_with_its_reason(description):
    warnings = results(description, "shapes_recommended.ttl")
    left = {(described_class(description, focus), path) for _, focus, path in warnings}
    print(f"\nDCAT-AP 3.0 recommended properties left out ({len(warnings)} warnings):")
    for severity, focus, path in warnings:
        print(f"  {severity}: {focus} {path}")
    documented = left_out_in_docs()
    assert left <= documented, f"left out but not in docs/publishing.md: {sorted(left - documented)}"
    assert documented <= left, f"docs/publishing.md names as left out what the description states: {documented - left}"


# --------------------------------------------------------------------- the checks can fail (mutations)

MUTATIONS = {
    # main before the description was made to conform: distributions without dcat:accessURL (mandatory) ...
    "a distribution without an access URL": ("shapes.ttl", lambda g: g.remove((None, DCAT.accessURL, None))),
    "a dataset without a title": ("shapes.ttl", lambda g: g.remove((DATASET, DCTERMS.title, None))),
    # ... and values not typed as their range (media types, licence documents, the standard, the language)
    "media types not typed dct:MediaType": ("range.ttl", lambda g: g.remove((None, RDF.type, DCTERMS.MediaType))),
    "a licence not typed dct:LicenseDocument": (
        "range.ttl",
        lambda g: g.remove((None, RDF.type, DCTERMS.LicenseDocument)),
    ),
    "a source that is not a dcat:Dataset": (
        "range.ttl",
        lambda g: g.remove((g.value(DATASET, DCTERMS.source), RDF.type, DCAT.Dataset)),
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_description_that_breaks_a_shape_fails(description, mutation):
    name, mutate = MUTATIONS[mutation]
    broken = copy(description)
    mutate(broken)
    assert results(broken, name), mutation


def test_a_recommended_property_dropped_is_caught_by_the_docs_check(description):
    broken = copy(description)
    broken.remove((SPARQL_ENDPOINT, DCTERMS.publisher, None))
    left = {(described_class(broken, f), p) for _, f, p in results(broken, "shapes_recommended.ttl")}
    assert ("dcat:DataService", "dct:publisher") in left - left_out_in_docs()


def test_a_contact_point_the_operator_names_conforms_and_fills_the_recommendation(monkeypatch):
    from rcpkg.void import describe

    dataset = Dataset()
    dataset.parse(Path(__file__).parent / "fixtures" / "endpoint-small.trig", format="trig")
    monkeypatch.setenv("RCPKG_CONTACT", "mailto:data@example.org")
    described = describe(dataset, modified=None)
    assert not results(described, "shapes.ttl") and not results(described, "range.ttl")
    left = {(described_class(described, f), p) for _, f, p in results(described, "shapes_recommended.ttl")}
    assert ("dcat:DataService", "dcat:contactPoint") not in left
    assert {
        focus for _, focus, path in results(described, "shapes_recommended.ttl") if path == "dcat:contactPoint"
    } == {str(described.value(DATASET, DCTERMS.source))}
