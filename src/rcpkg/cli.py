"""The ``rcpkg`` command: a few lines per subcommand, calling the pipeline's modules."""

from __future__ import annotations

import argparse
import sys

from rcpkg.errors import RcpkgError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rcpkg", description="Knowledge base of the Regional Consultative Processes")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("build", help="build data/rcp.ttl and the dumps from the source; validates on the way")

    v = sub.add_parser("validate", help="validate a Turtle file (default: data/rcp.ttl) against the shapes")
    v.add_argument("file", nargs="?", help="Turtle file to validate")

    q = sub.add_parser("query", help="run a SPARQL query over the built knowledge base")
    q.add_argument("file", help="a .rq file, or - for standard input")
    q.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")

    sub.add_parser("stats", help="counts per class and per process")
    sub.add_parser("dump", help="write the dumps of the built knowledge base")
    sub.add_parser("reconcile", help="print every name of the source and what it resolved to")

    s = sub.add_parser("serve", help="serve the SPARQL endpoint and the linked-data pages")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from rcpkg import commands

        return getattr(commands, args.command)(args)
    except RcpkgError as exc:
        print(f"rcpkg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
