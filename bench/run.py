"""Benchmark of the SPARQL endpoint: ``rcpkg serve`` (without and with its result cache) against
``oxigraph serve-read-only`` and, where installed, Virtuoso 7, on the same data, from one load generator.

    python bench/run.py [--scales 1 10 100] [--seconds 3] [--engines rcpkg rcpkg-cache oxigraph virtuoso]

For each scale (1 = the built knowledge base, N = ``bench/generate.py --scale N``): every engine loads the
same N-Quads file and serves it with the union of the named graphs as its default graph; each competency
question of ``queries/*.rq`` and a mix of all of them is sent by GET (Accept: SPARQL JSON) at concurrency 1
and 8 with ``wrk`` (keep-alive), after a one-second warm-up; the answers of every engine are compared with
rcpkg's (rows as multisets of terms). One engine runs at a time. Prints requests/s, p50 and p99 per engine
and the ratios, and writes them to ``bench/out/results-{scale}.json`` and ``bench/out/results.md``.

Needs: ``wrk`` (Debian), the ``oxigraph`` CLI (PyPI package ``oxigraph``), optionally
``virtuoso-opensource`` (Debian). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    scale: int
    engine: str
    workload: str
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                r.read()
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


class Engine:
    name = ""
    path = "/sparql"

    def __init__(self, dataset: Path, workdir: Path):
        self.dataset, self.workdir = dataset, workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def query_path(self, text: str) -> str:
        return f"{self.path}?{urlencode({'query': text}, quote_via=quote)}"


class Rcpkg(Engine):
    name = "rcpkg"
    cache = False

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            RCPKG_DATASET=str(self.dataset),
            RCPKG_CACHE="true" if self.cache else "false",
            RCPKG_MAX_ROWS="100000000",
            RCPKG_QUERY_TIMEOUT="300",
        )
        self.process = subprocess.Popen(
            [PYTHON, "-m", "rcpkg.web.server", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / f"{self.name}.log", "wb"),
        )
        wait_http(self.base + "/sparql")


class RcpkgCache(Rcpkg):
    name = "rcpkg-cache"
    cache = True


class Oxigraph(Engine):
    name = "oxigraph"
    path = "/query"

    def start(self) -> None:
        location = self.workdir / f"oxigraph-{self.dataset.stem}"
        if not location.exists():
            subprocess.run(
                [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(self.dataset)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self.process = subprocess.Popen(
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "oxigraph.log", "wb"),
        )
        wait_http(self.base + "/query?query=ASK%7B%7D")


VIRTUOSO_INI = """
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {isql}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 32
CheckpointInterval = 60
NumberOfBuffers = 340000
MaxDirtyBuffers = 250000
DirsAllowed = ., {data}, /usr/share/virtuoso-opensource-7/vad
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10

