"""Time of each stage of the build (extract, graph, OWL RL, SHACL, dataset description, dumps), for this
checkout and, back to back, for another commit of the repository: the machine is shared and noisy, so the two
are run alternately and the fastest of each stage is kept.

    python bench/build.py [--repeat 3] [--against COMMIT]

Each run is a fresh Python process that imports rcpkg from the checkout under test (the other commit is taken
with ``git archive`` into a temporary directory) and writes its dumps into a temporary directory; then
``rcpkg build`` itself is timed from outside (process start to exit, in a temporary home). The stage rows are
the pipeline's functions called in order (the same for every version); the last row is what a user waits for.
It prints the figures, it does not assert any. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in the child process, against the rcpkg of PYTHONPATH; uses only functions every version has.
_STAGES = r"""
import json, sys, tempfile, time
t0 = time.perf_counter()
from rdflib import Graph
from rdflib.namespace import SKOS
from rcpkg import dump, graph, knowledge_base, links, paths, validate
from rcpkg.namespaces import RCP
times = {"import": time.perf_counter() - t0}

def stage(name, t):
    now = time.perf_counter()
    times[name] = now - t
    return now

t = time.perf_counter()
matrix, processes, ref, ontology = knowledge_base.extract_processes()
t = stage("extract", t)
schemes = Graph()
for s, p, o in ontology:
    if p in (SKOS.inScheme, SKOS.hiddenLabel, RCP.sourceHeading):
        schemes.add((s, p, o))
data = graph.build(matrix, processes, ref, schemes)
links.add_links(data, paths.reference_dir())
t = stage("graph", t)
inferred = validate.infer(data, ontology)
t = stage("OWL RL", t)
report, _ = validate.validate(data, ontology, inferred)
assert report.conforms, report.text()
t = stage("SHACL", t)
built = knowledge_base.Built(data, ontology, inferred, report, processes, 0.0)
dataset = built.dataset()
t = stage("dataset", t)
out = tempfile.mkdtemp()
dump.write_dumps(dataset, __import__("pathlib").Path(out))
t = stage("dumps", t)
times["total"] = time.perf_counter() - t0
print(json.dumps(times))
"""


def run(src: Path, home: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src), RCPKG_HOME=str(home), SOURCE_DATE_EPOCH="1700000000")
    done = subprocess.run([sys.executable, "-c", _STAGES], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"run in {src} failed:\n{done.stderr[-3000:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    # The command as a user runs it, from the start of the process to the last file written.
    with tempfile.TemporaryDirectory() as tmp:
        build_home = Path(tmp)
        for part in ("data/source", "data/reference", "ontology", "queries"):
            shutil.copytree(home / part, build_home / part)
        env["RCPKG_HOME"] = str(build_home)
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "rcpkg.cli", "build"], env=env, capture_output=True, text=True, timeout=600
        )
        times["rcpkg build"] = time.perf_counter() - t0
        if done.returncode:
            raise SystemExit(f"rcpkg build in {src} failed:\n{done.stderr[-3000:]}")
    return times


def checkout(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", help="a commit to compare with (e.g. the one before a change)")
    args = parser.parse_args()
    subjects = {"this checkout": (ROOT / "src", ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            other = checkout(args.against, Path(tmp))
            subjects = {args.against: (other / "src", other), **subjects}
        best: dict[str, dict[str, float]] = {name: {} for name in subjects}
        for _ in range(args.repeat):
            for name, (src, home) in subjects.items():
                for stage, seconds in run(src, home).items():
                    best[name][stage] = min(seconds, best[name].get(stage, seconds))
    stages = list(next(iter(best.values())))
    print(f"fastest of {args.repeat} runs, seconds ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print("stage".ljust(10) + "".join(name.rjust(16) for name in best))
    for stage in stages:
        print(stage.ljust(10) + "".join(f"{best[name].get(stage, float('nan')):16.2f}" for name in best))


if __name__ == "__main__":
    main()
