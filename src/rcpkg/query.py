"""SPARQL over the built knowledge base from the command line: results as a table, CSV, TSV or JSON."""

from __future__ import annotations

import json

from rcpkg import formats
from rcpkg.errors import QueryError
from rcpkg.namespaces import DATA_GRAPH
from rcpkg.store import CONSTRUCT, DESCRIBE, Store


def _store() -> Store:
    return Store.load()


_FORMATS = {f.name: f for f in (formats.JSON, formats.CSV, formats.TSV)}


def run(text: str, fmt: str = "table") -> str:
    """Run a query. SELECT and ASK results as a table, CSV, TSV or SPARQL JSON; CONSTRUCT and DESCRIBE
    results as Turtle whatever the format."""
    if not text.strip():
        raise QueryError("the query is empty")
    store = _store()
    if store.inspect(text).form in (CONSTRUCT, DESCRIBE):
        body, _ = store.query(text, formats.TURTLE)
        return body.decode("utf-8")
    if fmt in _FORMATS:
        body, _ = store.query(text, _FORMATS[fmt])
        out = body.decode("utf-8")
        return out if out.endswith("\n") else out + "\n"
    variables, rows = select_table(store, text)
    return table(variables, rows)


def select_table(store, text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Variables in order and rows of plain values (IRIs and literal lexical forms) of a SELECT or ASK."""
    body, _ = store.query(text, formats.JSON)
    result = json.loads(body)
    if "boolean" in result:
        return ["ask"], [{"ask": "true" if result["boolean"] else "false"}]
    variables = result["head"]["vars"]
    rows = [{v: b[v]["value"] for v in variables if v in b} for b in result["results"]["bindings"]]
    return variables, rows


def table(variables: list[str], rows: list[dict]) -> str:
    cells = [["" if r.get(v) is None else str(r[v]) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


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
    store = _store()
    variables, rows = select_table(store, STATS_CLASSES)
    out = "Instances per class (graph/data)\n" + table(variables, rows)
    variables, rows = select_table(store, STATS_PROCESSES)
    out += "\nPer process: current member governments, other states in any role, organisations in any role,"
    out += " memberships of any kind\n" + table(variables, rows)
    return out
