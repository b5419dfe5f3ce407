"""Server settings: defaults, TOML file, RCPKG_* environment variables, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcpkg.config import Config, load_config
from rcpkg.errors import RcpkgError


def test_defaults():
    config = load_config(environ={})
    assert config == Config()
    assert config.base_iri == "https://w3id.org/rcpkg/"
    assert config.query_timeout > 0 and config.max_rows > 0 and config.cache
    assert config.service_allowlist == ()


def test_environment_variables_override(tmp_path):
    config = load_config(
        environ={
            "RCPKG_QUERY_TIMEOUT": "2.5",
            "RCPKG_MAX_ROWS": "10",
            "RCPKG_CACHE": "off",
            "RCPKG_SERVICE_ALLOWLIST": "https://query.wikidata.org/sparql, https://example.org/sparql",
            "RCPKG_DATASET": str(tmp_path / "x.trig"),
            "RCPKG_PUBLIC_URL": "https://rcp.example.org/",
        }
    )
    assert config.query_timeout == 2.5
    assert config.max_rows == 10
    assert config.cache is False
    assert config.service_allowlist == ("https://query.wikidata.org/sparql", "https://example.org/sparql")
    assert config.dataset == tmp_path / "x.trig"
    assert config.public_url == "https://rcp.example.org/"


def test_toml_file_then_environment(tmp_path):
    path = tmp_path / "rcpkg.toml"
    path.write_text(
        'max_rows = 50\n[server]\nquery_timeout = 3\nservice_allowlist = ["https://query.wikidata.org/sparql"]\n',
        encoding="utf-8",
    )
    config = load_config(environ={"RCPKG_CONFIG": str(path), "RCPKG_MAX_ROWS": "7"})
    assert config.max_rows == 7
    assert config.query_timeout == 3.0
    assert config.service_allowlist == ("https://query.wikidata.org/sparql",)


@pytest.mark.parametrize(
    "environ,message",
    [
        ({"RCPKG_MAX_ROWS": "many"}, "max_rows"),
        ({"RCPKG_QUERY_TIMEOUT": "-1"}, "query_timeout"),
        ({"RCPKG_CACHE": "perhaps"}, "cache"),
        ({"RCPKG_WORKERS": "0"}, "workers"),
        ({"RCPKG_BASE_IRI": "https://example.org/base"}, "base_iri"),
        ({"RCPKG_CONFIG": "/nonexistent/rcpkg.toml"}, "not found"),
    ],
)
def test_bad_settings_are_clear_errors(environ, message):
    with pytest.raises(RcpkgError, match=message):
        load_config(environ=environ)


def test_bad_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("max_rows = [", encoding="utf-8")
    with pytest.raises(RcpkgError, match="not a valid TOML"):
        load_config(path)
    path.write_text("colour = 'blue'", encoding="utf-8")
    with pytest.raises(RcpkgError, match="unknown setting 'colour'"):
        load_config(path, environ={})


def test_with_overrides_converts_strings():
    config = Config().with_overrides(max_rows="3", dataset="x.trig")
    assert config.max_rows == 3 and config.dataset == Path("x.trig")
