"""OWL RL conclusions of the knowledge base: the shortcuts its ontology defines (``rcp:hasMemberGovernment``,
``rcp:memberGovernmentOf``, ``rcp:hasParticipant``, ...), kept apart as the ``graph/inferred`` named graph.

The closure (``infer``) is restricted to what the shortcuts need: the membership and type triples of the
data and the axioms of ``ontology/rcp.ttl``, closed under the OWL RL rules those axioms use (subclass,
subproperty, domain, range, inverse, property chain; cax-sco, prp-spo1, prp-dom, prp-rng, prp-inv1/2,
prp-spo2). Its conclusions about the knowledge base's own things (subjects under the ``id/`` base) are kept as
the ``graph/inferred`` named graph, apart from the asserted data. It gives what owlrl's OWL RL closure gives on
the same input (tests/kb/test_validate.py compares them) in a fraction of the time; an axiom of another kind in
``rcp.ttl`` stops it with an error rather than be ignored."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import ORG, OWL, RDF, RDFS

from rcpkg import paths
from rcpkg.errors import DataError
from rcpkg.files import parse_rdf
from rcpkg.namespaces import ID, RCP, bind_prefixes

# Predicates the OWL RL shortcuts are built from (see the property chains and inverses of ontology/rcp.ttl).
_INFERENCE_INPUT = (RDF.type, ORG.organization, ORG.member, RCP.currentMember)

_OWL_UNDERSTOOD = {OWL.inverseOf, OWL.propertyChainAxiom, OWL.versionInfo, OWL.imports, OWL.priorVersion}
_OWL_TYPES_UNDERSTOOD = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology}
_RDFS_AXIOMS = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}


@dataclass
class _Axioms:
    superclasses: dict = field(default_factory=dict)  # class -> its superclasses (transitive, without itself)
    superproperties: dict = field(default_factory=dict)  # property -> its superproperties (transitive)
    domains: dict = field(default_factory=lambda: defaultdict(set))
    ranges: dict = field(default_factory=lambda: defaultdict(set))
    inverses: dict = field(default_factory=lambda: defaultdict(set))
    chains: list = field(default_factory=list)  # (p1, ..., pn), q


def _transitive(pairs: dict) -> dict:
    closed = {}
    for start in pairs:
        seen, todo = set(), list(pairs[start])
        while todo:
            node = todo.pop()
            if node not in seen and node != start:
                seen.add(node)
                todo.extend(pairs.get(node, ()))
        closed[start] = seen
    return closed


def _axioms_of(core: Graph, source: str) -> _Axioms:
    for s, p, o in core:
        if p == RDF.type and str(o).startswith(str(OWL)) and o not in _OWL_TYPES_UNDERSTOOD:
            raise DataError(f"{source}: {s.n3()} is an {o.n3()}, which rcpkg.inference.infer does not implement")
        if str(p).startswith(str(OWL)) and p not in _OWL_UNDERSTOOD:
            raise DataError(f"{source}: {s.n3()} uses {p.n3()}, which rcpkg.inference.infer does not implement")
    ax = _Axioms()
    sub_class, sub_property = defaultdict(set), defaultdict(set)
    for s, o in core.subject_objects(RDFS.subClassOf):
        sub_class[s].add(o)
    for s, o in core.subject_objects(RDFS.subPropertyOf):
        sub_property[s].add(o)
    ax.superclasses = _transitive(sub_class)
    ax.superproperties = _transitive(sub_property)
    for s, o in core.subject_objects(RDFS.domain):
        ax.domains[s].add(o)
    for s, o in core.subject_objects(RDFS.range):
        ax.ranges[s].add(o)
    for s, o in core.subject_objects(OWL.inverseOf):
        ax.inverses[s].add(o)
        ax.inverses[o].add(s)
    for q, head in core.subject_objects(OWL.propertyChainAxiom):
        ax.chains.append((tuple(Collection(core, head)), q))
    return ax


def _parse(path: Path) -> Graph:
    g = Graph()
    bind_prefixes(g)
    return parse_rdf(g, path, "turtle", "Turtle")


def _stamped(path: Path) -> tuple[Path, int, int]:
    """The file with its version (modification time and size), the key of the cache below."""
    if not path.is_file():
        raise DataError(f"{path} not found: the ontology's axioms are needed for the OWL RL conclusions")
    stat = path.stat()
    return path, stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=4)
def _core_axioms(stamped: tuple[Path, int, int]) -> tuple[Graph, _Axioms]:
    """The axioms of ``ontology/rcp.ttl``, parsed once per version of the file."""
    core = _parse(stamped[0])
    return core, _axioms_of(core, str(stamped[0]))


def _closure(triples, ax: _Axioms) -> set:
    """The triples and what the OWL RL rules of ``ax`` derive from them, to a fixed point."""
    known: set = set()
    index: dict = defaultdict(lambda: defaultdict(set))  # predicate -> subject -> objects
    frontier: list = []

    def add(triple) -> None:
        if triple not in known:
            known.add(triple)
            index[triple[1]][triple[0]].add(triple[2])
            frontier.append(triple)

    for triple in triples:
        add(triple)
    while frontier:
        batch, frontier[:] = list(frontier), []
        for s, p, o in batch:
            if p == RDF.type:
                for c in ax.superclasses.get(o, ()):
                    add((s, RDF.type, c))
                continue
            for q in ax.superproperties.get(p, ()):
                add((s, q, o))
            for c in ax.domains.get(p, ()):
                add((s, RDF.type, c))
            if not isinstance(o, Literal):
                for q in ax.inverses.get(p, ()):
                    add((o, q, s))
                for c in ax.ranges.get(p, ()):
                    add((o, RDF.type, c))
        if not frontier:  # property chains once the simpler rules are saturated
            for chain, q in ax.chains:
                ends = {s: set(objects) for s, objects in index[chain[0]].items()}
                for p in chain[1:]:
                    step = index[p]
                    ends = {s: {z for y in ys for z in step.get(y, ())} for s, ys in ends.items()}
                for s, zs in ends.items():
                    for z in zs:
                        add((s, q, z))
    return known


def infer(data: Graph, ontology: Graph) -> Graph:
    """OWL RL conclusions about the knowledge base's things that are not already asserted."""
    core, ax = _core_axioms(_stamped(paths.ontology_dir() / "rcp.ttl"))
    work = [t for predicate in _INFERENCE_INPUT for t in data.triples((None, predicate, None))]
    closed = _closure(work, ax)
    return _conclusions(closed, (data, ontology, core))


def infer_with_owlrl(data: Graph, ontology: Graph) -> Graph:
    """The same conclusions by owlrl's full OWL RL closure (slow): the reference ``infer`` is tested against."""
    import owlrl

    core = _parse(paths.ontology_dir() / "rcp.ttl")
    work = Graph()
    for triple in core:
        work.add(triple)
    for predicate in _INFERENCE_INPUT:
        for triple in data.triples((None, predicate, None)):
            work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    return _conclusions(work, (data, ontology))


def _conclusions(closed, asserted: tuple[Graph, ...]) -> Graph:
    """What a closure adds about the knowledge base's own things (subjects under the ``id/`` base), without
    owl:sameAs, trivial types and what ``asserted`` already states."""
    inferred = Graph()
    bind_prefixes(inferred)
    base = str(ID)
    for s, p, o in closed:
        if not (isinstance(s, URIRef) and str(s).startswith(base)):
            continue
        if p == OWL.sameAs or (p == RDF.type and o in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)):
            continue
        if any((s, p, o) in g for g in asserted):
            continue
        inferred.add((s, p, o))
    return inferred


# ------------------------------------------------------------------------------------------ views
