"""A build publishes its outputs as one unit: killed at any point, it leaves what ``serve`` and ``query`` read
(``paths.dataset_file()`` and the files beside it) one complete build whose ``SHA256SUMS`` holds, and the
next build removes what it left."""

from __future__ import annotations

import hashlib
import os
import random
import signal
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from rcpkg import dump, paths
from rcpkg.errors import DataError
from rcpkg.namespaces import DATA_GRAPH

#: The file operations a publish is killed before: every step that changes what is on disk.
OPERATIONS = ("mkdir", "chmod", "fsync", "symlink", "replace", "rename", "unlink", "rmdir")
SEED = 13


def _tiny_files() -> dict[str, bytes]:
    ds = Dataset()
    ds.graph(DATA_GRAPH).add((URIRef("https://w3id.org/rcpkg/id/x"), URIRef("urn:p"), Literal("x", lang="en")))
    return dump.dump_files(ds)


@pytest.fixture(scope="module")
def builds(kb_home) -> dict[str, dict[str, bytes]]:
    """Two complete sets of outputs: the session build's and a one-triple build's."""
    real = {p.name: p.read_bytes() for p in sorted((kb_home / "data" / "dumps").iterdir())}
    return {"real": real, "tiny": _tiny_files()}


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    return tmp_path


def _publish_killed_at(files: dict[str, bytes], kill_at: int | None) -> int:
    """Publish ``files`` in a child process that kills itself (SIGKILL) before its ``kill_at``-th file
    operation; the number of operations it made (for ``kill_at`` None, a complete publish)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count (and maybe die at) every operation, publish, report the count
        os.close(read)
        count = [0]

        def counted(name, real):
            def op(*args, **kwargs):
                count[0] += 1
                if count[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)

            return op

        try:
            for name in OPERATIONS:
                setattr(os, name, counted(name, getattr(os, name)))
            dump.publish_files(files, paths.dumps_dir(), copy=paths.built_data())
            os.write(write, str(count[0]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        made = fh.read()
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert killed or made, "the child neither finished nor was killed"
    return -1 if killed else int(made)


def _published() -> tuple[str, bytes]:
    """The SHA256SUMS of what a reader of ``paths.dataset_file()`` sees, after checking every file against it."""
    directory = paths.dataset_file().parent.resolve()  # one build: the link resolved once, as a reader does
    sums = (directory / dump.CHECKSUMS).read_text(encoding="ascii")
    listed = dict(reversed(line.split("  ", 1)) for line in sums.splitlines())
    assert sorted(listed) == sorted(dump.DATA_DUMPS + dump.DATASET_DUMPS)
    for name, digest in listed.items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name
    assert sorted(p.name for p in directory.iterdir()) == sorted([*listed, dump.CHECKSUMS])
    return sums, paths.built_data().read_bytes()


def test_a_build_killed_at_any_point_leaves_one_complete_build(data_home, builds):
    from rcpkg.store import Store

    versions = {name: (files[dump.CHECKSUMS].decode("ascii"), files["rcp.ttl"]) for name, files in builds.items()}
    _publish_killed_at(builds["tiny"], None)
    operations = _publish_killed_at(builds["real"], None)
    assert operations > 20
    points = list(range(1, operations + 2))  # before each operation, and never
    random.Random(SEED).shuffle(points)
    seen = set()
    for trial, point in enumerate(points):
        before, after = ("tiny", "real") if trial % 2 else ("real", "tiny")
        _publish_killed_at(builds[before], None)  # which also removes what the last kill left
        assert _published() == versions[before]
        killed = _publish_killed_at(builds[after], point) < 0
        dumps, copy = _published()
        state = (
            "dumps" if dumps == versions[before][0] else "new dumps",
            "copy" if copy == versions[before][1] else "new copy",
        )
        assert dumps in (versions[before][0], versions[after][0]) and copy in (versions[before][1], versions[after][1])
        assert state != ("dumps", "new copy"), f"killed before operation {point}: data/rcp.ttl ahead of the dumps"
        assert killed or state == ("new dumps", "new copy")
        seen.add(state)
    assert seen == {("dumps", "copy"), ("new dumps", "copy"), ("new dumps", "new copy")}
    _publish_killed_at(builds["real"], None)
    assert _published() == versions["real"]
    assert Store.load(paths.dataset_file()).triple_count > 9000  # what `serve` and `query` load
    left = sorted(p.name for p in (data_home / "data").iterdir())
    assert len(left) == 3 and left[1:] == ["dumps", "rcp.ttl"] and left[0].startswith(".dumps-")


def test_stale_temporaries_are_removed_at_the_next_publish(data_home, builds):
    data = data_home / "data"
    dump.publish_files(builds["tiny"], paths.dumps_dir())
    (data / ".dumps-deadbeef").mkdir()
    (data / ".dumps-deadbeef" / "rcp.trig").write_bytes(b"half")
    (data / ".rcp.ttl.x1y2.tmp").write_bytes(b"half")
    (data / ".dumps.link.tmp").symlink_to(".dumps-deadbeef")
    dump.publish_files(builds["tiny"], paths.dumps_dir())
    assert sorted(p.name for p in data.iterdir() if not p.name.startswith(".dumps-")) == ["dumps"]
    assert len([p for p in data.iterdir() if p.name.startswith(".dumps-")]) == 1


def test_a_dumps_directory_of_the_earlier_layout_is_replaced(data_home, builds):
    old = paths.dumps_dir()
    old.mkdir(parents=True)
    (old / "rcp.trig").write_bytes(b"old")
    dump.publish_files(builds["tiny"], old)
    assert old.is_symlink() and (old / "rcp.trig").read_bytes() == builds["tiny"]["rcp.trig"]


def test_an_unwritable_data_folder_is_a_data_error(data_home, builds, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dump.tempfile, "mkdtemp", refused)  # as a folder without write permission answers
    with pytest.raises(DataError, match=f"cannot publish the dumps in {data_home / 'data'}: Permission denied"):
        dump.publish_files(builds["tiny"], paths.dumps_dir())


def test_a_second_build_publishing_at_the_same_time_is_refused(data_home, builds):
    import fcntl

    data = data_home / "data"
    data.mkdir()
    fd = os.open(data, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        pid = os.fork()
        if pid == 0:
            try:
                dump.publish_files(builds["tiny"], paths.dumps_dir())
                os._exit(0)
            except DataError as exc:
                os._exit(3 if "another rcpkg build is publishing" in str(exc) else 4)
            finally:
                os._exit(5)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 3
    finally:
        os.close(fd)
