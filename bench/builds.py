"""Two builds of rcpkg side by side: is the code of this checkout slower than another's on the same questions?

    python bench/builds.py --before /path/to/other/checkout [--seconds 3] [--passes 2] [--workers 4]

Starts ``rcpkg serve`` twice at the same time, once with this checkout's code and once with the code of
``--before`` (``PYTHONPATH=<before>/src``), both over this checkout's built dataset
(``data/dumps/rcp.trig``: the question is what the code costs, so both answer the same data), result cache
off, the row limit and the per-client limit out of the way (the load generator is one address standing for
many clients). For every competency question of ``queries/*.rq``, pass after pass, it runs ``wrk`` (GET,
keep-alive, Accept: SPARQL JSON, concurrency 8) against one server and then the other, alternating which
goes first, so both see the same machine. A 10^7-step Python loop is timed before and after as the
calibration; figures are printed as requests/s with the ratio after/before, and the noise is the spread
between passes of the same build.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
run = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
sys.modules["bench_run"] = run  # its dataclasses look their module up
_spec.loader.exec_module(run)


def calibration() -> float:
    """Seconds of a 10^7-step Python loop on this machine now."""
    started = time.perf_counter()
    n = 0
    for i in range(10_000_000):
        n += i
    return time.perf_counter() - started


class Server(run.Engine):
    def __init__(self, name: str, checkout: Path, workers: int, workdir: Path):
        super().__init__(ROOT / "data" / "dumps" / "rcp.trig", workdir)
        self.name, self.checkout, self.workers = name, checkout, workers

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(self.checkout / "src"),
            RCPKG_HOME=str(self.checkout),
            RCPKG_DATASET=str(self.dataset),
            RCPKG_CACHE="false",
            RCPKG_MAX_ROWS="100000",
            RCPKG_QUERY_TIMEOUT="300",
            RCPKG_MAX_CLIENT_QUERIES="0",  # a build without the setting ignores it
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rcpkg.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            + ["--workers", str(self.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / f"{self.name}.log", "wb"),
        )
        run.wait_http(self.base + "/sparql")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args(argv)
    workdir = ROOT / "bench" / "out"
    workdir.mkdir(parents=True, exist_ok=True)
    questions = {q.stem: q.read_text("utf-8") for q in sorted((ROOT / "queries").glob("*.rq"))}
    servers = [
        Server("before", args.before.resolve(), args.workers, workdir),
        Server("after", ROOT, args.workers, workdir),
    ]
    calibrations = [calibration()]
    for server in servers:
        server.start()
    rps: dict[tuple[str, str], list[float]] = {}
    p99: dict[tuple[str, str], list[float]] = {}
    try:
        for name, text in questions.items():
            for server in servers:  # warm-up, and the same answer from both
                run.wrk(server, [server.query_path(text)], 1, 1)
            for n in range(args.passes):
                order = servers if n % 2 == 0 else servers[::-1]
                for server in order:
                    result = run.wrk(server, [server.query_path(text)], args.concurrency, args.seconds)
                    if result["errors"]:
                        raise RuntimeError(f"{server.name} answered {result['errors']} errors on {name}")
                    rps.setdefault((name, server.name), []).append(result["requests"] / (result["duration_us"] / 1e6))
                    p99.setdefault((name, server.name), []).append(result["p99_us"] / 1000)
            print(f"{name}: done", file=sys.stderr, flush=True)
    finally:
        for server in servers:
            server.stop()
    calibrations.append(calibration())
    print(
        f"calibration (10^7-step Python loop): {calibrations[0]:.2f} s before, {calibrations[1]:.2f} s after the run; "
        f"{args.passes} passes of {args.seconds:g} s per question and build, concurrency {args.concurrency}, "
        f"{args.workers} workers, cache off\n"
    )
    print(
        "| question | before req/s (passes) | after req/s (passes) | after / before | noise before | noise after "
        "| p99 before / after ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in questions:
        b, a = rps[(name, "before")], rps[(name, "after")]
        ratio = statistics.median(a) / statistics.median(b)
        noise_b = (max(b) - min(b)) / statistics.mean(b)
        noise_a = (max(a) - min(a)) / statistics.mean(a)
        print(
            f"| {name} | {', '.join(f'{x:.0f}' for x in b)} | {', '.join(f'{x:.0f}' for x in a)} | {ratio:.2f} "
            f"| {noise_b:.0%} | {noise_a:.0%} | {statistics.median(p99[(name, 'before')]):.1f} / "
            f"{statistics.median(p99[(name, 'after')]):.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
