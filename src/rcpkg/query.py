"""SPARQL over the built knowledge base from the command line: results as a table, CSV, TSV, JSON or XML,
graphs as Turtle, N-Triples, JSON-LD or RDF/XML, within the store's limits (``rcpkg.store.Limits``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rcpkg import formats
from rcpkg.errors import QueryError
from rcpkg.namespaces import DATA_GRAPH, PREFIXES
from rcpkg.store import CONSTRUCT, DESCRIBE, FORMS, Limits, QueryRefused, QueryTooComplex, Store

#: --format for SELECT and ASK ("table" is this module's), and for CONSTRUCT and DESCRIBE; the first is the
#: default.
RESULT_FORMATS = ("table", *(f.name for f in formats.RESULTS))
GRAPH_FORMATS = tuple(f.name for f in formats.GRAPHS)


@dataclass(frozen=True)
class Output:
    text: str
    truncated: bool  # ``Limits.max_rows`` cut the result


def run(text: str, fmt: str | None = None, limits: Limits | None = None, services: tuple[str, ...] = ()) -> Output:
    """Run a query within ``limits`` (the store's defaults unless given): ``QueryTooComplex`` for a query
    longer than ``max_query_bytes`` or nested deeper than ``max_query_depth``, ``QueryTimeout`` after
    ``query_timeout`` seconds, at most ``max_rows`` rows or triples. ``fmt`` must suit the query's form
    (``RESULT_FORMATS`` or ``GRAPH_FORMATS``; by default a table or Turtle); ``SERVICE`` calls only the
    endpoints of ``services``."""
    if not text.strip():
        raise QueryError("the query is empty")
    limits = limits or Limits()
    size = len(text.encode("utf-8"))
    if size > limits.max_query_bytes:
        raise QueryTooComplex(
            f"the query is {size} bytes, more than the limit of {limits.max_query_bytes} (--max-query-bytes)"
        )
    store = Store.load(limits=limits)
    info = store.inspect(text)
    if info.form in FORMS:
        allowed = GRAPH_FORMATS if info.form in (CONSTRUCT, DESCRIBE) else RESULT_FORMATS
        fmt = fmt or allowed[0]
        if fmt not in allowed:
            raise QueryError(
                f"--format {fmt} cannot express the result of a {info.form} query; use one of {', '.join(allowed)}"
            )
    try:
        if fmt in (None, "table"):
            variables, rows, truncated = _solutions(store, text, limits, services)
            return Output(table(variables, rows), truncated)
        answer = store.execute(
            text, formats.by_name(fmt, (*formats.RESULTS, *formats.GRAPHS)), **_limits(limits, services), info=info
        )
    except QueryRefused as exc:
        refused = [s for s in info.services if s not in services]
        if exc.reason != "service" or not refused:
            raise
        raise QueryRefused(
            f"SERVICE <{refused[0]}> is not called unless allowed: rcpkg query --allow-service {refused[0]} ...",
            reason="service",
        ) from None
    out = answer.body.decode("utf-8")
    return Output(out if out.endswith("\n") else out + "\n", answer.truncated)


def _limits(limits: Limits, services: tuple[str, ...] = ()) -> dict:
    return {"max_rows": limits.max_rows, "timeout": limits.query_timeout, "allowed_services": services}


def _solutions(store: Store, text: str, limits: Limits, services: tuple[str, ...] = ()):
    """Variables in order, rows of plain values (IRIs and literal lexical forms) of a SELECT or ASK, and
    whether ``max_rows`` cut them."""
    answer = store.execute(text, formats.JSON, **_limits(limits, services))
    result = json.loads(answer.body)
    if "boolean" in result:
        return ["ask"], [{"ask": "true" if result["boolean"] else "false"}], False
    variables = result["head"]["vars"]
    rows = [{v: b[v]["value"] for v in variables if v in b} for b in result["results"]["bindings"]]
    return variables, rows, answer.truncated


def table(variables: list[str], rows: list[dict]) -> str:
    """Columns padded to their widest value, two spaces apart, no space at the end of a line."""
    cells = [["" if r.get(v) is None else str(r[v]) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(variables), line(["-" * w for w in widths]), *(line(row) for row in cells)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def short(iri: str) -> str:
    """``iri`` as a prefixed name when a prefix of ``namespaces.PREFIXES`` covers it ("rcp:Theme")."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(str(p[1]))):
        if iri.startswith(str(namespace)) and iri != str(namespace):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return iri


STATS_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?count) WHERE {{
  GRAPH <{DATA_GRAPH}> {{ ?s a ?class }}
}} GROUP BY ?class ORDER BY DESC(?count) ?class
"""

STATS_PROCESSES = """
PREFIX rcp: <https://w3id.org/rcpkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?process ?declared
  (COUNT(DISTINCT IF(?role = <https://w3id.org/rcpkg/id/role/member>
                     && ?status = <https://w3id.org/rcpkg/id/status/current>, ?m, ?none)) AS ?members)
  (COUNT(DISTINCT IF(?role != <https://w3id.org/rcpkg/id/role/member> && ?kind = "country", ?m, ?none)) AS ?otherStates)
  (COUNT(DISTINCT IF(?kind = "organization", ?m, ?none)) AS ?organizations)
  (COUNT(DISTINCT ?ms) AS ?memberships)
WHERE {
  ?p a rcp:RegionalConsultativeProcess ; rcp:declaredMemberCount ?declared ; rcp:acronym|rdfs:label ?process0 .
  BIND(STRAFTER(STR(?p), "/process/") AS ?process)
  ?ms org:organization ?p ; org:member ?m ; org:role ?role ; rcp:status ?status .
  BIND(IF(CONTAINS(STR(?m), "/country/"), "country",
          IF(CONTAINS(STR(?m), "/organization/"), "organization", "other")) AS ?kind)
} GROUP BY ?process ?declared ORDER BY ?process
"""


def stats() -> str:
    store = Store.load()
    variables, rows, _ = _solutions(store, STATS_CLASSES, store.limits)
    rows = [{**row, "class": short(row["class"])} for row in rows]
    out = "Instances per class (graph/data)\n" + table(variables, rows)
    variables, rows, _ = _solutions(store, STATS_PROCESSES, store.limits)
    out += "\nPer process: current member governments, other states in any role, organisations in any role,"
    out += " memberships of any kind\n" + table(variables, rows)
    return out
