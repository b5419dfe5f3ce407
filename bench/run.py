"""Benchmark of the SPARQL endpoint: ``rcpkg serve`` (without and with its result cache) against
``oxigraph serve-read-only`` and, where installed, Virtuoso 7, on the same data, side by side in one run.

    python bench/run.py [--scales 1 10 100] [--engines rcpkg rcpkg-cache oxigraph virtuoso]
                        [--questions chairs members mix] [--concurrency 8] [--seconds 5] [--passes 2]
    python bench/run.py --scales 1000        # x1000 only when asked for

Run it with the Python of the environment rcpkg is installed in (``.venv/bin/python bench/run.py``): the
engines are that environment's ``rcpkg`` and ``oxigraph`` commands.

Data. Scale 1 is the built knowledge base, scale N is ``bench/generate.py --scale N`` (N renamed copies,
written as N-Quads to ``bench/out/rcp-xN.nq`` once and reused; generate.py streams, so x1000, 14 million
quads and 2.5 GB, needs no more memory than x1). Every engine serves that same file with the union of its
named graphs as the default graph.

Engines. ``rcpkg`` and ``rcpkg-cache`` are launched as users launch the server, ``rcpkg serve --host
127.0.0.1 --port P`` (the console script), with the dataset given by ``RCPKG_DATASET`` and ``RCPKG_CACHE``
false / true; the other settings are the defaults (granian, 2 x cores workers; the dataset in memory up
to 64 MiB of file, from pyoxigraph's on-disk store above, ``rcpkg.store.disk``) except three limits that
would stand in the way of a benchmark: ``RCPKG_MAX_ROWS`` (answers at x100 are longer than the default
limit, and a truncated answer cannot be compared), ``RCPKG_QUERY_TIMEOUT`` 300 s, and
``RCPKG_MAX_CLIENT_QUERIES`` 0 (the load generator is one address standing for many clients). ``oxigraph``
is ``oxigraph serve-read-only --union-default-graph`` over a store made by ``oxigraph load``; ``virtuoso`` is
``virtuoso-t`` over a database bulk-loaded with ``ld_dir``/``rdf_loader_run`` (skipped when Virtuoso is not
installed). Each engine class has a ``prepare(dataset)`` step, the one-off work done before the server is
started (``oxigraph load``, Virtuoso's bulk load; for rcpkg, the on-disk store where the dataset is
served from disk, which its first start would otherwise make), and ``start()``, which launches the
server process. Preparation is made afresh in every run and its time is reported apart.

Start to first answer. For one engine at a time, in the order rcpkg, rcpkg-cache, oxigraph, virtuoso
(preparation, then start), from launching the server process (``start()``) until the first successful answer
(HTTP 200, SPARQL JSON parsed) to a real query, ``--first-question`` (default ``chairs``), polled every 20 ms:
it includes whatever the engine does at start (rcpkg checks the dataset's checksums, parses it when it is held
in memory, opens its on-disk store otherwise, forks its workers and query evaluators), not the preparation.
Each engine is then left until it is quiet (below) before the next one is started. All engines are running
before any measuring starts, and are kept running until the end of the scale.

Answers. Before measuring, every question is asked once of every engine and each answer is compared with
rcpkg's (rcpkg-cache's without rcpkg) as multisets of rows, modulo the ways engines write the same value
(``_norm``).

Windows. Workloads: each question of ``queries/*.rq`` and ``mix`` (all of them in turn), a subset with
``--questions``. Load: ``wrk`` on the same machine, GET with keep-alive, ``Accept:
application/sparql-results+json``, ``--concurrency`` connections (default 8; 1 may be asked for too) over
min(concurrency, 2) threads. For every pass (``--passes``, default 2), for every workload, the engines take
turns, one window each, in an order rotated by one per workload (and concurrency) and per pass: each
engine goes first in turn, and the one that went first on a workload goes later in the next pass. In the
first pass, just before its first window on a workload, an engine gets a warm-up (``--warmup`` seconds, 1 by
default, of the same load, not counted; it fills rcpkg's result cache in every worker). A window lasts
``--seconds`` (default 5); if the engine has completed fewer than 20 requests by then, the same wrk run goes
on until it has (wrk.lua's threads say when they have started their share plus one per connection, which
means the share is complete; run.py then interrupts wrk, which ends with its summary) or 60 s have passed
in all. Requests/s is completed requests over wrk's duration, and p50 / p99 are wrk's over the whole
window. When fewer than 20 requests are complete after 60 s, the
figure given is an upper bound, written ``≤``: (completed + concurrency) / seconds, since at most
``concurrency`` requests were part done when the window closed. The requests still in flight at the end of
a window are abandoned by wrk, but the engine may go on computing them: after each window (and each
warm-up) the run waits until the engine is quiet, that is until the CPU time (utime + stime of
/proc/PID/stat) of all its processes (the server's process, every descendant and every process of its
session) grows by at most 2 clock ticks over 0.5 s, at most ``--quiet-max`` seconds (default 60; the wait is
reported, and marked when it ran out), so that one engine's leftovers never run in another's window.

Figures. Per workload and engine: requests/s as the median of the passes and their spread ((max - min) /
median; "-" with one pass), p50 and p99 latency (medians of the passes), errors (sum: connection errors,
timeouts and non-2xx answers), the ratio of rcpkg's and rcpkg-cache's requests/s to each other engine's (``≥``
/ ``≤`` where a bound is involved), and the longest quiet wait with the CPU time the engine used during it
(work on requests the load generator had given up on). Per engine: the preparation time, start to first
answer, and the PSS (sum of ``Pss:`` of /proc/PID/smaps_rollup) of all its processes after its questions ran,
with how many processes there were (rcpkg's depends on how many query evaluators its workers have made and
kept for reuse).

Calibration. Machines are noisy: a 10^7-step Python loop is timed at the start and at the end of every
scale (before the engines start and after they stop); ``cal`` is the mean of the two. Times are also given
as a ratio to it (p50 / cal in per mille, start to first answer / cal) and rates as requests per ``cal``
(requests/s x cal), next to the plain figures, so that runs on different days or machines can be set side
by side.

Output: tables on stdout (progress on stderr), ``bench/out/results-x{scale}.json`` per scale (every window,
the summaries, the engines' start figures, the answers, the calibration and the machine), and
``bench/out/results.md``, markdown ready to paste, rebuilt from every ``results-x*.json`` in bench/out (so a
later ``--scales 1000`` run is added to the earlier scales; each scale keeps its own date and calibration).

Needs: ``wrk`` (Debian), the ``oxigraph`` CLI (extra ``bench``: ``pip install -e '.[bench]'``), optionally
``virtuoso-opensource`` (Debian), and Linux's /proc. Not part of the test suite; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
SCHEMA = 2  # of results-x{scale}.json; results.md is made from the files of this schema only

MIN_REQUESTS = 20  # a window goes on until at least this many requests are complete ...
MAX_WINDOW = 60.0  # ... or this many seconds have passed
QUIET_SPAN = 0.5  # an engine is quiet when its CPU time grows by at most QUIET_TICKS over this many seconds
QUIET_TICKS = 2
CLOCK_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tool(name: str) -> str:
    """The command ``name`` of this Python's environment, else the one on PATH."""
    mine = BIN / name
    return str(mine) if mine.exists() else (shutil.which(name) or name)


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


