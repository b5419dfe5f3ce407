"""The ``rcpkg`` command: one argparse parser, a sub-parser per command, each calling its function in
``rcpkg.commands`` (a few lines over the pipeline's modules)."""

from __future__ import annotations

import argparse
import sys

from rcpkg import __version__, commands
from rcpkg.errors import RcpkgError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rcpkg", description="Knowledge base of the Regional Consultative Processes")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build data/rcp.ttl and the dumps from the source; validates on the way")
    b.set_defaults(run=commands.build)

    v = sub.add_parser("validate", help="validate a Turtle file (default: data/rcp.ttl) against the shapes")
    v.add_argument("file", nargs="?", help="Turtle file to validate")
    v.set_defaults(run=commands.validate)

    q = sub.add_parser("query", help="run a SPARQL query over the built knowledge base")
    q.add_argument("file", help="a .rq file, or - for standard input")
    q.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    q.set_defaults(run=commands.query)

    sub.add_parser("stats", help="counts per class and per process").set_defaults(run=commands.stats)
    sub.add_parser("dump", help="write the dumps of the built knowledge base").set_defaults(run=commands.dump)
    r = sub.add_parser("reconcile", help="print every name of the source and what it resolved to")
    r.set_defaults(run=commands.reconcile)

    s = sub.add_parser("serve", help="serve the SPARQL endpoint and the linked-data pages (gunicorn)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=None)
    s.set_defaults(run=commands.serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except RcpkgError as exc:
        print(f"rcpkg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
