"""Fixtures shared by every test folder: the knowledge base, built once per session.

``kb_build``: ``rcpkg build`` run once into a temporary project home (``RCPKG_HOME`` layout) whose source,
reference tables, ontology and queries are links to this checkout's, so nothing is written into the checkout
and every test sees the knowledge base the current code builds. It keeps what the command printed, its exit
status, and the pipeline's result (``rcpkg.knowledge_base.Built``: the named graphs, the validation report,
the resolved processes), so the tests of the command, of the pipeline and of the server all share this one
build.

When the collected tests include some that need it, the build starts at once in a child process (the same
``build_into``, its result handed back pickled) and the test modules that need it run after the others, so
the build uses the second core while the first modules run. Otherwise the first test asking for it builds
it in this process.

``built`` is the pipeline's result, ``kb_home`` that home, ``kb_dataset`` its ``data/dumps/rcp.trig``,
``kb_store`` the store loaded from it.
"""

from __future__ import annotations

import io
import pickle
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from rcpkg import paths

# Outputs of `rcpkg build` under data/: never linked, always written by the build itself.
_BUILT = {"dumps", "rcp.ttl"}


def _temporary_home(root: Path, home: Path) -> Path:
    """A home whose inputs are links to ``root``'s and whose ``data/`` receives the build's outputs."""
    home.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        if entry.name == "data":
            (home / "data").mkdir(exist_ok=True)
            for item in entry.iterdir():
                if item.name not in _BUILT:
                    (home / "data" / item.name).symlink_to(item)
        elif not entry.name.startswith("."):
            (home / entry.name).symlink_to(entry)
    return home


@dataclass(frozen=True)
class SessionBuild:
    """One run of ``rcpkg build``: where it wrote, what it printed, and what the pipeline returned."""

    home: Path
    status: int
    stdout: str
    stderr: str
    built: object  # rcpkg.knowledge_base.Built

    @property
    def dataset(self) -> Path:
        return self.home / "data" / "dumps" / "rcp.trig"


def build_into(home: Path) -> SessionBuild:
    """Run ``rcpkg build`` (``rcpkg.cli.main``) in this process with ``RCPKG_HOME=home``, keeping the
    ``Built`` that ``knowledge_base.build`` returned to the command."""
    from rcpkg import cli, knowledge_base

    made = []
    build = knowledge_base.build

    def keep(*args, **kwargs):
        made.append(build(*args, **kwargs))
        return made[-1]

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out), redirect_stderr(err):
        mp.setenv("RCPKG_HOME", str(home))
        mp.setattr(knowledge_base, "build", keep)
        status = cli.main(["build"])
    if status != 0 or len(made) != 1:
        raise RuntimeError(f"rcpkg build failed ({status}):\n{out.getvalue()[-2000:]}\n{err.getvalue()[-2000:]}")
    return SessionBuild(home, status, out.getvalue(), err.getvalue(), made[0])


@dataclass
class BackgroundBuild:
    """``build_into(home)`` running in a child process, which pickles its result to ``result_file``."""

    home: Path
    process: subprocess.Popen
    result_file: Path
    log: Path

    @classmethod
    def start(cls, folder: Path) -> BackgroundBuild:
        home = _temporary_home(paths.home(), folder / "home")
        result_file, log = folder / "build.pickle", folder / "build.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, __file__, str(home), str(result_file)], stdout=out, stderr=subprocess.STDOUT
            )
        return cls(home, process, result_file, log)

    def result(self) -> SessionBuild:
        if self.process.wait(timeout=600) != 0 or not self.result_file.is_file():
            raise RuntimeError(f"rcpkg build failed:\n{self.log.read_text(errors='replace')[-4000:]}")
        status, stdout, stderr, built = pickle.loads(self.result_file.read_bytes())
        return SessionBuild(self.home, status, stdout, stderr, built)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


BACKGROUND = pytest.StashKey[BackgroundBuild]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Modules that need the built knowledge base after the others; the build starts now, beside them."""
    needs = {item.nodeid.split("::")[0] for item in items if "kb_build" in getattr(item, "fixturenames", ())}
    if not needs or config.option.collectonly:
        return
    items[:] = [i for i in items if i.nodeid.split("::")[0] not in needs] + [
        i for i in items if i.nodeid.split("::")[0] in needs
    ]
    folder = Path(tempfile.mkdtemp(prefix="rcpkg-kb-"))
    config.stash[BACKGROUND] = BackgroundBuild.start(folder)
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    config.add_cleanup(config.stash[BACKGROUND].stop)


@pytest.fixture(scope="session")
def kb_build(request, tmp_path_factory) -> SessionBuild:
    """The session's one build of the knowledge base (see the module's docstring)."""
    started = request.config.stash.get(BACKGROUND, None)
    if started is not None:
        return started.result()
    return build_into(_temporary_home(paths.home(), tmp_path_factory.mktemp("kb") / "home"))


@pytest.fixture(scope="session")
def built(kb_build):
    """The pipeline's result of the session's build (``rcpkg.knowledge_base.Built``)."""
    return kb_build.built


@pytest.fixture(scope="session")
def kb_home(kb_build) -> Path:
    """A project home holding the built knowledge base (``data/rcp.ttl``, ``data/dumps/``); read-only."""
    return kb_build.home


@pytest.fixture(scope="session")
def kb_dataset(kb_build) -> Path:
    """The built knowledge base's ``rcp.trig`` (data, ontology, inferred and metadata graphs)."""
    return kb_build.dataset


@pytest.fixture(scope="session")
def kb_store(kb_dataset):
    """The store over the built knowledge base, as the server loads it."""
    from rcpkg.store import Store

    return Store.load(kb_dataset)


if __name__ == "__main__":  # the child of BackgroundBuild: python tests/conftest.py HOME RESULT_FILE
    done = build_into(Path(sys.argv[1]))
    Path(sys.argv[2]).write_bytes(pickle.dumps((done.status, done.stdout, done.stderr, done.built)))
