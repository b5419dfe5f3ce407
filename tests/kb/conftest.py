"""Fixtures of the knowledge-base tests: a private copy of the project's inputs to change; the built knowledge
base and its store are the session's (tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def make_home(tmp: Path) -> Path:
    """A folder laid out like the repository with the inputs a build reads (RCPKG_HOME points to it)."""
    for part in ("data/source", "data/reference", "ontology", "queries"):
        shutil.copytree(ROOT / part, tmp / part)
    return tmp


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    h = make_home(tmp_path / "home")
    monkeypatch.setenv("RCPKG_HOME", str(h))
    return h


@pytest.fixture(scope="session")
def store(kb_store):
    """The store over the built knowledge base."""
    return kb_store
