"""Serialise graphs deterministically and write files atomically (temp file, fsync, rename)."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import FOAF

from rcpkg.namespaces import DATA_GRAPH, PREFIXES, bind_prefixes
from rcpkg.terms import to_oxigraph


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


#: Prefixes of documents written with rdflib: the project's, the two more vocabularies the dataset
#: description uses, and xml (which RDF/XML writes xml:lang with; never declared in a document). Nothing
#: else is bound (rdflib's own defaults, brick, csvw, ..., are not), so no document names them.
OUTPUT_PREFIXES = {
    **{p: str(ns) for p, ns in PREFIXES.items()},
    "foaf": str(FOAF),
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "xml": "http://www.w3.org/XML/1998/namespace",
}


def output_graph(prefixes: dict[str, str] | None = None) -> Graph:
    """An empty rdflib Graph with only ``OUTPUT_PREFIXES`` (and ``prefixes``) bound."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in {**OUTPUT_PREFIXES, **(prefixes or {})}.items():
        g.bind(prefix, namespace, override=True, replace=True)
    return g


def prefixes_of(iris: Iterable[str], namespaces: Mapping[str, str]) -> dict[str, str]:
    """The ``namespaces`` (prefix -> IRI) that some IRI of ``iris`` starts with."""
    found = set(iris)
    return {p: ns for p, ns in namespaces.items() if p and any(i.startswith(ns) for i in found)}


def used_prefixes(graph: Graph) -> dict[str, str]:
    """The prefixes bound in ``graph`` that some IRI of it (subject, predicate, object, datatype) starts with."""
    iris = (
        str(term.datatype if isinstance(term, Literal) else term)
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) or (isinstance(term, Literal) and term.datatype is not None)
    )
    return prefixes_of(iris, {p: str(ns) for p, ns in graph.namespaces()})


def turtle_bytes(graph: Graph) -> bytes:
    """Turtle with the project's prefixes. The graph has no blank nodes, so rdflib's sorted
    serialisation is stable: the same triples give the same bytes."""
    out = Graph()
    bind_prefixes(out)
    for triple in graph:
        out.add(triple)
    return out.serialize(format="turtle", encoding="utf-8")


# ------------------------------------------------------------------------------------------- dumps

DATA_DUMPS = ("rcp.ttl", "rcp.nt", "rcp.nt.gz")
DATASET_DUMPS = ("rcp.jsonld", "rcp.trig", "rcp.nq.gz")
CHECKSUMS = "SHA256SUMS"


def write_dumps(dataset: Dataset, directory: Path) -> list[Path]:
    """Write the dumps of ``dataset`` to ``directory`` and return the paths written, ``SHA256SUMS`` last.

    - ``rcp.ttl``, ``rcp.nt``, ``rcp.nt.gz``: the data graph (graph/data);
    - ``rcp.jsonld``, ``rcp.trig``, ``rcp.nq.gz``: every named graph;
    - ``SHA256SUMS``: ``sha256sum``-compatible checksums of the six files.

    Same dataset, same bytes: N-Triples and N-Quads are sorted, TriG and JSON-LD are written from the sorted
    quads, gzip headers carry no time or name. Each file is written atomically."""
    import pyoxigraph as ox

    directory = Path(directory)
    data_graph = dataset.graph(DATA_GRAPH)
    quads = _sorted_quads(dataset)
    data_triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name == _ox_data_graph()]
    if not data_triples and len(data_graph):
        data_triples = [ox.Triple(q.subject, q.predicate, q.object) for q in _sorted_quads_of(data_graph)]
    prefixes = {prefix: str(ns) for prefix, ns in PREFIXES.items()}

    nt = _sorted_lines(ox.serialize(data_triples, format=ox.RdfFormat.N_TRIPLES))
    nq = _sorted_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    files = {
        "rcp.ttl": turtle_bytes(data_graph),
        "rcp.nt": nt,
        "rcp.nt.gz": _gzip(nt),
        "rcp.jsonld": ox.serialize(quads, format=ox.RdfFormat.JSON_LD, prefixes=prefixes),
        "rcp.trig": ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes),
        "rcp.nq.gz": _gzip(nq),
    }
    written = []
    for name, data in files.items():
        path = directory / name
        atomic_write(path, data)
        written.append(path)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    atomic_write(directory / CHECKSUMS, sums.encode("ascii"))
    written.append(directory / CHECKSUMS)
    return written


def _ox_data_graph():
    import pyoxigraph as ox

    return ox.NamedNode(str(DATA_GRAPH))


def _sorted_quads(dataset: Dataset) -> list:
    """Every quad of the named graphs of ``dataset`` as pyoxigraph quads, sorted by graph, then N-Quads text."""
    import pyoxigraph as ox

    quads = set()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g is None:
            continue
        name = g.identifier if isinstance(g, Graph) else g
        if str(name) == "urn:x-rdflib:default":
            graph = ox.DefaultGraph()
        else:
            graph = to_oxigraph(name)
        quads.add(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph))
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def _sorted_quads_of(graph: Graph) -> list:
    import pyoxigraph as ox

    out = {ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) for s, p, o in graph}
    return sorted(out, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines()))
    return b"".join(line + b"\n" for line in lines if line)


def _gzip(data: bytes) -> bytes:
    """gzip without time stamp or file name in the header: the same input gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as fh:
        fh.write(data)
    return buffer.getvalue()
