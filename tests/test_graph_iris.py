"""IRIs are minted in one place: every IRI of the built dataset under the base has a documented shape
(DESIGN: IRIs), and no module but ``rcpkg.graph`` and ``rcpkg.namespaces`` builds one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

import rcpkg
from rcpkg import graph, paths, source
from rcpkg.namespaces import BASE, DATA_GRAPH, INFERRED_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, RCP
from rcpkg.resolve import Entity
from rcpkg.void import DUMP_FILES, TARGETS

# ---------------------------------------------------------------------------------------------------- shapes
KEY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG = r"(?:[a-z]+-[A-Za-z0-9_.-]+|x-[0-9a-f]{12})"  # graph.term_slug: {prefix}-{local name}, or a hash
KINDS = "process|country|organization|group|category|place|theme|role|region|status|m49|scheme"
GRAPHS = "|".join(str(g).rsplit("/", 1)[1] for g in (DATA_GRAPH, ONTOLOGY_GRAPH, INFERRED_GRAPH, METADATA_GRAPH))


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words))


def documented_shapes() -> dict[str, str]:
    """Each shape of IRI under the base, by what it names; the variable parts come from the data that
    defines them (editions, columns, reference tables, named graphs, dumps, link targets)."""
    editions = _alternatives(d.key for d in source.documents())
    document = re.escape(source.document().key)
    columns = _alternatives([*(source.column_slug(c) for c in source.COLUMNS), "footnote"])
    tables = _alternatives(p.stem for p in paths.reference_dir().glob("*.csv"))
    targets = _alternatives(t.key for t in TARGETS)
    return {
        "the base, the dataset's homepage": "",
        "an ontology: ontology, ontology/{module}": r"ontology(?:/[a-z]+)?",
        "an ontology term, ontology#Term (bare: a void:vocabulary)": r"ontology#(?:[A-Za-z][A-Za-z0-9]*)?",
        "a concept scheme: id/{scheme}": r"id/(?:role|status|theme|region)",
        "a thing: id/{kind}/{key}": rf"id/(?:{KINDS})/{KEY}",
        "a numbered item of a process: id/process/{key}/{main-area|priority}/{n}": (
            rf"id/process/{KEY}/(?:main-area|priority)/[1-9][0-9]*"
        ),
        "a list of a process's column: id/process/{key}/{main-area|priority}-list/{n}": (
            rf"id/process/{KEY}/(?:main-area|priority)-list/[1-9][0-9]*"
        ),
        "a membership: id/membership/{process}/{kind}-{key}/{role}": rf"id/membership/{KEY}/[a-z]+-{KEY}/{KEY}",
        "an event a process's prose reports: id/event/{process}/{n}": rf"id/event/{KEY}/[1-9][0-9]*",
        "the term of a role and its bounds: id/membership/{process}/{kind}-{key}/{role}/term[/{beginning|end}]": (
            rf"id/membership/{KEY}/[a-z]+-{KEY}/{KEY}/term(?:/beginning|/end)?"
        ),
        "an edition of the matrix: id/source/{edition}": rf"id/source/(?:{editions})",
        "a source cell: id/source/{edition}/row/{n}/{column}": rf"id/source/{document}/row/[1-9][0-9]*/(?:{columns})",
        "a reference table: id/source/reference/{table}": rf"id/source/reference/(?:{tables})",
        "a named graph: graph/{name}": rf"graph/(?:{GRAPHS})",
        "the dataset and the nodes of its description (dataset#rights, ...)": (
            r"dataset(?:#(?:rights|source-rights|publisher|contact|build))?"
        ),
        "a class or property partition: dataset/{class|property}/{slug}": rf"dataset/(?:class|property)/{SLUG}",
        "the subset of a named graph: dataset/graph/{name}": rf"dataset/graph/(?:{GRAPHS})",
        "a linkset: dataset/links/{target}/{slug}": rf"dataset/links/(?:{targets})/{SLUG}",
        "a dump: dumps/{file}": rf"dumps/(?:{_alternatives(d.name for d in DUMP_FILES)})",
        "the SPARQL endpoint and its distribution": r"sparql(?:#distribution)?",
        "the endpoint's service vocabulary and its terms (ontology/service.ttl)": r"service(?:#[A-Za-z]+)?",
    }


@pytest.fixture(scope="module")
def iris_under_base(kb_dataset) -> set[str]:
    """Every IRI of the built dataset (all named graphs, metadata too) under the base, less the base."""
    out = set()
    for quad in ox.parse(path=str(kb_dataset), format=ox.RdfFormat.TRIG):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                out.add(term.value[len(BASE) :])
    return out


def test_every_iri_under_the_base_has_a_documented_shape(iris_under_base):
    shapes = [re.compile(pattern) for pattern in documented_shapes().values()]
    odd = sorted(iri for iri in iris_under_base if not any(s.fullmatch(iri) for s in shapes))
    assert not odd, f"{len(odd)} IRIs of no documented shape, e.g. {odd[:10]}"


def test_every_documented_shape_is_used(iris_under_base):
    shapes = documented_shapes().items()
    unused = [what for what, pattern in shapes if not any(re.fullmatch(pattern, iri) for iri in iris_under_base)]
    assert not unused


def test_a_stray_iri_is_of_no_documented_shape():
    shapes = [re.compile(pattern) for pattern in documented_shapes().values()]
    for stray in (
        "id/Country/HUN",
        "id/source/iom-rcp-matrix-2008/row/4/Governments",
        "dataset/class/Country",
        "id/source/iom-rcp-matrix-2010",
        "graph/scratch",
        "id/widget/hun",
        "dumps/rcp.xml",
    ):
        assert not any(s.fullmatch(stray) for s in shapes), stray


def test_the_metadata_iris_are_the_ones_graph_mints(kb_dataset):
    quads = set(ox.parse(path=str(kb_dataset), format=ox.RdfFormat.TRIG))
    metadata = ox.NamedNode(str(METADATA_GRAPH))
    nodes = {
        t.value for q in quads if q.graph_name == metadata for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)
    }
    for iri in (
        graph.class_partition_iri(RCP.Country),
        graph.property_partition_iri(RCP.hasMemberGovernment),
        graph.graph_subset_iri(DATA_GRAPH),
        graph.dump_iri("rcp.trig"),
        graph.document_iri(source.document()),
    ):
        assert str(iri) in nodes, iri


def test_entity_key_reads_back_the_key_entity_iri_put_in():
    iri = graph.entity_iri(Entity("country", "HUN"))
    assert str(iri) == BASE + "id/country/hun"
    assert graph.entity_key(iri, "country") == "hun"
    assert graph.entity_key(iri, "organization") is None


# -------------------------------------------------------------------------------- no IRIs built elsewhere
SRC = Path(rcpkg.__file__).parent
MINTERS = {"graph.py", "namespaces.py"}  # the modules that build IRIs (paths relative to src/rcpkg)
IRI_CONSTRUCTORS = {"URIRef", "Namespace", "NamedNode"}
OWN_NAMESPACES = {"BASE", "ID", "GRAPH", "DUMPS"}  # names of rcpkg.namespaces whose IRIs are the project's

#: Places outside graph and namespaces that build an IRI, each with why it may. Every entry must still be found
#: (test_no_allowed_exception_is_stale): remove one as soon as its module stops building the IRI.
ALLOWED: dict[tuple[str, str], str] = {}


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _composed(node: ast.expr) -> bool:
    """A string put together from parts: an f-string, ``a + b``, ``a % b``, ``"...".format()``, ``join``."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join")


