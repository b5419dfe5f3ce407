"""The ``rcpkg`` command: one argparse parser, a sub-parser per command, each calling its function in
``rcpkg.commands`` (a few lines over the pipeline's modules)."""

from __future__ import annotations

import argparse
import sys

from rcpkg import __version__, commands, query
from rcpkg.errors import RcpkgError
from rcpkg.store import limits


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """A usage error in one line (argparse prints the usage first), exit status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, low: float, high: float | None = None):
    """An argparse type: a ``kind`` (int or float) between ``low`` and ``high``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value != value or value < low or (high is not None and value > high):  # NaN too
            bound = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range ({bound})")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rcpkg", description="Knowledge base of the Regional Consultative Processes")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build data/rcp.ttl and the dumps from the source; validates on the way")
    b.set_defaults(run=commands.build)

    v = sub.add_parser("validate", help="validate a Turtle file (default: data/rcp.ttl) against the shapes")
    v.add_argument("file", nargs="?", help="Turtle file to validate")
    v.set_defaults(run=commands.validate)

    q = sub.add_parser("query", help="run a SPARQL query over the built knowledge base")
    q.add_argument("file", help="a .rq file, or - for standard input")
    q.add_argument(
        "--format",
        choices=[*query.RESULT_FORMATS, *query.GRAPH_FORMATS],
        help="for SELECT and ASK: table (default), json, xml, csv, tsv; for CONSTRUCT and DESCRIBE: turtle "
        "(default), ntriples, jsonld, rdfxml",
    )
    q.add_argument("--timeout", type=_number(float, 0.001), default=limits.QUERY_TIMEOUT, metavar="SECONDS")
    q.add_argument("--max-rows", type=_number(int, 1), default=limits.MAX_ROWS, metavar="N")
    q.add_argument("--max-query-bytes", type=_number(int, 1), default=limits.MAX_QUERY_BYTES, metavar="N")
    q.add_argument("--max-query-depth", type=_number(int, 1), default=limits.MAX_QUERY_DEPTH, metavar="N")
    q.add_argument("--allow-service", action="append", default=[], metavar="IRI", help="an endpoint SERVICE may call")
    q.set_defaults(run=commands.query)

    sub.add_parser("stats", help="counts per class and per process").set_defaults(run=commands.stats)
    sub.add_parser("dump", help="write the dumps of the built knowledge base").set_defaults(run=commands.dump)
    r = sub.add_parser("reconcile", help="print every name of the source and what it resolved to")
    r.add_argument(
        "--cells",
        action="store_true",
        help="print instead, per cell, the statements the grammar found, the items placed and the text left over",
    )
    r.set_defaults(run=commands.reconcile)

    s = sub.add_parser("serve", help="serve the SPARQL endpoint and the linked-data pages (granian)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_number(int, 0, 65535), default=8000)
    s.add_argument("--workers", type=_number(int, 1), default=None, help="worker processes (default: config)")
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
