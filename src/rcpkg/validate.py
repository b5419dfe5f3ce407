"""Validation: OWL RL conclusions from the ontology, then SHACL shapes (pyshacl), each shape over the graph it is
about.

Two views of the knowledge base are validated, each against its own shapes files:

- ``asserted``: what the data states, plus the ontology's subclass axioms (``ontology/rcp.ttl`` and the
  reused vocabularies' axioms of ``ontology/vocabularies.ttl``) and the concept schemes (roles, statuses,
  regions, themes). Every shapes file but ``shortcuts-shapes.ttl``. No OWL RL conclusion is in this view: a
  type that only an ``rdfs:range`` or ``rdfs:domain`` axiom gives (every member is a ``foaf:Agent`` by the
  range of ``rcp:currentMember``) would make ``sh:class`` constraints impossible to fail.
- ``entailed``: the same, plus the property values OWL RL derives (``graph/inferred`` without its
  ``rdf:type`` triples). ``shortcuts-shapes.ttl``: the shortcuts (``rcp:hasMemberGovernment``, ...) are
  checked after inference, against the classes the data states.

The OWL RL conclusions come from ``rcpkg.inference``."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from rcpkg import paths
from rcpkg.files import parse_rdf, shorten
from rcpkg.inference import infer
from rcpkg.namespaces import ID, SH, bind_prefixes

ASSERTED, ENTAILED = "asserted", "entailed"
#: Shapes files checked over the entailed view; every other ``*shapes*.ttl`` is checked over the asserted view.
ENTAILED_SHAPES = ("shortcuts-shapes.ttl",)


def ontology_files(directory: Path | None = None) -> list[Path]:
    directory = Path(directory or paths.ontology_dir())
    return sorted(p for p in directory.glob("*.ttl") if "shapes" not in p.name)


def shapes_files(directory: Path | None = None) -> list[Path]:
    directory = Path(directory or paths.ontology_dir())
    return sorted(p for p in directory.glob("*.ttl") if "shapes" in p.name)


def view_of(shapes_file: Path) -> str:
    """The view (``asserted`` or ``entailed``) a shapes file is checked over."""
    return ENTAILED if Path(shapes_file).name in ENTAILED_SHAPES else ASSERTED


def _parse(files: list[Path]) -> Graph:
    g = Graph()
    bind_prefixes(g)
    for path in files:
        parse_rdf(g, path, "turtle", "Turtle")
    return g


@functools.lru_cache(maxsize=8)
def _parse_cached(files: tuple[tuple[Path, int, int], ...]) -> Graph:
    return _parse([path for path, _, _ in files])


def _stamped(files: list[Path]) -> tuple[tuple[Path, int, int], ...]:
    """The files with their versions (modification time and size), the key of the caches."""
    return tuple((p, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def load_ontology(directory: Path | None = None) -> Graph:
    return _parse(ontology_files(directory))


def load_shape_sets(directory: Path | None = None, flatten: bool = True) -> dict[str, Graph]:
    """The shapes of each view: ``{"asserted": Graph, "entailed": Graph}`` (parsed once per file version).

    ``flatten``: property shapes given to their node shape's targets (see ``_flattened``), as pyshacl runs
    them; ``False`` gives the shapes as the files state them."""
    files = shapes_files(directory)
    sets = {view: _parse_cached(_stamped([f for f in files if view_of(f) == view])) for view in (ASSERTED, ENTAILED)}
    return {view: _flattened(g) for view, g in sets.items()} if flatten else sets


#: Links a property shape that ``_flattened`` detached from its node shape to that node shape.
PROPERTY_OF = URIRef("urn:rcpkg:shapes:propertyOf")
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


@functools.lru_cache(maxsize=8)
def _flattened(shapes: Graph) -> Graph:
    """The same constraints with each property shape of a targeted node shape as a shape of its own, with the
    node shape's targets. pyshacl validates a property shape reached through sh:property once per focus node,
    and a targeted one once for all its focus nodes: the same results, several times faster. Node shapes that
    other shapes refer to (sh:node, sh:or, ...) are left as they are."""
    out = Graph()
    out.namespace_manager = shapes.namespace_manager
    for triple in shapes:
        out.add(triple)
    for node in {s for t in _TARGETS for s in shapes.subjects(t, None)}:
        if (None, None, node) in shapes or (node, SH.deactivated, None) in shapes:
            continue
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node, p)]
        for prop in list(shapes.objects(node, SH.property)):
            out.remove((node, SH.property, prop))
            out.add((prop, PROPERTY_OF, node))
            for p, o in targets:
                out.add((prop, p, o))
    return out


# ------------------------------------------------------------------------------------------ inference


def _schema(ontology: Graph) -> list:
    """What the shapes need of the ontology: its subclass axioms and the concept schemes' statements (subjects
    under ``id/``: roles, statuses, regions, themes, M49 regions), nothing of other vocabularies' terms."""
    base = str(ID)
    return [t for t in ontology if t[1] == RDFS.subClassOf or (isinstance(t[0], URIRef) and str(t[0]).startswith(base))]


