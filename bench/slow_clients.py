"""Slow clients against a running server: does a well-behaved client still get its answers?

    python bench/slow_clients.py [--connections 1000] [--seconds 20] [--question chairs] [--url URL]

Without ``--url`` it starts ``rcpkg serve`` (defaults, cache off) on a free port over the built knowledge
base. Then, twice (without and with slow connections): one client sends the question (GET, keep-alive off,
one request at a time) for ``--seconds`` and the request times are reported (count, errors, p50, p99, max).
The slow connections are a third each: open and silent; trickling a header line every 2 s; headers sent,
then a POST body trickled a byte every 2 s. Also reported: how many slow connections the server still held
at the end, and the calibration (a 10^7-step Python loop) before and after. Not part of the test suite
(tests/web/test_slow_clients.py is the behaviour, with a few hundred connections).
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]


def calibration() -> float:
    start = time.perf_counter()
    n = 0
    for _ in range(10**7):
        n += 1
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slow:
    KINDS = ("idle", "headers", "body")

    def __init__(self, host: str, port: int, count: int, every: float = 2.0) -> None:
        self.connections = []
        for number in range(count):
            kind = self.KINDS[number % 3]
            c = socket.create_connection((host, port), timeout=10)
            if kind == "headers":
                c.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            elif kind == "body":
                c.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                    b"Content-Length: 100000\r\n\r\nASK"
                )
            self.connections.append((kind, c))
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.trickle, daemon=True)
        self.thread.start()

    def trickle(self) -> None:
        while not self.stop.wait(self.every):
            for kind, c in self.connections:
                try:
                    if kind == "headers":
                        c.sendall(b"X-Slow: 1\r\n")
                    elif kind == "body":
                        c.sendall(b" ")
                except OSError:
                    pass

    def held(self) -> int:
        count = 0
        for _, c in self.connections:
            c.setblocking(False)
            try:
                count += c.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for _, c in self.connections:
            c.close()


def measure(host: str, port: int, path: str, seconds: float) -> dict:
    times, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors += 1
                continue
            times.append((time.perf_counter() - start) * 1000)
        except OSError:
            errors += 1
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")  # noqa: E731
    return {"answered": len(times), "errors": errors, "p50": pick(0.5), "p99": pick(0.99), "max": pick(1.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--question", default="chairs")
    parser.add_argument("--url", help="a running server's root URL (else one is started)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.connections + 1000)), hard))

    process = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        host, port = "127.0.0.1", free_port()
        env = dict(os.environ, RCPKG_CACHE="false", RCPKG_MAX_CLIENT_QUERIES="0")
        process = subprocess.Popen(
            [sys.executable, "-m", "rcpkg.cli", "serve", "--host", host, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
    text = (ROOT / "queries" / f"{args.question}.rq").read_text("utf-8")
    path = "/sparql?" + urlencode({"query": text})
    try:
        before = calibration()
        measure(host, port, path, 2)  # warm-up
        quiet = measure(host, port, path, args.seconds)
        slow = Slow(host, port, args.connections)
        time.sleep(4)
        loaded = measure(host, port, path, args.seconds)
        held = slow.held()
        slow.close()
        after = calibration()
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    print(f"calibration (10^7-step loop): {before:.2f} s before, {after:.2f} s after")
    print(f"question {args.question}, one client, {args.seconds:g} s each")
    print("| slow connections | answered | errors | p50 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, m in (("none", quiet), (f"{args.connections} (held at the end: {held})", loaded)):
        print(f"| {label} | {m['answered']} | {m['errors']} | {m['p50']:.1f} | {m['p99']:.1f} | {m['max']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
