"""A dataset as pyoxigraph's on-disk store (RocksDB), for datasets too big to hold in every process.

The in-memory store is the fastest to query, but reading it writes to it (reference counts), so every
process that queries a copy inherited by ``fork`` ends up with private copies of the pages it read: memory
grows as processes x data. The on-disk store, opened read-only by each process, is shared through the
operating system's page cache, opens in milliseconds (no parsing at start) and costs each process only its
own block cache; its queries take longer (measured in bench/RESULTS.md). ``mode`` chooses:

- ``memory``: parse the dataset file at start, as always;
- ``disk``: the on-disk store beside the dataset file (``location``), made from the file once (``prepare``:
  written into a new directory, then renamed into place, so a killed preparation leaves nothing half-made)
  and reused while it was made from the same bytes;
- ``auto`` (the default): ``memory`` for a dataset file up to ``DISK_ABOVE`` bytes, ``disk`` above.

What is served is what was built: ``MANIFEST`` records the SHA-256 of the dataset file the store was made
from and of every file of the store; a store whose files no longer match is refused (``DataError``), one made
from other bytes than the dataset's now is made again.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from rcpkg.errors import DataError
from rcpkg.formats import Format
from rcpkg.store.load import sha256s

log = logging.getLogger("rcpkg.store")

MODES = ("auto", "memory", "disk")
#: ``auto`` serves from disk above this size of the dataset file (the built knowledge base is 0.7 MB of
#: TriG; 64 MiB of N-Quads is about 250,000 quads, where a copy per process starts to cost gigabytes).
DISK_ABOVE = 64 * 2**20
MANIFEST = "rcpkg-store.json"
#: Files of the store that RocksDB may write even when opened read-only: not checksummed.
_UNCHECKED = ("LOCK", "LOG")


@dataclass(frozen=True)
class Manifest:
    data_hash: str  # SHA-256 of the dataset file the store was made from
    graphs: tuple[str, ...]
    triple_count: int
    last_modified: datetime | None
    files: dict[str, str]  # name -> SHA-256 of each file of the store


def location(dataset: Path) -> Path:
    """Where the on-disk store of ``dataset`` lives: beside it, ``<name>.store``."""
    return dataset.with_name(dataset.name + ".store")


def chosen(mode: str, dataset: Path) -> str:
    """``memory`` or ``disk`` for ``mode`` (one of ``MODES``) and this dataset file."""
    if mode not in MODES:
        raise DataError(f"store mode {mode!r}: expected one of {', '.join(MODES)}")
    if mode != "auto":
        return mode
    try:
        return "disk" if dataset.stat().st_size > DISK_ABOVE else "memory"
    except OSError:
        return "memory"  # loading it says what is wrong


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the store in ``directory``; None when there is none (no store, or a store whose
    preparation did not finish)."""
    try:
        raw = json.loads((directory / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DataError(
            f"{directory / MANIFEST}: cannot read the store's manifest: {exc}; remove {directory} and it is made again"
        ) from None
    try:
        return Manifest(
            data_hash=raw["data_hash"],
            graphs=tuple(raw["graphs"]),
            triple_count=int(raw["triple_count"]),
            last_modified=datetime.fromisoformat(raw["last_modified"]) if raw["last_modified"] else None,
            files=dict(raw["files"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"{directory / MANIFEST}: not a store manifest: {exc}; remove {directory} and it is made again"
        ) from None


def verify(directory: Path, manifest: Manifest) -> None:
    """DataError, in one line, when a file of the store is missing or is not the one prepared."""
    found = sha256s([directory / name for name in manifest.files])
    for name, expected in manifest.files.items():
        actual = found[directory / name]
        if isinstance(actual, FileNotFoundError):
            raise DataError(f"{directory / name}: part of the on-disk store, but missing; remove {directory}")
        if isinstance(actual, OSError):
            raise DataError(f"{directory / name}: cannot read: {actual.strerror}")
        if actual != expected:
            raise DataError(
                f"{directory / name}: SHA-256 {actual[:12]}…, but {MANIFEST} says {expected[:12]}…: the on-disk "
                f"store changed since it was made; remove {directory} and it is made again"
            )


def prepare(dataset: Path, data_hash: str, fmt: Format, describe) -> Manifest:
    """The manifest of the on-disk store of ``dataset`` (whose bytes hash to ``data_hash``), made now unless
    one made from the same bytes is there. ``describe(engine)`` -> (graphs, triple_count, last_modified)."""
    target = location(dataset)
    with _preparing(target.parent):  # one preparation at a time; a second server waits and reuses it
        manifest = read_manifest(target) if target.is_dir() else None
        if manifest is not None and manifest.data_hash == data_hash:
            verify(target, manifest)
            return manifest
        for leftover in target.parent.glob(f".{target.name}-*"):  # of a preparation killed midway
            shutil.rmtree(leftover, ignore_errors=True)
        log.warning("rcpkg: making the on-disk store of %s (once; later starts open it)", dataset)
        return _make(dataset, target, data_hash, fmt, describe)


@contextmanager
def _preparing(directory: Path):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        raise DataError(f"cannot make the on-disk store in {directory}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when this process ends, even by a kill
        yield
    finally:
        os.close(fd)


def _make(dataset: Path, target: Path, data_hash: str, fmt: Format, describe) -> Manifest:
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise DataError(f"cannot make the on-disk store beside {dataset}: {exc.strerror}") from None
    try:
        engine = ox.Store(str(work))
        try:
            engine.bulk_load(path=str(dataset), format=fmt.rdf)
        except (SyntaxError, ValueError) as exc:
            raise DataError(f"{dataset}: not valid {fmt.extension}: {exc}") from None
        engine.optimize()
        engine.flush()
        graphs, triple_count, last_modified = describe(engine)
        del engine
        gc.collect()  # closes the database: its files are complete
        parts = [entry for entry in sorted(work.iterdir()) if entry.is_file() and not entry.name.startswith(_UNCHECKED)]
        files = {}
        for entry, digest in sha256s(parts).items():
            if isinstance(digest, OSError):
                raise digest
            files[entry.name] = digest
        manifest = Manifest(data_hash, graphs, triple_count, last_modified, files)
        (work / MANIFEST).write_text(
            json.dumps(
                {
                    "data_hash": data_hash,
                    "graphs": list(graphs),
                    "triple_count": triple_count,
                    "last_modified": last_modified.isoformat() if last_modified else None,
                    "files": files,
                },
                indent=1,
            ),
            "utf-8",
        )
        _sync(work)
        if target.exists():
            stale = target.with_name(f".{target.name}-stale")
            shutil.rmtree(stale, ignore_errors=True)
            os.replace(target, stale)
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(work, target)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise DataError(f"cannot make the on-disk store {target}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def open_read_only(directory: Path) -> ox.Store:
    try:
        return ox.Store.read_only(str(directory))
    except OSError as exc:
        raise DataError(f"{directory}: cannot open the on-disk store: {exc}") from None


def _sync(directory: Path) -> None:
    for entry in directory.iterdir():
        if entry.is_file():
            with entry.open("rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