def _asserted_view(data: Graph, ontology: Graph) -> Graph:
    view = _view_graph()
    add = view.add
    for triple in data:
        add(triple)
    for triple in _schema(ontology):
        add(triple)
    return view


def _add_derived_values(view: Graph, inferred: Graph) -> None:
    add = view.add
    for triple in inferred:
        if triple[1] != RDF.type:
            add(triple)


def views(data: Graph, ontology: Graph, inferred: Graph) -> dict[str, Graph]:
    """The graph each view's shapes are checked over (see the module's description)."""
    asserted, entailed = _asserted_view(data, ontology), _asserted_view(data, ontology)
    _add_derived_values(entailed, inferred)
    return {ASSERTED: asserted, ENTAILED: entailed}


# ------------------------------------------------------------------------------------------ report


@dataclass
class Violation:
    focus: str
    path: str
    message: str
    severity: str
    component: str = ""
    value: str = ""
    view: str = ASSERTED
    constraint: tuple = ()  # the constraint that failed, as ``constraints()`` names it

    def __str__(self) -> str:
        value = f" (value: {shorten(self.value)})" if self.value and self.value != self.focus else ""
        return f"{self.severity}: {shorten(self.focus)} {self.path}: {shorten(self.message)}{value}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0
    inferred: int = 0
    seconds_inference: float = 0.0
    seconds_shapes: float = 0.0

    def text(self) -> str:
        head = (
            f"{'conforms' if self.conforms else 'does NOT conform'}: {self.triples} triples, "
            f"{self.inferred} inferred (OWL RL {self.seconds_inference:.2f} s, SHACL {self.seconds_shapes:.2f} s)"
        )
        # a result pyshacl gives twice (one constraint reached from two shapes) is printed once, each line bounded
        lines = dict.fromkeys(f"  {v}" for v in self.violations)
        return "\n".join([head, *lines])


def _term(results: Graph, node, graph: Graph) -> str:
    if node is None:
        return ""
    inverse = results.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + inverse.n3(graph.namespace_manager)
    return node.n3(graph.namespace_manager) if hasattr(node, "n3") else str(node)


