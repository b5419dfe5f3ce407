"""A second, independent SHACL engine on the same data, ontology and shapes: rdf-validate-shacl (npm, SHACL
Core, no inference; tools/shacl-js) must agree with pyshacl on the knowledge base and on every fixture of
tests/fixtures/shapes, view by view (rcpkg.validate.views), on conformance and on each result (focus node,
path, constraint component).

rdf-validate-shacl does not run SHACL-SPARQL: the sh:sparql constraints it reports as unsupported are listed in
UNSUPPORTED below and pyshacl's results of them are left out of the comparison (they are proven by their own
fixtures with pyshacl). The test runs when `node` and tools/shacl-js/node_modules are there (`npm ci` in
tools/shacl-js); with RCPKG_REQUIRE_SHACL_JS=1 (set by .ci/run) their absence is a failure, not a skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from rcpkg import validate
from tests.kb.test_shapes_fixtures import FIXTURES, HERE, broken, expand

TOOL = Path(__file__).resolve().parents[2] / "tools" / "shacl-js"
SPARQL = "<http://www.w3.org/ns/shacl#SPARQLConstraintComponent>"

#: The SHACL-SPARQL constraints of the shapes, which rdf-validate-shacl does not support (message starts).
UNSUPPORTED = {
    "Two items of the list {?path} share position {?value}",
    "The list {?path} runs to position {?value}",
    "The membership {?value} states rcp:currentMember {?member}",
    "The membership {?value} of the current member {?member}",
    "A membership is named after its process, member and role",
    "The number of current member governments ({?count}) differs",
}


def _engine_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (TOOL / "node_modules" / "rdf-validate-shacl").is_dir():
        return f"rdf-validate-shacl is not installed: run 'npm ci' in {TOOL}"
    return None


@pytest.fixture(scope="module")
def engine():
    missing = _engine_missing()
    if missing:
        if os.environ.get("RCPKG_REQUIRE_SHACL_JS"):
            pytest.fail(missing)
        pytest.skip(missing)
    return TOOL / "validate.mjs"


def _key(focus: str, path: str, component: str) -> tuple[str, str, str]:
    return ("_:" if focus.startswith("_:") else expand(focus), expand(path or ""), expand(component))


@pytest.fixture(scope="module")
def comparison(engine, built, tmp_path_factory):
    """Both engines on every case and view: {(case, view): (pyshacl results, rdf-validate-shacl answer)}."""
    tmp = tmp_path_factory.mktemp("shacl-js")
    ontology = validate.load_ontology()
    shapes = validate.load_shape_sets(flatten=False)
    shape_files = {}
    for view, g in shapes.items():
        shape_files[view] = tmp / f"shapes-{view}.ttl"
        g.serialize(shape_files[view], format="turtle")
    valid = Graph().parse(HERE / "valid.ttl")
    cases = {"knowledge-base": (built.data, built.inferred), "valid": (valid, None)}
    cases.update({f.stem: (broken(valid, f), None) for f in FIXTURES})
    jobs, pyshacl_results = [], {}
    for name, (data, inferred) in cases.items():
        report, inferred = validate.validate(data, ontology, inferred)
        for view, graph in validate.views(data, ontology, inferred).items():
            path = tmp / f"{name}-{view}.nt"
            graph.serialize(path, format="nt", encoding="utf-8")
            jobs.append({"name": f"{name}/{view}", "shapes": str(shape_files[view]), "data": [str(path)]})
            pyshacl_results[f"{name}/{view}"] = [v for v in report.violations if v.view == view]
    (tmp / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    done = subprocess.run(
        ["node", str(engine), "--batch", str(tmp / "jobs.json")], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = {a["name"]: a for a in map(json.loads, done.stdout.splitlines())}
    assert set(answers) == set(pyshacl_results)
    return {name: (pyshacl_results[name], answers[name]) for name in answers}


def test_the_unsupported_sparql_constraints_are_the_listed_ones(comparison):
    reported = {u["message"] for _, answer in comparison.values() for u in answer["unsupported"]}
    assert {m for m in reported if not any(m.startswith(known) for known in UNSUPPORTED)} == set()
    assert all(any(m.startswith(known) for m in reported) for known in UNSUPPORTED)


def test_both_engines_agree_on_conformance_and_results(comparison):
    disagreements = []
    for name, (violations, answer) in sorted(comparison.items()):
        ours = Counter(_key(v.focus, v.path, v.component) for v in violations if expand(v.component) != SPARQL)
        theirs = Counter(_key(r["focus"], r["path"] or "", r["component"]) for r in answer["results"])
        if (not ours) != answer["conforms"] or ours != theirs:
            disagreements.append(
                f"{name}: pyshacl {sorted(ours.elements())} / rdf-validate-shacl "
                f"{answer['conforms']} {sorted(theirs.elements())}"
            )
    assert not disagreements, "\n".join(disagreements)


def test_the_knowledge_base_conforms_for_both(comparison):
    for view in (validate.ASSERTED, validate.ENTAILED):
        violations, answer = comparison[f"knowledge-base/{view}"]
        assert answer["conforms"] and not violations, answer["results"][:5]