[HTTPServer]
ServerPort = {http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 32
ServerThreads = 32
KeepAliveTimeout = 10
MaxKeepAlives = 32

[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 300
"""


class Virtuoso(Engine):
    name = "virtuoso"

    def start(self) -> None:
        d = self.workdir / f"virtuoso-{self.dataset.stem}"
        fresh = not d.exists()
        d.mkdir(exist_ok=True)
        self.isql = free_port()
        (d / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(d=d, isql=self.isql, http=self.port, data=self.dataset.parent), "utf-8"
        )
        self.process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(d / "virtuoso.ini")],
            cwd=d,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "virtuoso.log", "wb"),
        )
        wait_http(self.base + "/sparql?query=ASK%7B%7D", 300)
        if fresh:
            self.isql_exec(
                f"ld_dir('{self.dataset.parent}', '{self.dataset.name}', 'urn:rcpkg:default'); "
                "rdf_loader_run(); checkpoint;"
            )

    def isql_exec(self, statements: str) -> None:
        subprocess.run(
            ["isql-vt", str(self.isql), "dba", "dba", f"exec={statements}"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=1800,
        )


ENGINES = {"rcpkg": Rcpkg, "rcpkg-cache": RcpkgCache, "oxigraph": Oxigraph, "virtuoso": Virtuoso}


# ------------------------------------------------------------------------------------------ answers


XSD = "http://www.w3.org/2001/XMLSchema#"


def _norm(term: dict | None) -> tuple:
    """A result term in a form the engines agree on where they differ only in how they write the same value."""
    if term is None:
        return ()
    kind = "literal" if term["type"] in ("literal", "typed-literal") else term["type"]
    datatype, value = term.get("datatype", ""), term["value"]
    if datatype == XSD + "string":
        datatype = ""
    if datatype == XSD + "boolean":  # Virtuoso writes xsd:boolean as 1 / 0, the same values as true / false
        value = {"1": "true", "0": "false"}.get(value.strip(), value.strip())
    if kind == "literal" and value == "" and not datatype and not term.get("xml:lang"):
        # GROUP_CONCAT over a group whose values are all unbound: "" in Virtuoso and Jena, unbound in Oxigraph
        # (SPARQL 1.1, 18.5.1 leaves it open); both mean "none".
        return ()
    return (kind, value, term.get("xml:lang", "").lower(), datatype)


def answer(engine: Engine, text: str) -> Counter:
    request = urllib.request.Request(
        engine.base + engine.query_path(text), headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=600) as r:
        data = json.loads(r.read())
    names = data["head"]["vars"]
    return Counter(tuple(_norm(b.get(n)) for n in names) for b in data["results"]["bindings"])


# ------------------------------------------------------------------------------------------ load


def wrk(engine: Engine, paths: list[str], concurrency: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(paths) + "\n")
        listing = fh.name
    try:
        threads = min(concurrency, 2)
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "120s",
                "-s",
                str(ROOT / "bench" / "wrk.lua"),
                engine.base,
                "--",
                listing,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 600,
        )
    finally:
        os.unlink(listing)
    for line in result.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise RuntimeError(f"wrk printed no summary: {result.stdout} {result.stderr}")


def dataset_for(scale: int) -> Path:
    path = OUT / f"rcp-x{scale}.nq"
    if not path.exists():
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "generate.py"), "--scale", str(scale), "--output", str(path)], check=True
        )
    return path


def run_scale(scale: int, engines: list[str], seconds: float, workdir: Path) -> tuple[list[Measure], dict]:
    dataset = dataset_for(scale)
    questions = {p.stem: p.read_text("utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}
    workloads = {name: [text] for name, text in questions.items()}
    workloads["mix"] = list(questions.values())
    measures: list[Measure] = []
    reference: dict[str, Counter] = {}
    agreement: dict[str, dict[str, str]] = {}
    for name in engines:
        engine = ENGINES[name](dataset, workdir)
        print(f"[x{scale}] starting {name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            engine.start()
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"[x{scale}] {name} did not start: {exc}", file=sys.stderr)
            engine.stop()
            continue
        print(f"[x{scale}] {name} ready in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        try:
            agreement[name] = {}
            for qname, text in questions.items():
                got = answer(engine, text)
                if name == "rcpkg":
                    reference[qname] = got
                    agreement[name][qname] = f"{sum(got.values())} rows"
                elif not reference:
                    agreement[name][qname] = "not compared (rcpkg not run)"
                elif qname in reference:
                    same = got == reference[qname]
                    agreement[name][qname] = (
                        "same"
                        if same
                        else (
                            f"DIFFERS: {sum(got.values())} rows vs {sum(reference[qname].values())}, "
                            f"{sum((got - reference[qname]).values())} not in rcpkg's answer"
                        )
                    )
            for workload, texts in workloads.items():
                paths = [engine.query_path(t) for t in texts]
                for concurrency in (1, 8):
                    if engine.process and engine.process.poll() is not None:
                        raise RuntimeError(f"{name} exited with {engine.process.returncode}")
                    wrk(engine, paths, concurrency, 1)  # warm-up (fills the result cache where there is one)
                    r = wrk(engine, paths, concurrency, seconds)
                    secs = r["duration_us"] / 1e6
                    m = Measure(
                        scale,
                        name,
                        workload,
                        concurrency,
                        r["requests"],
                        round(secs, 2),
                        round(r["requests"] / secs, 1),
                        round(r["p50_us"] / 1000, 2),
                        round(r["p99_us"] / 1000, 2),
                        r["errors"],
                    )
                    measures.append(m)
                    print(
                        f"[x{scale}] {name:12} {workload:20} c={concurrency}  {m.rps:9.1f} req/s  "
                        f"p50 {m.p50_ms:8.2f} ms  p99 {m.p99_ms:8.2f} ms  errors {m.errors}",
                        file=sys.stderr,
                        flush=True,
                    )
        except (RuntimeError, OSError, urllib.error.URLError) as exc:
            print(f"[x{scale}] {name} failed: {exc}", file=sys.stderr, flush=True)
            agreement.setdefault(name, {})["(run)"] = f"failed: {exc}"
        finally:
            engine.stop()
    return measures, agreement


def table(measures: list[Measure], agreement: dict, scale: int) -> str:
    engines = sorted({m.engine for m in measures}, key=list(ENGINES).index)
    workloads = list(dict.fromkeys(m.workload for m in measures))
    by = {(m.engine, m.workload, m.concurrency): m for m in measures}
    lines = [f"### Scale x{scale}", ""]
    head = "| question | c | " + " | ".join(f"{e} req/s (p50 / p99 ms)" for e in engines)
    others = [e for e in engines if e in ("oxigraph", "virtuoso")]
    head += " | rcpkg / best other | rcpkg-cache / best other |" if others else " |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for w in workloads:
        for c in (1, 8):
            cells = []
            for e in engines:
                m = by.get((e, w, c))
                cells.append(
                    f"{m.rps:.0f} ({m.p50_ms:.1f} / {m.p99_ms:.1f})" + (f" {m.errors} err" if m.errors else "")
                    if m
                    else "-"
                )
            row = f"| {w} | {c} | " + " | ".join(cells)
            if others:
                best = max((by[(e, w, c)].rps for e in others if (e, w, c) in by), default=0)
                for mine in ("rcpkg", "rcpkg-cache"):
                    m = by.get((mine, w, c))
                    row += f" | {m.rps / best:.2f}" if m and best else " | -"
                row += " |"
            else:
                row += " |"
            lines.append(row)
    lines += ["", "Answers compared with rcpkg's:", ""]
    for engine, results in agreement.items():
        if engine == "rcpkg":
            continue
        differing = {q: r for q, r in results.items() if r != "same"}
        if not results:
            continue
        lines.append(
            f"- {engine}: "
            + ("all the same" if not differing else "; ".join(f"{q}: {r}" for q, r in differing.items()))
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    p.add_argument("--workdir", type=Path, default=OUT / "work")
    args = p.parse_args(argv)
    for tool in ("wrk",):
        if not shutil.which(tool):
            p.error(f"{tool} is not installed (apt-get install {tool})")
    engines = [e for e in args.engines if e != "virtuoso" or shutil.which("virtuoso-t")]
    if "virtuoso" in args.engines and "virtuoso" not in engines:
        print("virtuoso-t not installed: Virtuoso skipped (apt-get install virtuoso-opensource)", file=sys.stderr)
    args.workdir.mkdir(parents=True, exist_ok=True)
    header = (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.seconds:g} s per measurement after a 1 s warm-up; "
        "load generator wrk on the same machine (keep-alive, GET, Accept: SPARQL JSON).\n"
    )
    report = [header]
    for scale in args.scales:
        measures, agreement = run_scale(scale, engines, args.seconds, args.workdir)
        (OUT / f"results-x{scale}.json").write_text(
            json.dumps({"measures": [asdict(m) for m in measures], "answers": agreement}, indent=1), "utf-8"
        )
        report.append(table(measures, agreement, scale))
        (OUT / "results.md").write_text("\n".join(report), "utf-8")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
