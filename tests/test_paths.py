"""Where the project's files are: RCPKG_HOME, else the checkout the package runs from, else the installed
package's own copy (package data)."""

from __future__ import annotations

from pathlib import Path

from rcpkg import paths

ROOT = Path(__file__).resolve().parents[1]


def test_rcpkg_home_comes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    assert paths.home() == tmp_path.resolve()
    assert paths.dataset_file() == tmp_path.resolve() / "data" / "dumps" / "rcp.trig"


def test_a_checkout_is_its_own_home(monkeypatch):
    monkeypatch.delenv("RCPKG_HOME", raising=False)
    assert paths.home() == ROOT


def test_an_installed_package_is_a_home_of_its_own(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "rcpkg"
    installed.mkdir(parents=True)
    monkeypatch.delenv("RCPKG_HOME", raising=False)
    monkeypatch.setattr(paths, "__file__", str(installed / "paths.py"))
    assert paths.home() == installed / "home"
    assert paths.reference_dir() == installed / "home" / "data" / "reference"


def test_every_input_the_wheel_carries_is_declared_as_package_data():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = declared["package-data"]["rcpkg.home"]
    assert declared["package-dir"]["rcpkg.home"] == "."
    for folder in (paths.source_dir(), paths.reference_dir(), paths.ontology_dir(), paths.queries_dir()):
        for path in folder.iterdir():
            relative = path.relative_to(ROOT)
            if path.suffix in (".txt", ".csv", ".ttl", ".rq"):
                assert any(relative.match(p) for p in patterns), relative
