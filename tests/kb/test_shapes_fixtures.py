"""Every constraint proven by a failing case (the Brick and W3C SHACL test-suite style).

``tests/fixtures/shapes/valid.ttl`` is a small knowledge base that conforms. Each ``invalid/*.ru`` is a SPARQL
Update that changes it by a few triples so as to break one constraint, with the results it must give in its
header (``# expect: focus | path | component | message``; ``_:`` stands for a blank node, ``-`` for no path):
validation of the changed graph must give exactly those results. Every constraint of the shapes files must be
broken by at least one fixture."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from rcpkg import validate
from rcpkg.namespaces import PREFIXES

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
FIXTURES = sorted((HERE / "invalid").glob("*.ru"))
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + (
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
)
NAMESPACES = {**{p: str(ns) for p, ns in PREFIXES.items()}, "foaf": "http://xmlns.com/foaf/0.1/"}


def expand(term: str) -> str:
    """A term as <IRI> (or ^<IRI>, _:, empty) whatever prefixes it was written with."""
    term = term.strip()
    if term in ("", "-"):
        return ""
    if term.startswith("_:"):
        return "_:"
    inverse = term.startswith("^")
    term = term.lstrip("^")
    if not term.startswith("<") and ":" in term:
        prefix, local = term.split(":", 1)
        term = f"<{NAMESPACES[prefix]}{local}>"
    return ("^" if inverse else "") + term


def component(name: str) -> str:
    name = expand(name) if ":" in name else f"<http://www.w3.org/ns/shacl#{name}ConstraintComponent>"
    return name


@pytest.fixture(scope="module")
def ontology():
    return validate.load_ontology()


@pytest.fixture(scope="module")
def valid() -> Graph:
    return Graph().parse(HERE / "valid.ttl")


def broken(valid: Graph, fixture: Path) -> Graph:
    g = Graph()
    for triple in valid:
        g.add(triple)
    g.update(PROLOGUE + fixture.read_text(encoding="utf-8"))
    return g


_REPORTS: dict[Path, object] = {}


def report_of(valid: Graph, ontology: Graph, fixture: Path):
    """The validation report of a fixture (computed once for both tests that read it)."""
    if fixture not in _REPORTS:
        _REPORTS[fixture] = validate.validate(broken(valid, fixture), ontology)[0]
    return _REPORTS[fixture]


def expectations(fixture: Path) -> list[tuple[str, str, str, str]]:
    found = []
    for line in fixture.read_text(encoding="utf-8").splitlines():
        m = re.match(r"# expect: (.*)$", line)
        if m:
            focus, path, comp, *message = (part.strip() for part in m.group(1).split(" | "))
            found.append((expand(focus), expand(path), component(comp), message[0] if message else ""))
    return found


def observed(report) -> list[tuple[str, str, str, str]]:
    return [
        (expand(v.focus) if not v.focus.startswith("_:") else "_:", expand(v.path), expand(v.component), v.message)
        for v in report.violations
    ]


def test_the_valid_knowledge_base_conforms(valid, ontology):
    report, _ = validate.validate(valid, ontology)
    assert report.conforms, report.text()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_each_fixture_fails_with_its_focus_path_and_message(valid, ontology, fixture):
    expected = expectations(fixture)
    assert expected, f"{fixture.name} states no expected result"
    report = report_of(valid, ontology, fixture)
    assert not report.conforms
    got = observed(report)
    assert Counter(r[:3] for r in got) == Counter(e[:3] for e in expected), report.text()
    unused = list(got)
    for focus, path, comp, message in expected:
        match = next((r for r in unused if r[:3] == (focus, path, comp) and r[3].startswith(message)), None)
        assert match is not None, f"no result {focus} {path} {comp} with a message starting {message!r}"
        assert len(match[3].split()) >= 4
        unused.remove(match)


def test_every_constraint_has_a_failing_fixture(valid, ontology):
    shape_sets = validate.load_shape_sets()
    every = set().union(*(validate.constraints(g) for g in shape_sets.values()))
    assert len(every) > 150
    covered = set()
    for fixture in FIXTURES:
        report = report_of(valid, ontology, fixture)
        covered |= {v.constraint for v in report.violations}
    missing = sorted(every - covered)
    assert not missing, "constraints without a failing fixture:\n" + "\n".join(map(str, missing))