def calibration() -> float:
    """Seconds of a 10^7-step Python loop on this machine now."""
    started = time.perf_counter()
    n = 0
    for i in range(10_000_000):
        n += i
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------ processes


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, session id, utime + stime in clock ticks) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name, in parentheses, may hold spaces
    return int(fields[1]), int(fields[3]), int(fields[11]) + int(fields[12])


def process_tree(root: int) -> dict[int, int]:
    """{pid: CPU ticks} of ``root``, all its descendants and, when ``root`` leads a session, every process
    of that session (a child that detached itself from its parent stays counted)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            s = _stat(int(entry))
            if s:
                stats[int(entry)] = s
    if root not in stats:
        return {}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    found = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    if stats[root][1] == root:
        found |= {pid for pid, (_, sid, _) in stats.items() if sid == root}
    return {pid: stats[pid][2] for pid in found}


def pss_kib(pids) -> int:
    """Sum of the ``Pss:`` lines of /proc/PID/smaps_rollup of ``pids``, in KiB (processes gone are skipped)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


# ------------------------------------------------------------------------------------------ engines


class Engine:
    name = ""
    path = "/sparql"

    def __init__(self, dataset: Path, workdir: Path):
        self.dataset, self.workdir = dataset, workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.preparation = ""  # what prepare() did, for the report ("" for nothing)
        self._session = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, dataset: Path) -> None:
        """One-off work before ``start()`` (timed apart from start to first answer); none by default."""
        return None

    def start(self) -> None:
        """Launch the server process and return (the run waits for its first answer)."""
        raise NotImplementedError

    def version(self) -> str:
        return ""

    def _launch(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """The server process, in a session of its own (its processes are found by it, and ended with it)."""
        self._session = True
        log = open(self.workdir / f"{self.name}.log", "ab")
        try:
            return subprocess.Popen(
                argv, stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, **kwargs
            )
        finally:
            log.close()

    def processes(self) -> dict[int, int]:
        """{pid: CPU ticks} of the server's processes."""
        if not self.process or self.process.poll() is not None:
            return {}
        return process_tree(self.process.pid)

    def alive(self) -> bool:
        return bool(self.process) and self.process.poll() is None

    def stop(self) -> None:
        if not self.process:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._session:  # what is left of its session (the group the server process led), by its id
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def query_path(self, text: str) -> str:
        return f"{self.path}?{urlencode({'query': text}, quote_via=quote)}"


class Rcpkg(Engine):
    name = "rcpkg"
    cache = False

    def prepare(self, dataset: Path) -> None:
        """One-off work before ``start()``, timed apart from start to first answer: where ``rcpkg serve``
        serves the dataset from disk (``rcpkg.store.disk``: above 64 MiB), the on-disk store is made now, as
        its first start would (later starts open it); a smaller dataset is parsed by ``rcpkg serve`` at
        start, which start to first answer includes."""
        from rcpkg.store import Store, disk

        if disk.chosen("auto", dataset) == "disk":
            Store.load(dataset, mode="disk")  # made once; reused while made from the same bytes
            self.preparation = "on-disk store"

    def start(self) -> None:
        """``rcpkg serve`` as users launch it: the console script, the dataset in ``RCPKG_DATASET``."""
        env = dict(os.environ)
        env.update(
            RCPKG_DATASET=str(self.dataset),
            RCPKG_CACHE="true" if self.cache else "false",
            RCPKG_MAX_ROWS="100000000",
            RCPKG_QUERY_TIMEOUT="300",
            RCPKG_MAX_CLIENT_QUERIES="0",
        )
        self.process = self._launch([tool("rcpkg"), "serve", "--host", "127.0.0.1", "--port", str(self.port)], env=env)

    def version(self) -> str:
        done = subprocess.run([tool("rcpkg"), "--version"], capture_output=True, text=True)
        return (done.stdout or done.stderr).strip()


class RcpkgCache(Rcpkg):
    name = "rcpkg-cache"
    cache = True


class Oxigraph(Engine):
    name = "oxigraph"
    path = "/query"

    def prepare(self, dataset: Path) -> None:
        """``oxigraph load`` of the dataset into a fresh store."""
        self.location = self.workdir / f"oxigraph-{dataset.stem}"
        shutil.rmtree(self.location, ignore_errors=True)
        with open(self.workdir / f"{self.name}.log", "ab") as log:
            subprocess.run(
                [tool("oxigraph"), "load", "--location", str(self.location), "--file", str(dataset)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.preparation = "oxigraph load"

    def start(self) -> None:
        self.process = self._launch(
            [tool("oxigraph"), "serve-read-only", "--location", str(self.location)]
            + ["--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
        )

    def version(self) -> str:
        return subprocess.run([tool("oxigraph"), "--version"], capture_output=True, text=True).stdout.strip()


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

    def prepare(self, dataset: Path) -> None:
        """A fresh database, bulk-loaded (``ld_dir``, ``rdf_loader_run``, checkpoint) by a Virtuoso that is
        then shut down; ``start()`` starts another over the loaded database."""
        self.directory = d = self.workdir / f"virtuoso-{dataset.stem}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        self.isql = free_port()
        (d / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(d=d, isql=self.isql, http=self.port, data=dataset.parent), "utf-8"
        )
        loader = self._launch(["virtuoso-t", "+foreground", "+configfile", str(d / "virtuoso.ini")], cwd=d)
        try:
            wait_http(self.base + "/sparql?query=ASK%7B%7D", 600)
            self.isql_exec(
                f"ld_dir('{dataset.parent}', '{dataset.name}', 'urn:rcpkg:default'); rdf_loader_run(); checkpoint;"
            )
            loader.send_signal(signal.SIGTERM)
            loader.wait(timeout=600)
        finally:
            if loader.poll() is None:
                loader.kill()
                loader.wait()
        self.preparation = "bulk load"

    def start(self) -> None:
        self.process = self._launch(
            ["virtuoso-t", "+foreground", "+configfile", str(self.directory / "virtuoso.ini")], cwd=self.directory
        )

    def isql_exec(self, statements: str) -> None:
        subprocess.run(
            ["isql-vt", str(self.isql), "dba", "dba", f"exec={statements}"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=7200,
        )

    def version(self) -> str:
        done = subprocess.run(["virtuoso-t", "+version"], capture_output=True, text=True)
        lines = (done.stdout + done.stderr).splitlines()
        return next((f"virtuoso {line.split()[1]}" for line in lines if line.startswith("Version ")), "")


ENGINES = {"rcpkg": Rcpkg, "rcpkg-cache": RcpkgCache, "oxigraph": Oxigraph, "virtuoso": Virtuoso}
OTHERS = ("oxigraph", "virtuoso")
MINE = ("rcpkg", "rcpkg-cache")


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


def answer(engine: Engine, text: str, timeout: float = 600) -> Counter:
    request = urllib.request.Request(
        engine.base + engine.query_path(text), headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as r:
        data = json.loads(r.read())
    names = data["head"]["vars"]
    return Counter(tuple(_norm(b.get(n)) for n in names) for b in data["results"]["bindings"])


def first_answer(engine: Engine, text: str, limit: float) -> None:
    """Wait for the first successful answer of ``engine`` to ``text``; RuntimeError if it exits or ``limit``
    seconds pass."""
    deadline = time.monotonic() + limit
    while True:
        try:
            answer(engine, text, timeout=max(1.0, deadline - time.monotonic()))
            return
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            pass
        if not engine.alive():
            raise RuntimeError(f"{engine.name} exited with {engine.process.returncode if engine.process else '?'}")
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{engine.name}: no answer within {limit:g} s")
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------ load


def wrk(
    engine: Engine, paths: list[str], concurrency: int, seconds: float, *, min_requests: int = 0, cap: float = 0
) -> dict:
    """Run ``wrk`` against ``engine`` for ``seconds``, GET each of ``paths`` in turn; with ``min_requests``,
    keep going past ``seconds`` until that many requests are complete or ``cap`` seconds in all. The summary
    of wrk.lua, plus ``reached`` (whether ``min_requests`` were complete)."""
    seconds = max(1.0, seconds)
    cap = max(seconds, cap)
    threads = min(concurrency, 2)
    listing = engine.workdir / f"paths-{engine.name}-{os.getpid()}.txt"
    listing.write_text("\n".join(paths) + "\n", "utf-8")
    duration = math.ceil(cap if min_requests else seconds)  # without min_requests wrk ends by itself
    argv = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "120s"]
    argv += ["-s", str(ROOT / "bench" / "wrk.lua"), engine.base, "--", str(listing)]
    if min_requests:
        per_thread = math.ceil(min_requests / threads)
        connections = math.ceil(concurrency / threads)
        argv.append(str(per_thread + connections + 1))
    lines: queue.Queue[str | None] = queue.Queue()
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reached, output, interrupted = 0, [], False
    try:
        while True:
            now = time.monotonic()
            if min_requests and not interrupted and now - started >= seconds and reached >= threads:
                process.send_signal(signal.SIGINT)  # wrk stops, and prints its summary
                interrupted = True
            wait = max(0.01, min(0.2, started + seconds - now)) if now - started < seconds else 0.2
            try:
                line = lines.get(timeout=wait)
            except queue.Empty:
                if now - started > cap + 600:
                    raise RuntimeError("wrk did not end") from None
                continue
            if line is None:
                break
            if line.startswith("WRKREACHED"):
                reached += 1
            else:
                output.append(line)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        listing.unlink(missing_ok=True)
    for line in output:
        if line.startswith("WRKJSON "):
            result = json.loads(line[len("WRKJSON ") :])
            result["reached"] = not min_requests or result["requests"] >= min_requests
            return result
    raise RuntimeError(f"wrk printed no summary: {''.join(output)} {process.stderr.read() if process.stderr else ''}")


def wait_quiet(engine: Engine, limit: float) -> tuple[float, bool, float]:
    """Wait until the CPU time of all the engine's processes grows by at most QUIET_TICKS over QUIET_SPAN
    seconds; (seconds waited, whether ``limit`` ran out first, CPU seconds the engine used meanwhile: the
    work it did after the load generator had gone)."""
    started = time.monotonic()
    before = engine.processes()
    used = 0
    while True:
        time.sleep(QUIET_SPAN)
        now = engine.processes()
        growth = sum(max(0, ticks - before.get(pid, 0)) for pid, ticks in now.items())
        used += growth
        waited = time.monotonic() - started
        if growth <= QUIET_TICKS:
            return waited, False, used / CLOCK_TICK
        if waited >= limit:
            return waited, True, used / CLOCK_TICK
        before = now


# ------------------------------------------------------------------------------------------ the run


@dataclass
class Window:
    engine: str
    workload: str
    concurrency: int
    run: int  # pass number, from 0
    position: int  # 0: this engine went first on this workload in this pass
    requests: int
    seconds: float
    rps: float  # requests / seconds, or the upper bound (requests + concurrency) / seconds
    bound: bool  # fewer than MIN_REQUESTS in MAX_WINDOW seconds: rps is an upper bound
    p50_ms: float
    p99_ms: float
    errors: int
    quiet_s: float  # the wait for the engine to be quiet after the window
    quiet_ran_out: bool
    leftover_cpu_s: float  # CPU time the engine used during that wait


@dataclass
class Summary:
    engine: str
    workload: str
    concurrency: int
    rps: float  # median of the passes
    bound: bool  # at least one pass gave an upper bound only
    spread: float  # (max - min) / median of the passes
    passes: list[float]
    p50_ms: float
    p99_ms: float
    errors: int
    quiet_max_s: float  # the longest wait for the engine to be quiet after a window
    quiet_ran_out: bool
    leftover_cpu_max_s: float  # the most CPU time it used during such a wait


@dataclass
class EngineReport:
    version: str = ""
    preparation: str = ""
    prepare_s: float | None = None
    start_s: float | None = None  # launching the server process to its first answer
    pss_kib: int | None = None  # after its questions ran
    processes: int | None = None
    error: str = ""


@dataclass
class Settings:
    engines: list[str]
    workloads: list[str]
    concurrency: list[int]
    seconds: float
    passes: int
    warmup: float
    first_question: str
    min_requests: int = MIN_REQUESTS
    max_window_s: float = MAX_WINDOW
    quiet: str = f"CPU time grows <= {QUIET_TICKS} ticks over {QUIET_SPAN} s"
    quiet_max_s: float = 60


@dataclass
class ScaleResult:
    scale: int
    dataset: str
    quads: int | None
    date: str
    machine: str
    settings: Settings
    calibration_start_s: float
    calibration_end_s: float = 0.0
    load_average: dict = field(default_factory=dict)
    engines: dict[str, EngineReport] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    schema: int = SCHEMA

    @property
    def cal(self) -> float:
        return (self.calibration_start_s + self.calibration_end_s) / 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> str:
    model = ""
    try:
        model = next(
            (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), ""
        )
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        mem = 0
    return (
        f"{model or platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{mem / 2**20:.0f} GiB, Linux {platform.release()}, Python {platform.python_version()}, "
        f"{subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout.split('[')[0].strip()}"
    )


def dataset_for(scale: int) -> Path:
    path = OUT / f"rcp-x{scale}.nq"
    if not path.exists():
        log(f"[x{scale}] generating {path}")
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "generate.py"), "--scale", str(scale), "--output", str(path)], check=True
        )
    return path


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _verdict(got: Counter, reference: Counter) -> str:
    if got == reference:
        return "same"
    return (
        f"DIFFERS: {sum(got.values())} rows vs {sum(reference.values())}, "
        f"{sum((got - reference).values())} not in rcpkg's answer"
    )


def run_scale(scale: int, args: argparse.Namespace, questions: dict[str, str]) -> ScaleResult:
    dataset = dataset_for(scale)
    workloads: dict[str, list[str]] = {q: [questions[q]] for q in args.questions if q != "mix"}
    if "mix" in args.questions:
        workloads["mix"] = list(questions.values())
    result = ScaleResult(
        scale=scale,
        dataset=str(dataset.relative_to(ROOT) if dataset.is_relative_to(ROOT) else dataset),
        quads=count_lines(dataset),
        date=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(),
        settings=Settings(
            engines=args.engines,
            workloads=list(workloads),
            concurrency=args.concurrency,
            seconds=args.seconds,
            passes=args.passes,
            warmup=args.warmup,
            first_question=args.first_question,
            quiet_max_s=args.quiet_max,
        ),
        calibration_start_s=calibration(),
        load_average={"start": os.getloadavg()},
    )
    log(f"[x{scale}] {result.quads} quads; calibration {result.calibration_start_s:.3f} s")
    workdir = args.workdir / f"x{scale}"
    workdir.mkdir(parents=True, exist_ok=True)
    running: list[Engine] = []
    try:
        # one engine at a time: prepared, started, timed to its first answer, left to be quiet; all then run
        for name in args.engines:
            engine = ENGINES[name](dataset, workdir)
            report = result.engines[name] = EngineReport()
            try:
                report.version = engine.version()
                started = time.monotonic()
                engine.prepare(dataset)
                report.prepare_s = round(time.monotonic() - started, 3)
                report.preparation = engine.preparation
                started = time.monotonic()
                engine.start()
                first_answer(engine, questions[args.first_question], args.start_max)
                report.start_s = round(time.monotonic() - started, 3)
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                report.error = f"did not start: {exc}"
                log(f"[x{scale}] {name} {report.error}")
                engine.stop()
                continue
            log(
                f"[x{scale}] {name}: prepared in {report.prepare_s:.2f} s ({report.preparation or 'nothing'}), "
                f"first answer {report.start_s:.2f} s after launch"
            )
            running.append(engine)
            wait_quiet(engine, args.quiet_max)

        reference = next((e for e in running if e.name in MINE), None)
        answers = {e.name: {} for e in running}
        for qname in workloads:
            if qname == "mix":
                continue
            got = {}
            for engine in running:
                try:
                    got[engine.name] = answer(engine, questions[qname])
                except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                    answers[engine.name][qname] = f"failed: {exc}"
                wait_quiet(engine, args.quiet_max)
            for engine in running:
                if engine.name not in got:
                    continue
                if reference is None or reference.name not in got:
                    answers[engine.name][qname] = f"{sum(got[engine.name].values())} rows (not compared)"
                elif engine is reference:
                    answers[engine.name][qname] = f"{sum(got[engine.name].values())} rows"
                else:
                    answers[engine.name][qname] = _verdict(got[engine.name], got[reference.name])
        result.answers = answers

        warmed: set[tuple[str, str, int]] = set()
        for run in range(args.passes):
            for wi, (workload, texts) in enumerate(workloads.items()):
                for ci, concurrency in enumerate(args.concurrency):
                    live = [e for e in running if e.alive()]
                    k = (wi * len(args.concurrency) + ci + run) % max(1, len(live))  # who goes first, in turn
                    for position, engine in enumerate(live[k:] + live[:k]):
                        paths = [engine.query_path(t) for t in texts]
                        try:
                            if (engine.name, workload, concurrency) not in warmed and args.warmup > 0:
                                wrk(engine, paths, concurrency, args.warmup)
                                wait_quiet(engine, args.quiet_max)
                                warmed.add((engine.name, workload, concurrency))
                            w = window(engine, paths, concurrency, args, workload, run, position)
                        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                            result.engines[engine.name].error = f"failed during {workload}: {exc}"
                            log(f"[x{scale}] {engine.name} failed during {workload}: {exc}; left out from here on")
                            engine.stop()
                            continue
                        result.windows.append(w)
                        log(
                            f"[x{scale}] pass {run + 1} {workload:17} c={concurrency} {engine.name:12} "
                            f"{'≤' if w.bound else ' '}{w.rps:9.1f} req/s ({w.requests} in {w.seconds:.1f} s)  "
                            f"p50 {w.p50_ms:8.2f} ms  p99 {w.p99_ms:8.2f} ms  errors {w.errors}  quiet after "
                            f"{w.quiet_s:.1f} s ({w.leftover_cpu_s:.2f} CPU s){' (ran out)' if w.quiet_ran_out else ''}"
                        )
                        if not engine.alive():
                            result.engines[engine.name].error = f"exited during {workload}"
                            log(f"[x{scale}] {engine.name} exited during {workload}; left out from here on")

        for engine in running:  # PSS of every engine after its questions ran (all are idle now)
            if not engine.alive():
                continue
            pids = engine.processes()
            report = result.engines[engine.name]
            report.pss_kib, report.processes = pss_kib(pids), len(pids)
    finally:
        for engine in running:
            engine.stop()
    result.summaries = summarise(result.windows)
    result.calibration_end_s = calibration()
    result.load_average["end"] = os.getloadavg()
    log(f"[x{scale}] calibration at the end {result.calibration_end_s:.3f} s")
    return result


def window(
    engine: Engine, paths: list[str], concurrency: int, args: argparse.Namespace, workload: str, run: int, position: int
) -> Window:
    """One window of ``engine`` (at least ``args.seconds``, until MIN_REQUESTS or MAX_WINDOW), then the wait
    until it is quiet."""
    r = wrk(engine, paths, concurrency, args.seconds, min_requests=MIN_REQUESTS, cap=MAX_WINDOW)
    quiet_s, ran_out, leftover = wait_quiet(engine, args.quiet_max)
    secs = r["duration_us"] / 1e6
    bound = not r["reached"]
    return Window(
        engine=engine.name,
        workload=workload,
        concurrency=concurrency,
        run=run,
        position=position,
        requests=r["requests"],
        seconds=round(secs, 3),
        rps=round((r["requests"] + (concurrency if bound else 0)) / secs, 3),
        bound=bound,
        p50_ms=round(r["p50_us"] / 1000, 3),
        p99_ms=round(r["p99_us"] / 1000, 3),
        errors=r["errors"],
        quiet_s=round(quiet_s, 2),
        quiet_ran_out=ran_out,
        leftover_cpu_s=round(leftover, 2),
    )


def summarise(windows: list[Window]) -> list[Summary]:
    groups: dict[tuple[str, str, int], list[Window]] = {}
    for w in windows:
        groups.setdefault((w.engine, w.workload, w.concurrency), []).append(w)
    summaries = []
    for (engine, workload, concurrency), ws in groups.items():
        rates = [w.rps for w in ws]
        median = statistics.median(rates)
        summaries.append(
            Summary(
                engine=engine,
                workload=workload,
                concurrency=concurrency,
                rps=round(median, 3),
                bound=any(w.bound for w in ws),
                spread=round((max(rates) - min(rates)) / median, 3) if median else 0.0,
                passes=rates,
                p50_ms=round(statistics.median(w.p50_ms for w in ws), 3),
                p99_ms=round(statistics.median(w.p99_ms for w in ws), 3),
                errors=sum(w.errors for w in ws),
                quiet_max_s=max(w.quiet_s for w in ws),
                quiet_ran_out=any(w.quiet_ran_out for w in ws),
                leftover_cpu_max_s=max(w.leftover_cpu_s for w in ws),
            )
        )
    return summaries


# ------------------------------------------------------------------------------------------ tables


def _rate(value: float, bound: bool) -> str:
    text = f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"
    return ("≤" if bound else "") + text


def _ratio(mine: Summary | None, other: Summary | None) -> str:
    if not mine or not other or not other.rps:
        return "-"
    if mine.bound and other.bound:
        return "?"  # two upper bounds: no order between them
    sign = "≤" if mine.bound else "≥" if other.bound else ""
    return f"{sign}{mine.rps / other.rps:.2f}"


def _drift(result: ScaleResult) -> str:
    """A warning when the two calibrations differ by more than 20%."""
    low, high = sorted((result.calibration_start_s, result.calibration_end_s))
    if low and high / low > 1.2:
        return (
            f" The two differ by {high / low - 1:.0%}: the machine's speed for this process changed during the run "
            "(other work), so single figures are noisier than the spread between passes may show."
        )
    return ""


def table(result: ScaleResult) -> str:
    s, cal = result.settings, result.cal
    present = [e for e in ENGINES if e in result.engines]
    by = {(m.engine, m.workload, m.concurrency): m for m in result.summaries}
    lines = [
        f"### Scale x{result.scale}",
        "",
        f"{result.date}; {result.machine}; load average {', '.join(f'{x:.1f}' for x in result.load_average['start'])}"
        f" at the start, {', '.join(f'{x:.1f}' for x in result.load_average.get('end', ()))} at the end. "
        f"Data: {result.dataset}, {result.quads:,} quads.",
        "",
        f"Calibration (10^7-step Python loop): {result.calibration_start_s:.3f} s at the start, "
        f"{result.calibration_end_s:.3f} s at the end; cal = {cal:.3f} s." + _drift(result),
        "",
        f"Method: all engines running at once; per workload the engines take turns, one window each, the order "
        f"rotated per workload and pass; {s.passes} pass(es), median and spread ((max - min) / median) of the "
        f"passes; windows of {s.seconds:g} s, extended until {s.min_requests} requests are complete or "
        f"{s.max_window_s:g} s (≤: fewer in {s.max_window_s:g} s, upper bound (completed + concurrency) / s); "
        f"{s.warmup:g} s warm-up first; after each window a wait until the engine is quiet ({s.quiet}); wrk GET "
        f"keep-alive, Accept: application/sparql-results+json, concurrency {', '.join(map(str, s.concurrency))}.",
        "",
        "| engine | version | one-off preparation | start to first answer | start / cal | PSS after the run "
        "| processes |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name in present:
        r = result.engines[name]
        if r.prepare_s is None:
            prep = "-"
        elif r.preparation or r.prepare_s >= 0.01:  # a prepare() that does something shows, named or not
            prep = f"{r.preparation or 'prepare()'} {r.prepare_s:.2f} s"
        else:
            prep = "none"
        start = f"{r.start_s:.2f} s" if r.start_s is not None else "-"
        ratio = f"{r.start_s / cal:.2f}" if r.start_s is not None else "-"
        pss = f"{r.pss_kib / 1024:.0f} MiB" if r.pss_kib is not None else "-"
        lines.append(
            f"| {name}{' (' + r.error + ')' if r.error else ''} | {r.version} | {prep} | {start} | {ratio} | {pss} "
            f"| {r.processes if r.processes is not None else '-'} |"
        )
    lines += [
        "",
        f"Start to first answer: from launching the server process to its first answer to {s.first_question}.rq.",
        "",
    ]
    mine = [e for e in MINE if e in present]
    others = [e for e in OTHERS if e in present]
    ratio_heads = [f"{m} / {o}" for o in others for m in mine]
    head = "| question | c | engine | req/s | spread | req/s x cal | p50 ms | p50 / cal ‰ | p99 ms | errors "
    head += "| quiet wait s (CPU s) |"
    head += "".join(f" {h} |" for h in ratio_heads)
    lines += [head, "|" + " --- |" * 3 + " ---: |" * (head.count("|") - 4)]
    for workload in s.workloads:
        for c in s.concurrency:
            for name in present:
                m = by.get((name, workload, c))
                if not m:
                    continue
                spread = f"{m.spread:.0%}" if len(m.passes) > 1 else "-"
                row = (
                    f"| {workload} | {c} | {name} | {_rate(m.rps, m.bound)} | {spread} | "
                    f"{_rate(m.rps * cal, m.bound)} | {m.p50_ms:.2f} | {m.p50_ms / cal:.2f} | {m.p99_ms:.2f} | "
                    f"{m.errors} | {m.quiet_max_s:.1f} ({m.leftover_cpu_max_s:.1f})"
                    f"{' ran out' if m.quiet_ran_out else ''} |"
                )
                for o in others:
                    for my in mine:
                        row += f" {_ratio(by.get((my, workload, c)), m)} |" if name == o else " |"
                lines.append(row)
    if others and mine:
        lines += [
            "",
            "| question | c | " + " | ".join(ratio_heads) + " |",
            "| --- | --- |" + " ---: |" * len(ratio_heads),
        ]
        for workload in s.workloads:
            for c in s.concurrency:
                cells = [_ratio(by.get((my, workload, c)), by.get((o, workload, c))) for o in others for my in mine]
                lines.append(f"| {workload} | {c} | " + " | ".join(cells) + " |")
    lines += ["", "Answers compared with rcpkg's (rows as multisets of terms):", ""]
    for engine, results in result.answers.items():
        if results and all(r.endswith(" rows") for r in results.values()):
            lines.append(f"- {engine} (the reference): " + ", ".join(f"{q} {r}" for q, r in results.items()))
            continue
        differing = {q: r for q, r in results.items() if r != "same"}
        if results:
            lines.append(
                f"- {engine}: "
                + ("all the same" if not differing else "; ".join(f"{q}: {r}" for q, r in differing.items()))
            )
    lines.append("")
    return "\n".join(lines)


def _load(path: Path) -> ScaleResult | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    try:
        data["settings"] = Settings(**data["settings"])
        data["engines"] = {k: EngineReport(**v) for k, v in data["engines"].items()}
        data["windows"] = [Window(**w) for w in data["windows"]]
        data["summaries"] = [Summary(**m) for m in data["summaries"]]
        return ScaleResult(**data)
    except (TypeError, KeyError, AttributeError) as exc:
        log(f"{path}: left out of results.md, not in this version's form ({exc})")
        return None


def write_markdown() -> str:
    results = sorted(filter(None, map(_load, OUT.glob("results-x*.json"))), key=lambda r: r.scale)
    text = "\n".join(
        ["Produced by bench/run.py (its docstring describes the method); one section per scale.", ""]
        + [table(r) for r in results]
    )
    (OUT / "results.md").write_text(text, "utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    questions = {p.stem: p.read_text("utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))}
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    p.add_argument("--questions", nargs="+", default=[*questions, "mix"], choices=[*questions, "mix"])
    p.add_argument("--concurrency", type=int, nargs="+", default=[8])
    p.add_argument("--seconds", type=float, default=5, help="least length of a window (default 5)")
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--warmup", type=float, default=1, help="seconds of load before an engine's first window")
    p.add_argument("--first-question", default="chairs", choices=list(questions))
    p.add_argument("--quiet-max", type=float, default=60, help="longest wait for an engine to be quiet")
    p.add_argument("--start-max", type=float, default=3600, help="longest wait for an engine's first answer")
    p.add_argument("--workdir", type=Path, default=OUT / "work")
    args = p.parse_args(argv)
    if not shutil.which("wrk"):
        p.error("wrk is not installed (apt-get install wrk)")
    if args.passes < 1 or args.seconds < 1 or min(args.concurrency) < 1 or min(args.scales) < 1:
        p.error("--passes, --concurrency and --scales must be at least 1, --seconds at least 1")
    if "virtuoso" in args.engines and not (shutil.which("virtuoso-t") and shutil.which("isql-vt")):
        log("virtuoso-t not installed: Virtuoso skipped (apt-get install virtuoso-opensource)")
        args.engines = [e for e in args.engines if e != "virtuoso"]
    args.engines = [e for e in ENGINES if e in args.engines]
    args.workdir.mkdir(parents=True, exist_ok=True)
    for scale in args.scales:
        result = run_scale(scale, args, questions)
        (OUT / f"results-x{scale}.json").write_text(json.dumps(asdict(result), indent=1, ensure_ascii=False), "utf-8")
        print(table(result), flush=True)
        write_markdown()
    log(f"written: {OUT / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