def _own(node: ast.expr) -> bool:
    """One of the project's namespaces or its base, or ``str()`` of one."""
    if isinstance(node, ast.Name):
        return node.id in OWN_NAMESPACES
    return isinstance(node, ast.Call) and _name(node.func) == "str" and bool(node.args) and _own(node.args[0])


def _builds_an_iri(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):  # URIRef(f"..."), Namespace(a + b), ox.NamedNode(BASE + "x")
        return _name(node.func) in IRI_CONSTRUCTORS and bool(node.args) and _composed(node.args[0])
    if isinstance(node, ast.Subscript):  # ID[f"process/{key}"]: an IRI of the project from a key
        return _own(node.value) and not isinstance(node.slice, ast.Constant)
    if isinstance(node, ast.BinOp):  # BASE + "dataset", str(ID) + "m49/"
        return isinstance(node.op, ast.Add) and (_own(node.left) or _own(node.right))
    if isinstance(node, ast.JoinedStr):  # f"{BASE}dataset"
        return any(isinstance(v, ast.FormattedValue) and _own(v.value) for v in node.values)
    return False


def iris_built(text: str) -> list[str]:
    """The expressions of a module's source that build an IRI (the outermost one where they nest)."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if _builds_an_iri(node):
            found.append(ast.get_source_segment(text, node) or ast.dump(node))
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(text))
    return found


def _found_outside_minters() -> set[tuple[str, str]]:
    out = set()
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module not in MINTERS:
            out.update((module, expression) for expression in iris_built(path.read_text(encoding="utf-8")))
    return out


def test_no_module_but_graph_and_namespaces_builds_an_iri():
    unexpected = sorted(_found_outside_minters() - set(ALLOWED))
    assert not unexpected, (
        "IRIs built outside rcpkg.graph / rcpkg.namespaces (mint them there, or list them in ALLOWED with why): "
        f"{unexpected}"
    )


def test_no_allowed_exception_is_stale():
    stale = sorted(set(ALLOWED) - _found_outside_minters())
    assert not stale, f"remove from ALLOWED, these modules no longer build the IRI: {stale}"


def test_graph_and_namespaces_do_build_iris():
    # the check sees minting where it is: were it blind, the test above would pass on anything
    assert 'ID[f"process/{key}"]' in iris_built((SRC / "graph.py").read_text(encoding="utf-8"))
    assert 'URIRef(BASE + "dataset")' in iris_built((SRC / "namespaces.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "line",
    [
        'part = URIRef(f"{ds}/class/{_slug(cls)}")',  # void.py before IRIs moved to graph
        'url = URIRef(f"{base}dumps/{dump.name}")',
        'service = URIRef(base + "sparql")',
        'dataset = ox.NamedNode(BASE + "dataset")',
        'M49 = Namespace(str(ID) + "m49/")',  # links.py before
        'SOURCE = ID[f"source/{SOURCE_KEY}"]',
        "node = ID[key]",
        'iri = f"{BASE}id/country/{code}"',
        'prefix = str(ID) + "country/"',
        'x = URIRef("https://w3id.org/rcpkg/{}".format(key))',
    ],
)
def test_the_check_finds_an_iri_built_by_hand(line):
    assert iris_built(line) == [line.split(" = ", 1)[1]]


@pytest.mark.parametrize(
    "line",
    [
        "node = URIRef(iri)",  # an IRI given, not built
        "term = RCP.Country",
        'scheme = ID["theme"]',  # a fixed IRI of the namespace, by its constant name
        "item = WD[qid]",  # another dataset's namespace
        'label = Literal(f"{key}, row {n}")',
        "iri = graph.entity_iri(entity)",
    ],
)
def test_the_check_leaves_alone_what_builds_no_iri(line):
    assert iris_built(line) == []