@functools.lru_cache(maxsize=64)
def _prepared(text: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


class _PreparedQueries(Graph):
    """A Graph whose ``query`` parses each SPARQL text once. pyshacl hands rdflib the text of a SPARQL constraint
    for every focus node (with ``$this`` pre-bound), and parsing it costs far more than evaluating it."""

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def _view_graph() -> Graph:
    g = _PreparedQueries()
    bind_prefixes(g)
    return g


# The constraint component of each parameter of SHACL Core that the shapes use (one component per parameter;
# sh:qualifiedValueShape is counted through its min and max counts).
_COMPONENTS = {
    name: SH[f"{name[0].upper()}{name[1:]}ConstraintComponent"]
    for name in (
        "minCount",
        "maxCount",
        "datatype",
        "class",
        "nodeKind",
        "pattern",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "minLength",
        "maxLength",
        "languageIn",
        "uniqueLang",
        "in",
        "hasValue",
        "node",
        "or",
        "and",
        "not",
        "xone",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "equals",
        "disjoint",
        "lessThan",
        "closed",
    )
}


def _path_text(shapes: Graph, path) -> str:
    inverse = shapes.value(path, SH.inversePath)
    return ("^" + inverse.n3(shapes.namespace_manager)) if inverse is not None else path.n3(shapes.namespace_manager)


def _key(shapes: Graph, node_shape, prop, component, message) -> tuple[str, str, str, str]:
    path = "" if prop is None else _path_text(shapes, shapes.value(prop, SH.path))
    return (node_shape.n3(shapes.namespace_manager), path, component.n3(shapes.namespace_manager), str(message or ""))


def _properties(shapes: Graph, node_shape) -> list:
    return list(shapes.objects(node_shape, SH.property)) + list(shapes.subjects(PROPERTY_OF, node_shape))


def constraints(shapes: Graph) -> set[tuple[str, str, str, str]]:
    """Every constraint of the targeted shapes, as (node shape, path, component, message): one per parameter of
    the node shape and of each of its property shapes, one per SPARQL constraint. Constraints of the shapes that
    these reach through sh:node, sh:or, ... are part of the constraint that reaches them."""
    found = set()
    for node_shape in {s for t in _TARGETS for s in shapes.subjects(t, None)}:
        if (node_shape, PROPERTY_OF, None) in shapes:
            continue
        holders = [(None, node_shape)] + [(p, p) for p in _properties(shapes, node_shape)]
        for prop, holder in holders:
            for name, component in _COMPONENTS.items():
                if (holder, SH[name], None) in shapes:
                    found.add(_key(shapes, node_shape, prop, component, shapes.value(holder, SH.message)))
        for sparql in shapes.objects(node_shape, SH.sparql):
            found.add(_key(shapes, node_shape, None, SH.SPARQLConstraintComponent, shapes.value(sparql, SH.message)))
    return found


def _constraint_of(shapes: Graph, results: Graph, result) -> tuple:
    source, component = results.value(result, SH.sourceShape), results.value(result, SH.sourceConstraintComponent)
    if component == SH.SPARQLConstraintComponent:
        sparql = results.value(result, SH.sourceConstraint)
        return _key(shapes, source, None, component, shapes.value(sparql, SH.message))
    parent = shapes.value(None, SH.property, source) or shapes.value(source, PROPERTY_OF)
    if parent is None:
        return _key(shapes, source, None, component, shapes.value(source, SH.message))
    return _key(shapes, parent, source, component, shapes.value(source, SH.message))


def run_shapes(graph: Graph, shapes: Graph, view: str = ASSERTED) -> tuple[bool, list[Violation]]:
    """pyshacl over one view: whether it conforms, and its results."""
    import pyshacl

    if not len(shapes):
        return True, []
    if not isinstance(graph, _PreparedQueries):
        copy = _view_graph()
        for triple in graph:
            copy.add(triple)
        graph = copy
    conforms, results, _ = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", inplace=True, allow_warnings=True
    )
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        message = results.value(result, SH.resultMessage)

        def one(p, result=result):
            return _term(results, results.value(result, p), graph)

        violations.append(
            Violation(
                one(SH.focusNode),
                one(SH.resultPath),
                str(message or ""),
                one(SH.resultSeverity).replace("sh:", ""),
                one(SH.sourceConstraintComponent),
                one(SH.value),
                view,
                _constraint_of(shapes, results, result),
            )
        )
    return bool(conforms), violations


def validate(
    data: Graph, ontology: Graph | None = None, inferred: Graph | None = None, shapes: dict[str, Graph] | None = None
) -> tuple[Report, Graph]:
    """Validate ``data``; returns the report and the inferred triples (computed unless given).

    ``shapes`` maps a view to its shapes (default: ``load_shape_sets()``)."""
    ontology = ontology if ontology is not None else load_ontology()
    shapes = shapes if shapes is not None else load_shape_sets()
    t0 = time.perf_counter()
    if inferred is None:
        inferred = infer(data, ontology)
    t1 = time.perf_counter()
    # The entailed view is the asserted one plus the derived values: checked in that order on one graph.
    graph = _asserted_view(data, ontology)
    conforms, violations = run_shapes(graph, shapes.get(ASSERTED, Graph()), ASSERTED)
    _add_derived_values(graph, inferred)
    ok, found = run_shapes(graph, shapes.get(ENTAILED, Graph()), ENTAILED)
    conforms, violations = conforms and ok, violations + found
    t2 = time.perf_counter()
    violations.sort(key=lambda v: (v.focus, v.path, v.message))
    report = Report(conforms, violations, len(data), len(inferred), t1 - t0, t2 - t1)
    return report, inferred
