"""One function per ``rcpkg`` subcommand: each a few lines calling the pipeline's modules."""

from __future__ import annotations

import os
import socket
import sys
import time

from rcpkg import paths
from rcpkg.errors import DataError, QueryError, ValidationFailed
from rcpkg.files import decode_utf8, parse_rdf, read_utf8


def build(args) -> int:
    from rcpkg import dump, knowledge_base, source

    t0 = time.perf_counter()
    built = knowledge_base.build()
    print(f"built {len(built.data)} triples from {source.source_file().name} in {built.seconds_build:.2f} s")
    print(built.report.text())
    if not built.report.conforms:
        raise ValidationFailed("the knowledge base does not conform to the shapes; nothing was written")
    t1 = time.perf_counter()
    dataset = built.dataset()
    t2 = time.perf_counter()
    written = dump.publish(dataset, paths.dumps_dir(), copy=paths.built_data())  # data/rcp.ttl: the same Turtle
    built.stages.update({"dataset": t2 - t1, "dumps": time.perf_counter() - t2})
    print("stages: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in built.stages.items()))
    print(f"wrote {paths.built_data()} and {len(written)} files in {paths.dumps_dir()}")
    print(f"total {time.perf_counter() - t0:.2f} s")
    return 0


def validate(args) -> int:
    from rdflib import RDF, Graph

    from rcpkg import validate as v
    from rcpkg.namespaces import RCP

    path = args.file or paths.built_data()
    data = parse_rdf(Graph(), path, "turtle", "Turtle")
    if (None, RDF.type, RCP.RegionalConsultativeProcess) not in data:
        raise DataError(
            f"{path} states no rcp:RegionalConsultativeProcess ({len(data)} triples): not a knowledge base to validate"
        )
    report, _ = v.validate(data)
    print(report.text())
    return 0 if report.conforms else 1


def query(args) -> int:
    from rcpkg import query as q
    from rcpkg.store import Limits, QueryTimeout

    if args.file == "-":
        text = decode_utf8(sys.stdin.buffer.read(), "standard input", QueryError)
    else:
        text = read_utf8(args.file, QueryError, "query file")
    limits = Limits(args.timeout, args.max_rows, args.max_query_bytes, args.max_query_depth)
    try:
        out = q.run(text, args.format, limits, tuple(args.allow_service))
    except (KeyboardInterrupt, QueryTimeout) as exc:
        # The engine cannot be stopped from Python: the evaluation it leaves running would keep the process
        # alive after this returns, so the process ends here, at once.
        if isinstance(exc, QueryTimeout):
            print(f"rcpkg query: error: {exc} (--timeout)", file=sys.stderr)
        _exit_now(1 if isinstance(exc, QueryTimeout) else 130)
    sys.stdout.write(out.text)
    if out.truncated:
        print(f"rcpkg query: the result was cut at {limits.max_rows} rows (--max-rows)", file=sys.stderr)
    return 0


def _exit_now(status: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def stats(args) -> int:
    from rcpkg import query as q

    sys.stdout.write(q.stats())
    return 0


def dump(args) -> int:
    from rcpkg import dump as d
    from rcpkg import knowledge_base

    written = d.publish(knowledge_base.load(), paths.dumps_dir())
    for path in written:
        print(path)
    return 0


def reconcile(args) -> int:
    from rcpkg import knowledge_base

    _, processes, ref, _ = knowledge_base.extract_processes()
    if args.cells:
        return _reconcile_cells(processes, ref)
    print("process\trow\tcolumn\tname in source\trole\tstatus\tkind\tkey\tlabel")
    for proc in processes:
        for ms in sorted(proc.memberships.values(), key=lambda m: (m.cells[0].row, m.role, m.entity)):
            e, label = ms.entity, ref.label(ms.entity)
            for name in ms.names_in_source:
                print(
                    f"{proc.key}\t{ms.cells[0].row}\t{ms.cells[0].column}\t{name}\t{ms.role}\t{ms.status}\t"
                    f"{e.kind}\t{e.key}\t{label}"
                )
    return 0


def _reconcile_cells(processes, ref) -> int:
    """Per cell of the participant and prose columns: each statement the grammar found (its row of
    statements.csv), each list item and lead-in placed, and any text left over that nothing explains."""
    from rcpkg import coverage
    from rcpkg.source import COLUMNS

    def line(*fields) -> None:
        print("\t".join(str(f).replace("\n", " / ").replace("\t", " ") for f in fields))

    line("process", "row", "column", "kind", "rule", "text")
    for proc in processes:
        items = {"Main Areas of Discussion": proc.main_areas, "Current Priorities": proc.priorities}
        for column in COLUMNS[2:]:
            for cell in proc.rows.parts(column):
                account = coverage.account(cell, ref.grammar, items.get(column))
                where = (proc.key, cell.row, column)
                for st in account.statements:
                    kind = (
                        "total"
                        if st.total is not None
                        else "verbatim"
                        if st.verbatim
                        else "event"
                        if st.event
                        else "statement"
                    )
                    line(*where, kind, st.pattern or "", st.text)
                for kind, text in account.placed:
                    line(*where, kind, "", text)
                for text in account.leftover:
                    line(*where, "left over", "", text)
    return 0


def serve(args) -> int:
    from rcpkg.web import server

    _check_port_free(args.host, args.port)
    return server.run(args.host, args.port, args.workers) or 0


def _check_port_free(host: str, port: int) -> None:
    """``DataError`` when ``host:port`` cannot be bound (in use, not an address of this machine), in one line
    before the server starts (the HTTP server's own error is a traceback from its worker start)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise DataError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the HTTP server binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise DataError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
