"""The rcpkg command: build, validate, query, stats, reconcile; bad input gives one line and exit 1."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"


def rcpkg(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, RCPKG_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


def test_build_is_deterministic_and_writes_the_dumps(kb_build):
    # `rcpkg build` as the session ran it (tests/conftest.py), compared with the committed data/rcp.ttl: the
    # bytes another build, in another process, wrote
    committed = hashlib.sha256((ROOT / "data" / "rcp.ttl").read_bytes()).hexdigest()
    assert kb_build.status == 0 and "conforms" in kb_build.stdout
    assert hashlib.sha256((kb_build.home / "data" / "rcp.ttl").read_bytes()).hexdigest() == committed
    assert (kb_build.home / "data" / "dumps" / "rcp.trig").exists()
    assert "OWL RL" in kb_build.stdout and "SHACL" in kb_build.stdout


def test_query_formats_and_stdin(kb_home):
    table = rcpkg(kb_home, "query", str(QUERIES / "processes.rq"))
    assert table.returncode == 0 and "(14 rows)" in table.stdout
    csv = rcpkg(kb_home, "query", str(QUERIES / "chairs.rq"), "--format", "csv")
    assert csv.stdout.splitlines()[0] == "process,government,governmentName,role,note"
    tsv = rcpkg(kb_home, "query", "-", "--format", "tsv", stdin="SELECT (1 AS ?one) {}")
    assert tsv.stdout.splitlines() == ["?one", "1"]
    js = rcpkg(kb_home, "query", "-", "--format", "json", stdin="ASK { ?s ?p ?o }")
    assert '"boolean":true' in js.stdout.replace(" ", "")


def test_stats_counts_per_class_and_process(kb_home):
    out = rcpkg(kb_home, "stats").stdout
    assert "bali-process" in out and "org:Membership" in out or "Membership" in out


def test_reconcile_lists_every_name_and_what_it_resolved_to(kb_home):
    out = rcpkg(kb_home, "reconcile").stdout.splitlines()
    assert out[0].startswith("process\trow\tcolumn\tname in source")
    assert any(f[3] == "Macedonia (FYR)" and f[7] == "MKD" for f in (line.split("\t") for line in out[1:]))


@pytest.mark.parametrize(
    "args,stdin,message",
    [
        (("query", "-"), "SELEC nothing", "rcpkg query: error:"),
        (("query", "/nonexistent.rq"), None, "query file not found: /nonexistent.rq"),
        (("validate", "/nonexistent.ttl"), None, "not found"),
        (("validate", "/"), None, "/ is a directory, not an RDF file"),
        (("query", "/"), None, "cannot read query file /: Is a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(kb_home, args, stdin, message):
    result = rcpkg(kb_home, *args, stdin=stdin)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_query_file_that_is_not_utf8_is_one_line_and_exit_1(kb_home, tmp_path):
    latin1 = tmp_path / "latin1.rq"
    latin1.write_bytes('SELECT * WHERE { ?s ?p "Söderköping" }'.encode("latin-1"))
    result = rcpkg(kb_home, "query", str(latin1))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{latin1} is not UTF-8 text" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_validate_reports_an_invalid_turtle_file(kb_home, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = rcpkg(kb_home, "validate", str(bad))
    assert result.returncode == 1 and "not valid Turtle" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "line 1" in result.stderr


def test_validate_exits_1_with_a_readable_report(kb_home, tmp_path):
    broken = tmp_path / "broken.ttl"
    text = (kb_home / "data" / "rcp.ttl").read_text(encoding="utf-8")
    broken.write_text(text.replace("rcp:declaredMemberCount 42", "rcp:declaredMemberCount 43"), encoding="utf-8")
    result = rcpkg(kb_home, "validate", str(broken))
    assert result.returncode == 1
    assert "differs from the declared total" in result.stdout and "bali-process" in result.stdout


def test_a_missing_source_stops_the_build_without_writing(tmp_path):
    from tests.kb.conftest import make_home

    home = make_home(tmp_path / "home")
    (home / "data" / "source" / "iom-rcp-matrix-2008.txt").unlink()
    result = rcpkg(home, "build")
    assert result.returncode == 1 and "source file not found" in result.stderr
    assert not (home / "data" / "rcp.ttl").exists()


def test_load_returns_the_dataset(kb_home, monkeypatch):
    monkeypatch.setenv("RCPKG_HOME", str(kb_home))
    import rcpkg

    ds = rcpkg.load()
    names = {str(g.identifier) for g in ds.graphs()}
    assert "https://w3id.org/rcpkg/graph/data" in names and "https://w3id.org/rcpkg/graph/inferred" in names


def test_version_is_the_installed_distributions(capsys):
    from importlib.metadata import version

    from rcpkg import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"rcpkg {version('rcpkg')}"


def test_serve_is_a_subcommand_of_the_one_parser(capsys):
    from rcpkg import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["serve", "--help"])
    assert stop.value.code == 0
    assert "--workers" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        cli.main(["serve", "--port", "not-a-number"])
    assert stop.value.code == 2


def test_a_query_file_starting_with_a_byte_order_mark_runs(kb_home, tmp_path):
    bom = tmp_path / "bom.rq"
    bom.write_bytes(b"\xef\xbb\xbfSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    result = rcpkg(kb_home, "query", str(bom), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "n"


@pytest.mark.parametrize(
    "name,text",
    [
        ("empty.ttl", ""),
        ("comments.ttl", "# nothing but a comment\n"),
        ("unrelated.ttl", "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"),
    ],
)
def test_validate_refuses_a_file_that_is_not_the_knowledge_base(kb_home, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = rcpkg(kb_home, "validate", str(path))
    assert result.returncode == 1 and "conforms" not in result.stdout
    assert f"{path} states no rcp:RegionalConsultativeProcess" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_validate_of_a_truncated_file_is_one_bounded_line(kb_home, tmp_path):
    truncated = tmp_path / "truncated.ttl"
    text = (kb_home / "data" / "rcp.ttl").read_text(encoding="utf-8")
    truncated.write_text(text[: len(text) // 2], encoding="utf-8")
    result = rcpkg(kb_home, "validate", str(truncated))
    assert result.returncode == 1 and "not valid Turtle" in result.stderr and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 600 + len(str(truncated))
