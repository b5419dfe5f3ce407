"""Synthetic knowledge base of the same shape as the real one, at N times its size.

    python bench/generate.py --scale 10 [--input data/dumps/rcp.trig] --output bench/out/rcp-x10.nq

Copy 0 is the knowledge base itself; copies 1..N-1 repeat its data and inferred graphs with every thing
(IRIs under https://w3id.org/rcpkg/id/) renamed ``{iri}-c{i}`` and its labels suffixed `` {i}``, so the
copies have the same classes, properties, degrees and literal shapes but share no entity; the controlled
vocabularies (roles, statuses, regions, themes, M49 areas, categories) are shared, as they would be. The ontology and
metadata graphs are kept once. Output: N-Quads (the store and both other engines load it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/rcpkg/id/"
COPIED_GRAPHS = {"https://w3id.org/rcpkg/graph/data", "https://w3id.org/rcpkg/graph/inferred"}
#: Controlled vocabularies (SKOS schemes) stay shared by all copies, as in a bigger real knowledge base.
SHARED = tuple(ID + kind + "/" for kind in ("role", "status", "region", "theme", "m49", "category", "scheme"))
LABELS = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
}


def _rename(term, copy: int):
    if isinstance(term, ox.NamedNode) and term.value.startswith(ID) and not term.value.startswith(SHARED):
        return ox.NamedNode(f"{term.value}-c{copy}")
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"{term.value}c{copy}")
    return term


def _copy(quads: list[ox.Quad], copy: int):
    """Copy ``copy`` (1..N-1) of the data and inferred graphs of ``quads``, renamed."""
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value not in COPIED_GRAPHS:
            continue
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(SHARED):
            continue
        obj = q.object
        if isinstance(obj, ox.Literal) and q.predicate.value in LABELS:
            obj = (
                ox.Literal(f"{obj.value} {copy}", language=obj.language)
                if obj.language
                else ox.Literal(f"{obj.value} {copy}", datatype=obj.datatype)
            )
        yield ox.Quad(_rename(q.subject, copy), q.predicate, _rename(obj, copy), q.graph_name)


def generate(source: Path, scale: int, output: Path) -> int:
    """Write the dataset at ``scale`` to ``output``; returns its number of quads.

    Streams: only the source is held in memory; each copy is written as it is made (N-Quads files
    concatenate), into a temporary file renamed to ``output`` at the end, so an interrupted run never
    leaves a partial file that bench/run.py would take for a finished one."""
    quads = list(ox.parse(path=str(source)))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    count = 0
    with open(partial, "wb") as fh:
        ox.serialize(quads, fh, format=ox.RdfFormat.N_QUADS)
        count += len(quads)
        for copy in range(1, scale):
            block = list(_copy(quads, copy))
            ox.serialize(block, fh, format=ox.RdfFormat.N_QUADS)
            count += len(block)
    partial.replace(output)
    return count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--input", type=Path, default=ROOT / "data" / "dumps" / "rcp.trig")
    p.add_argument("--output", type=Path, required=True)
    args = p.parse_args(argv)
    if args.scale < 1:
        p.error("--scale must be at least 1")
    n = generate(args.input, args.scale, args.output)
    print(f"{args.output}: {n} quads (scale {args.scale})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
