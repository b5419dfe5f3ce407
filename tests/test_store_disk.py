"""The on-disk store (``rcpkg.store.disk``): the same answers as the in-memory store, made once, refused when
changed, never left half-made."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from rcpkg.errors import DataError
from rcpkg.store import Store, disk

QUERIES = sorted((Path(__file__).resolve().parents[1] / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def both(kb_dataset, tmp_path_factory):
    """The built knowledge base twice: in memory, and from its on-disk store (made in a copy's folder)."""
    folder = tmp_path_factory.mktemp("disk")
    copy = folder / kb_dataset.name
    shutil.copyfile(kb_dataset, copy)
    return Store.load(copy, mode="memory"), Store.load(copy, mode="disk")


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_competency_question_has_the_same_answer_from_disk(both, query):
    memory, on_disk = both
    text = query.read_text("utf-8")
    assert on_disk.engine is None and on_disk.on_disk is not None
    assert on_disk.execute(text, "text/csv").body == memory.execute(text, "text/csv").body


def test_what_the_dataset_says_of_itself_is_the_same_from_disk(both):
    memory, on_disk = both
    assert (on_disk.data_hash, on_disk.graphs, on_disk.triple_count, on_disk.last_modified) == (
        memory.data_hash,
        memory.graphs,
        memory.triple_count,
        memory.last_modified,
    )
    # the pages' own look-ups (in the serving process, not an evaluator) read the same
    things = sorted(memory.iris("https://w3id.org/rcpkg/id/"))
    assert things and sorted(on_disk.iris("https://w3id.org/rcpkg/id/")) == things
    for iri in things[:: max(1, len(things) // 20)]:
        assert set(on_disk.describe(iri, incoming=True)) == set(memory.describe(iri, incoming=True))


@pytest.fixture
def small(tmp_path):
    dataset = tmp_path / "small.nq"
    dataset.write_text(
        '<http://example.org/a> <http://example.org/p> "1" <http://example.org/g> .\n'
        '<http://example.org/b> <http://example.org/p> "2" <http://example.org/g> .\n',
        "utf-8",
    )
    return dataset


def test_the_store_is_made_once_and_opened_after(small):
    Store.load(small, mode="disk")
    manifest = disk.location(small) / disk.MANIFEST
    made = manifest.stat().st_mtime_ns
    again = Store.load(small, mode="disk")
    assert manifest.stat().st_mtime_ns == made
    assert again.triple_count == 2


def test_a_store_made_from_other_bytes_is_made_again(small):
    Store.load(small, mode="disk")
    small.write_text(small.read_text("utf-8") + '<http://example.org/c> <http://example.org/p> "3" .\n', "utf-8")
    assert Store.load(small, mode="disk").triple_count == 3


def test_a_changed_file_of_the_store_is_refused(small):
    Store.load(small, mode="disk")
    manifest = disk.read_manifest(disk.location(small))
    biggest = max(manifest.files, key=lambda name: (disk.location(small) / name).stat().st_size)
    path = disk.location(small) / biggest
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="changed since it was made"):
        Store.load(small, mode="disk")


def test_a_preparation_that_fails_midway_leaves_nothing(small, monkeypatch):
    def broken(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ox.Store, "optimize", broken)
    with pytest.raises(DataError, match="No space left on device"):
        Store.load(small, mode="disk")
    assert sorted(p.name for p in small.parent.iterdir()) == [small.name]


def test_a_malformed_dataset_is_one_line_and_leaves_nothing(tmp_path):
    dataset = tmp_path / "bad.nq"
    dataset.write_text("<http://example.org/a> <http://example.org/p> .\n", "utf-8")
    with pytest.raises(DataError, match="not valid"):
        Store.load(dataset, mode="disk")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nq"]


def test_auto_serves_from_disk_only_above_the_size(small, monkeypatch):
    assert disk.chosen("auto", small) == "memory"
    monkeypatch.setattr(disk, "DISK_ABOVE", small.stat().st_size - 1)
    assert disk.chosen("auto", small) == "disk"
    assert Store.load(small).on_disk == disk.location(small)
    with pytest.raises(DataError, match="expected one of"):
        disk.chosen("fast", small)


def test_what_a_killed_preparation_left_is_removed_by_the_next(small):
    leftover = small.parent / f".{disk.location(small).name}-abc123"
    leftover.mkdir()
    (leftover / "000001.sst").write_bytes(b"half")
    Store.load(small, mode="disk")
    assert sorted(p.name for p in small.parent.iterdir()) == sorted([small.name, disk.location(small).name])


def test_two_starts_at_once_make_the_store_once(small, caplog):
    import threading

    results: list = []
    threads = [threading.Thread(target=lambda: results.append(Store.load(small, mode="disk"))) for _ in range(2)]
    with caplog.at_level("WARNING", logger="rcpkg.store"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [store.triple_count for store in results] == [2, 2]
    assert sum("making the on-disk store" in record.message for record in caplog.records) == 1


@pytest.mark.parametrize("manifest", ["{not json", '{"data_hash": "x"}'])
def test_a_damaged_manifest_is_refused_in_one_line_that_says_what_to_do(small, manifest):
    Store.load(small, mode="disk")
    (disk.location(small) / disk.MANIFEST).write_text(manifest, "utf-8")
    with pytest.raises(DataError, match="remove .* and it is made again"):
        Store.load(small, mode="disk")
