"""What is served is what was built: ``Store.load`` checks the dataset and every dump against the build's
``SHA256SUMS`` before anything answers, and ``rcpkg serve`` refuses to start, in one line, when they
disagree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rcpkg.errors import DataError
from rcpkg.store import Store


@pytest.fixture
def dumps(kb_dataset, tmp_path) -> Path:
    """A copy of the built dumps directory."""
    target = tmp_path / "dumps"
    shutil.copytree(kb_dataset.parent, target)
    return target


def cut_at_a_graph_boundary(data: bytes) -> bytes:
    """The TriG without its last named graph: still valid TriG, fewer quads."""
    start = data.rindex(b"\n<https://w3id.org/rcpkg/graph/")
    return data[: start + 1]


MUTATIONS = {
    "emptied": lambda data: b"",
    "cut short": lambda data: data[: len(data) // 2],
    "one byte changed": lambda data: data[:1000] + bytes([data[1000] ^ 1]) + data[1001:],
}


def test_the_built_dataset_loads_with_its_checksums(dumps):
    store = Store.load(dumps / "rcp.trig")
    assert set(store.checksums) >= {"rcp.trig", "rcp.ttl", "rcp.nt", "rcp.nq.gz"}


def test_a_cut_at_a_graph_boundary_is_still_valid_trig(kb_dataset, tmp_path):
    """The mutation below is the dangerous one: it parses, so only the checksum can tell."""
    cut = tmp_path / "rcp.trig"
    cut.write_bytes(cut_at_a_graph_boundary(kb_dataset.read_bytes()))
    assert 0 < Store.load(cut).triple_count < Store.load(kb_dataset).triple_count


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("name", ["rcp.trig", "rcp.ttl", "rcp.nq.gz"])
def test_a_dataset_or_dump_that_differs_from_its_checksum_is_refused(dumps, name, mutation):
    path = dumps / name
    path.write_bytes(MUTATIONS[mutation](path.read_bytes()))
    with pytest.raises(DataError, match=f"{name}: SHA-256 .* SHA256SUMS says .*rcpkg build"):
        Store.load(dumps / "rcp.trig")


def test_a_dataset_cut_at_a_graph_boundary_is_refused(dumps):
    path = dumps / "rcp.trig"
    path.write_bytes(cut_at_a_graph_boundary(path.read_bytes()))
    with pytest.raises(DataError, match=r"rcp.trig: SHA-256 .* \(cut short, or changed since\)"):
        Store.load(path)


def test_a_listed_dump_that_is_missing_is_refused(dumps):
    (dumps / "rcp.nt").unlink()
    with pytest.raises(DataError, match="rcp.nt: listed in SHA256SUMS but missing"):
        Store.load(dumps / "rcp.trig")


def test_a_dataset_the_checksums_do_not_list_is_refused(dumps):
    sums = dumps / "SHA256SUMS"
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines() if "rcp.trig" not in line))
    with pytest.raises(DataError, match="not listed in"):
        Store.load(dumps / "rcp.trig")


def test_a_malformed_checksums_file_is_refused(dumps):
    (dumps / "SHA256SUMS").write_text("not a checksum\n")
    with pytest.raises(DataError, match="line 1: not a SHA-256 checksum line"):
        Store.load(dumps / "rcp.trig")


def test_a_dataset_given_without_checksums_loads(dumps):
    (dumps / "SHA256SUMS").unlink()
    assert Store.load(dumps / "rcp.trig").checksums == {}


def test_serve_refuses_to_start_on_an_emptied_dataset_in_one_line(dumps):
    (dumps / "rcp.trig").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", "serve", "--port", "0"],
        env={**os.environ, "RCPKG_DATASET": str(dumps / "rcp.trig")},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "SHA256SUMS" in lines[0] and "Traceback" not in lines[0], lines
