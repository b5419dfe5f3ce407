"""Validation: OWL RL conclusions from the ontology, then SHACL shapes (pyshacl) over data + conclusions.

OWL RL closure (owlrl) over the whole graph is slow (seconds per ten thousand triples), so it runs over what
the ontology's shortcuts need: the membership triples, the types, and the axioms of ``ontology/rcp.ttl``. Its
conclusions about the knowledge base's own things (subjects under the ``id/`` base) are kept as the
``graph/inferred`` named graph, apart from the asserted data."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import ORG, OWL, RDF, RDFS

from rcpkg import paths
from rcpkg.errors import DataError
from rcpkg.namespaces import ID, RCP, SH, bind_prefixes

# Predicates the OWL RL shortcuts are built from (see the property chains and inverses of ontology/rcp.ttl).
_INFERENCE_INPUT = (RDF.type, ORG.organization, ORG.member, RCP.currentMember)


def ontology_files(directory: Path | None = None) -> list[Path]:
    directory = Path(directory or paths.ontology_dir())
    return sorted(p for p in directory.glob("*.ttl") if "shapes" not in p.name)


def shapes_files(directory: Path | None = None) -> list[Path]:
    directory = Path(directory or paths.ontology_dir())
    return sorted(p for p in directory.glob("*.ttl") if "shapes" in p.name)


def _parse(files: list[Path]) -> Graph:
    g = Graph()
    bind_prefixes(g)
    for path in files:
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many kinds of parser errors
            raise DataError(f"{path}: not valid Turtle: {exc}") from None
    return g


def load_ontology(directory: Path | None = None) -> Graph:
    return _parse(ontology_files(directory))


def load_shapes(directory: Path | None = None) -> Graph:
    return _parse(shapes_files(directory))


def infer(data: Graph, ontology: Graph) -> Graph:
    """OWL RL conclusions about the knowledge base's things that are not already asserted."""
    import owlrl

    core = Graph()
    for path in ontology_files():
        if path.name == "rcp.ttl":
            core.parse(path, format="turtle")
    work = Graph()
    for triple in core:
        work.add(triple)
    for predicate in _INFERENCE_INPUT:
        for triple in data.triples((None, predicate, None)):
            work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    inferred = Graph()
    bind_prefixes(inferred)
    base = str(ID)
    for s, p, o in work:
        if not (isinstance(s, URIRef) and str(s).startswith(base)):
            continue
        if p == OWL.sameAs or (p == RDF.type and o in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)):
            continue
        if (s, p, o) in data or (s, p, o) in ontology:
            continue
        inferred.add((s, p, o))
    return inferred


@dataclass
class Violation:
    focus: str
    path: str
    message: str
    severity: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.focus} {self.path}: {self.message}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0
    inferred: int = 0
    seconds_inference: float = 0.0
    seconds_shapes: float = 0.0

    def text(self) -> str:
        head = (f"{'conforms' if self.conforms else 'does NOT conform'}: {self.triples} triples, "
                f"{self.inferred} inferred (OWL RL {self.seconds_inference:.2f} s, SHACL {self.seconds_shapes:.2f} s)")
        return "\n".join([head, *(f"  {v}" for v in self.violations)])


def validate(data: Graph, ontology: Graph | None = None, inferred: Graph | None = None,
             shapes: Graph | None = None) -> tuple[Report, Graph]:
    """Validate ``data``; returns the report and the inferred triples (computed unless given)."""
    import pyshacl

    ontology = ontology if ontology is not None else load_ontology()
    shapes = shapes if shapes is not None else load_shapes()
    t0 = time.perf_counter()
    if inferred is None:
        inferred = infer(data, ontology)
    t1 = time.perf_counter()
    union = Graph()
    for g in (data, ontology, inferred):
        for triple in g:
            union.add(triple)
    conforms, results, _ = pyshacl.validate(union, shacl_graph=shapes, inference="none", advanced=True,
                                            allow_warnings=True)
    t2 = time.perf_counter()
    violations = []
    def one(result, p) -> str:
        value = results.value(result, p)
        return "" if value is None else (value.n3(union.namespace_manager) if hasattr(value, "n3") else str(value))

    for result in results.subjects(RDF.type, SH.ValidationResult):
        message = results.value(result, SH.resultMessage)
        violations.append(Violation(one(result, SH.focusNode), one(result, SH.resultPath), str(message or ""),
                                    one(result, SH.resultSeverity).replace("sh:", "")))
    violations.sort(key=lambda v: (v.focus, v.path, v.message))
    report = Report(bool(conforms), violations, len(data), len(inferred), t1 - t0, t2 - t1)
    return report, inferred
