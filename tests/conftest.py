"""Fixtures shared by every test folder.

``kb_home``: a project home (``RCPKG_HOME`` layout) holding a built knowledge base, ``data/dumps/rcp.trig``.
It is this checkout when ``rcpkg build`` has been run here. On a fresh clone (``data/dumps/`` is not in the
repository) the knowledge base is built once per session into a temporary home whose source, reference
tables, ontology and queries are links to this checkout's, so the tests over the knowledge base run instead
of being skipped, and nothing is written into the checkout. ``kb_dataset`` is its ``rcp.trig``.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def build_into(home: Path) -> Path:
    """Run ``rcpkg build`` with ``RCPKG_HOME=home``; the path of the dataset it wrote."""
    env = dict(os.environ, RCPKG_HOME=str(home))
    done = subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", "build"], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"rcpkg build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return home / "data" / "dumps" / "rcp.trig"


@pytest.fixture(scope="session")
def kb_home(tmp_path_factory) -> Path:
    """A home with the built knowledge base: this checkout's if built, else a temporary build."""
    if paths.dataset_file().is_file():
        return paths.home()
    home = _temporary_home(paths.home(), tmp_path_factory.mktemp("kb") / "home")
    build_into(home)
    return home


@pytest.fixture(scope="session")
def kb_dataset(kb_home) -> Path:
    """The built knowledge base's ``rcp.trig`` (data, ontology, inferred and metadata graphs)."""
    return kb_home / "data" / "dumps" / "rcp.trig"
