"""Serialise graphs deterministically, write files atomically (temp file, fsync, rename), and publish a
build's dumps as one unit (a new directory, then one switch of the link readers use)."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import FOAF

from rcpkg.errors import DataError
from rcpkg.namespaces import DATA_GRAPH, PREFIXES, bind_prefixes
from rcpkg.terms import language_tag, to_oxigraph


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
    """Turtle with the project's prefixes, language tags in lower case as every other dump has them
    (``terms.language_tag``). The graph has no blank nodes, so rdflib's sorted serialisation is stable: the
    same triples give the same bytes."""
    out = Graph()
    bind_prefixes(out)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=language_tag(o.language))
        out.add((s, p, o))
    return out.serialize(format="turtle", encoding="utf-8")


# ------------------------------------------------------------------------------------------- dumps

DATA_DUMPS = ("rcp.ttl", "rcp.nt", "rcp.nt.gz")
DATASET_DUMPS = ("rcp.jsonld", "rcp.trig", "rcp.nq.gz")
CHECKSUMS = "SHA256SUMS"


def dump_files(dataset: Dataset) -> dict[str, bytes]:
    """The dumps of ``dataset``, name -> bytes, ``SHA256SUMS`` last:

    - ``rcp.ttl``, ``rcp.nt``, ``rcp.nt.gz``: the data graph (graph/data);
    - ``rcp.jsonld``, ``rcp.trig``, ``rcp.nq.gz``: every named graph;
    - ``SHA256SUMS``: ``sha256sum``-compatible checksums of the six files.

    Same dataset, same bytes: blank nodes are labelled by RDF Dataset Canonicalization (RDFC-1.0: the lists
    of ``owl:propertyChainAxiom`` had new labels on every build), language tags are written in lower case
    (``terms.language_tag``), N-Triples and N-Quads are sorted, TriG and JSON-LD are written from the sorted
    quads, gzip headers carry no time or name."""
    import pyoxigraph as ox

    data_graph = dataset.graph(DATA_GRAPH)
    quads = _sorted_quads(dataset)
    data_triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name == _ox_data_graph()]
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
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    return {**files, CHECKSUMS: sums.encode("ascii")}


def write_dumps(dataset: Dataset, directory: Path) -> list[Path]:
    """Write the dumps of ``dataset`` (``dump_files``) to ``directory``, each file atomically, and return the
    paths written, ``SHA256SUMS`` last. ``publish`` is how a build replaces the dumps others read."""
    written = []
    for name, data in dump_files(dataset).items():
        atomic_write(Path(directory) / name, data)
        written.append(Path(directory) / name)
    return written


def publish(dataset: Dataset, link: Path, copy: Path | None = None) -> list[Path]:
    """Publish the dumps of ``dataset`` at ``link`` as one unit (``publish_files``)."""
    return publish_files(dump_files(dataset), link, copy)


def publish_files(files: Mapping[str, bytes], link: Path, copy: Path | None = None) -> list[Path]:
    """Publish ``files`` (name -> bytes) at ``link`` as one unit, or not at all, and return their paths.

    They are written into a new directory beside ``link`` (``.{link.name}-XXXXXXXX``) and synced; then
    ``link``, a symbolic link to the directory of the previous build, is switched to the new one in one
    rename. Whenever a build is killed, readers of ``link`` see the previous complete build or the new one,
    never a mix. Then ``copy`` (``data/rcp.ttl``) gets the ``rcp.ttl`` of the new build, atomically: a kill
    between the two leaves the dumps one build ahead of the copy, never behind it. What an earlier build killed
    midway left (directories, links, temporary files) is removed first, and the previous build's directory
    after the switch. One build publishes at a time (``DataError`` while another one does)."""
    link = Path(link)
    parent = link.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with _locked(parent):
            remove_stale(link)
            new = Path(tempfile.mkdtemp(prefix=f".{link.name}-", dir=parent))
            os.chmod(new, 0o777 & ~_umask())
            for name, data in files.items():
                _write_synced(new / name, data)
            _fsync(new)
            _switch(link, new)
            remove_stale(link)
            if copy is not None:
                atomic_write(copy, files["rcp.ttl"])
    except OSError as exc:
        raise DataError(f"cannot publish the dumps in {parent}: {exc.strerror or exc}") from None
    return [link / name for name in files]


def remove_stale(link: Path) -> list[Path]:
    """Remove what builds killed midway left beside ``link``: directories of builds that ``link`` does not
    point to, links not yet switched, temporary files of ``atomic_write``; return what was removed."""
    link = Path(link)
    current = os.readlink(link) if link.is_symlink() else None
    removed = []
    for entry in sorted(link.parent.iterdir()):
        stale_build = entry.name.startswith(f".{link.name}-") and entry.name != current
        if not (stale_build or (entry.name.startswith(".") and entry.name.endswith(".tmp"))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    return removed


def _switch(link: Path, target: Path) -> None:
    """Point the symbolic link ``link`` at ``target`` (a sibling) in one rename; a directory at ``link`` (the
    layout before builds were published as one unit) is moved aside first."""
    staged = link.parent / f".{link.name}.link.tmp"
    if staged.is_symlink() or staged.exists():
        staged.unlink()
    os.symlink(target.name, staged)
    if link.is_dir() and not link.is_symlink():
        os.replace(link, link.parent / f".{link.name}-previous")
    os.replace(staged, link)
    _fsync(link.parent)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, 0o666 & ~_umask())


def _fsync(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(directory: Path):
    """An exclusive lock on ``directory`` for this process (released when it ends, even by a kill)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(f"another rcpkg build is publishing in {directory}; run this one after it") from None
        yield
    finally:
        os.close(fd)


def _ox_data_graph():
    import pyoxigraph as ox

    return ox.NamedNode(str(DATA_GRAPH))


def _sorted_quads(dataset: Dataset) -> list:
    """Every quad of the named graphs of ``dataset`` as pyoxigraph quads, blank nodes canonically labelled,
    sorted by graph, then N-Quads text."""
    import pyoxigraph as ox

    quads = ox.Dataset()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g is None:
            continue
        name = g.identifier if isinstance(g, Graph) else g
        if str(name) == "urn:x-rdflib:default":
            graph = ox.DefaultGraph()
        else:
            graph = to_oxigraph(name)
        quads.add(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph))
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(data.splitlines()))
    return b"".join(line + b"\n" for line in lines if line)


def _gzip(data: bytes) -> bytes:
    """gzip without time stamp or file name in the header: the same input gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as fh:
        fh.write(data)
    return buffer.getvalue()
