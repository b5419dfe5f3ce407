"""Loading a dataset file into the engine, and what the loaded bytes state about themselves."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS

from rcpkg.errors import DataError
from rcpkg.formats import LOADABLE, Format
from rcpkg.namespaces import DATASET

#: The checksums the build writes beside the dataset (``sha256sum`` format), ``rcpkg.dump``.
CHECKSUMS = "SHA256SUMS"


def checksums(directory: Path) -> dict[str, str] | None:
    """name -> SHA-256 (hex) of every file ``SHA256SUMS`` in ``directory`` lists; None when there is none
    (a dataset file given by hand); DataError when it cannot be read."""
    path = directory / CHECKSUMS
    try:
        text = path.read_text("ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the checksums: {exc}") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, _, name = line.partition("  ")
        name = name.removeprefix("*")
        if len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
            raise DataError(f"{path}, line {number}: not a SHA-256 checksum line: {line[:100]!r}")
        sums[name] = digest
    return sums


def verify(path: Path, data_hash: str) -> dict[str, str]:
    """The checksums beside the dataset ``path`` (whose bytes hash to ``data_hash``), once the dataset and
    every other file they list are found to match them: what is served is what was built. DataError, in one
    line, for a file missing, cut short or changed; {} when there are no checksums beside the dataset."""
    sums = checksums(path.parent)
    if sums is None:
        return {}
    if path.name not in sums:
        raise DataError(f"{path}: not listed in {path.parent / CHECKSUMS}: it is not the dataset the build wrote")
    found = sha256s([path.parent / name for name in sums if name != path.name])
    for name, expected in sums.items():
        actual = data_hash if name == path.name else found[path.parent / name]
        if isinstance(actual, FileNotFoundError):
            raise DataError(f"{path.parent / name}: listed in {CHECKSUMS} but missing; run `rcpkg build`")
        if isinstance(actual, OSError):
            raise DataError(f"{path.parent / name}: cannot read: {actual.strerror}")
        if actual != expected:
            raise DataError(
                f"{path.parent / name}: SHA-256 {actual[:12]}…, but {CHECKSUMS} says {expected[:12]}…: it is not "
                "the file the build wrote (cut short, or changed since); run `rcpkg build`"
            )
    return sums


def sha256s(files: list[Path]) -> dict[Path, str | OSError]:
    """The SHA-256 (hex) of each file, or the error reading it; files are read in parallel (hashlib releases
    the GIL), which halves the start-up check of a big dataset on two cores."""

    def one(path: Path) -> str | OSError:
        try:
            return _sha256(path)
        except OSError as exc:
            return exc

    if len(files) <= 1:
        return {path: one(path) for path in files}
    with ThreadPoolExecutor(min(len(files), os.cpu_count() or 1)) as pool:
        return dict(zip(files, pool.map(one, files), strict=True))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Loaded:
    engine: ox.Store
    data_hash: str  # SHA-256 (hex) of the loaded bytes
    last_modified: datetime | None
    graphs: tuple[str, ...]
    triple_count: int


def format_of(name: str) -> Format:
    """The format of a file by its extension; DataError for one the store does not read."""
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    fmt = LOADABLE.get(suffix)
    if fmt is None:
        raise DataError(f"{name}: unknown RDF format (use .trig, .nq, .ttl or .nt)")
    return fmt


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; run `rcpkg build` to write the dataset") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None


def load(data: bytes, fmt: Format, last_modified: datetime | None, source: str) -> Loaded:
    """The engine holding ``data``; ``last_modified`` defaults to the ``dcterms:modified`` the data states
    for the dataset (never a file time or the clock: the same bytes give the same value, on every
    machine)."""
    engine = ox.Store()
    try:
        engine.bulk_load(data, format=fmt.rdf)
    except (SyntaxError, ValueError, OSError) as exc:
        raise DataError(f"{source}: not valid {fmt.extension}: {exc}") from None
    graphs, count, stated = describe(engine)
    modified = last_modified or stated
    return Loaded(
        engine=engine,
        data_hash=hashlib.sha256(data).hexdigest(),
        last_modified=modified.astimezone(UTC).replace(microsecond=0) if modified else None,
        graphs=graphs,
        triple_count=count,
    )


def describe(engine: ox.Store) -> tuple[tuple[str, ...], int, datetime | None]:
    """What a loaded dataset says of itself: its named graphs, its number of triples (all graphs), the
    ``dcterms:modified`` it states for the dataset (UTC, whole seconds)."""
    graphs = tuple(sorted(g.value for g in engine.named_graphs() if isinstance(g, ox.NamedNode)))
    count = int(
        next(iter(engine.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", use_default_graph_as_union=True)))["n"].value
    )
    stated = _stated_modified(engine)
    return graphs, count, stated.astimezone(UTC).replace(microsecond=0) if stated else None


def file_hash(path: Path) -> str:
    """The SHA-256 of a dataset file, read in blocks; DataError when it cannot be read."""
    try:
        return _sha256(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; run `rcpkg build` to write the dataset") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None


def _stated_modified(engine: ox.Store) -> datetime | None:
    """The ``dcterms:modified`` (xsd:dateTime or xsd:date) of the dataset description, in any graph."""
    found = []
    for quad in engine.quads_for_pattern(ox.NamedNode(str(DATASET)), ox.NamedNode(str(DCTERMS.modified)), None):
        if isinstance(quad.object, ox.Literal):
            try:
                value = datetime.fromisoformat(quad.object.value)
            except ValueError:
                continue
            found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return max(found) if found else None
