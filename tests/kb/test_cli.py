"""The rcpkg command: build, validate, query, stats, reconcile; bad input gives one line and exit 1."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
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


def test_reconcile_cells_prints_the_statements_and_the_text_left_over_per_cell(kb_home):
    out = [line.split("\t") for line in rcpkg(kb_home, "reconcile", "--cells").stdout.splitlines()]
    assert out[0] == ["process", "row", "column", "kind", "rule", "text"]
    rows = {tuple(f[:5]) for f in out[1:]}
    assert ("budapest-process", "9", "Governments", "statement", "co-chair") in rows
    assert ("budapest-process", "9", "Main Areas of Discussion", "event", "conference-adopted-in-year") in rows
    assert ("apc", "30", "Main Areas of Discussion", "verbatim", "kept-apc-aim") in rows
    assert ("midsa", "25", "Main Areas of Discussion", "item", "") in rows
    assert not [f for f in out if f[3] == "left over"]


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


# ---------------------------------------------------------------------------------------- rcpkg query's limits
CONSTRUCT = (
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/rcpkg/ontology#RegionalConsultativeProcess> ; ?p ?o }"
)
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize(
    "query,fmt,message",
    [
        (CONSTRUCT, "csv", "--format csv cannot express the result of a CONSTRUCT query; use one of turtle,"),
        ("DESCRIBE <https://w3id.org/rcpkg/id/process/igc>", "table", "a DESCRIBE query; use one of turtle,"),
        ("SELECT * { ?s ?p ?o }", "turtle", "--format turtle cannot express the result of a SELECT query"),
        ("ASK { ?s ?p ?o }", "jsonld", "result of a ASK query; use one of table, json, xml, csv, tsv"),
    ],
)
def test_query_refuses_a_format_the_query_form_cannot_have(kb_home, query, fmt, message):
    result = rcpkg(kb_home, "query", "-", "--format", fmt, stdin=query)
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "fmt,first", [(None, "@prefix "), ("turtle", "@prefix "), ("ntriples", "<https://w3id.org/rcpkg/id/process/")]
)
def test_a_graph_query_is_written_in_the_rdf_format_asked(kb_home, fmt, first):
    result = rcpkg(kb_home, "query", "-", *(("--format", fmt) if fmt else ()), stdin=CONSTRUCT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(first) and "RegionalConsultativeProcess" in result.stdout


@pytest.mark.parametrize(
    "args,query,message",
    [
        (
            ("--max-query-bytes", "40"),
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # a comment",
            "the query is 47 bytes, more than the limit of 40",
        ),
        (("--max-query-depth", "3"), "SELECT * WHERE { { { { ?s ?p ?o } } } }", "nest more than 3 levels deep"),
        (("--timeout", "0.5"), CROSS_PRODUCT, "the query ran longer than 0.5 s and was stopped (--timeout)"),
    ],
)
def test_query_runs_within_the_stores_limits(kb_home, args, query, message):
    result = rcpkg(kb_home, "query", "-", *args, stdin=query)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_query_longer_than_the_default_limit_is_refused_not_run_for_hours(kb_home):
    from rcpkg.store.limits import MAX_QUERY_BYTES

    sum_of_ones = "SELECT (" + "+".join(["1"] * (MAX_QUERY_BYTES // 2 + 10)) + " AS ?x) {}"
    result = rcpkg(kb_home, "query", "-", stdin=sum_of_ones)
    assert result.returncode == 1 and f"more than the limit of {MAX_QUERY_BYTES} (--max-query-bytes)" in result.stderr


def test_query_says_when_the_row_limit_cut_the_result(kb_home):
    result = rcpkg(kb_home, "query", "-", "--format", "csv", "--max-rows", "3", stdin="SELECT * { ?s ?p ?o }")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 4
    assert "the result was cut at 3 rows (--max-rows)" in result.stderr


def test_a_service_is_called_only_when_allowed_on_the_command_line(kb_home):
    query = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    result = rcpkg(kb_home, "query", "-", stdin=query)
    assert result.returncode == 1 and "operator" not in result.stderr
    assert "rcpkg query --allow-service https://query.wikidata.org/sparql" in result.stderr


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (its evaluators' zygote and the evaluators), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent]
        found += children
        todo += children
    return found


def test_sigint_stops_a_running_query_at_once_with_exit_130(kb_home, tmp_path):
    import signal

    cross = tmp_path / "cross.rq"
    cross.write_text(CROSS_PRODUCT, encoding="utf-8")
    env = dict(os.environ, RCPKG_HOME=str(kb_home))
    process = subprocess.Popen(
        [sys.executable, "-m", "rcpkg.cli", "query", str(cross), "--timeout", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal starts it
    )
    try:
        while process.poll() is None and len(descendants(process.pid)) < 2:  # its evaluator has started
            time.sleep(0.01)
        assert process.poll() is None
        evaluation = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130  # an hour's query, stopped
        assert b"Traceback" not in process.stderr.read()
        for _ in range(500):  # and its evaluation with it, not left running
            if not any(Path(f"/proc/{pid}").exists() for pid in evaluation):
                break
            time.sleep(0.01)
        assert not [pid for pid in evaluation if Path(f"/proc/{pid}").exists()]
    finally:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------------------------------- rcpkg serve
@pytest.mark.parametrize(
    "args,message",
    [
        (("--port", "99999"), "argument --port: 99999 is out of range (from 0 to 65535)"),
        (("--port", "-1"), "argument --port: -1 is out of range (from 0 to 65535)"),
        (("--workers", "0"), "argument --workers: 0 is out of range (at least 1)"),
        (("--workers", "many"), "argument --workers: not a number: 'many'"),
    ],
)
def test_serve_refuses_a_bad_port_or_worker_count_in_one_line(kb_home, args, message):
    result = rcpkg(kb_home, "serve", *args)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_on_a_port_in_use_is_one_line(kb_home):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = rcpkg(kb_home, "serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == f"rcpkg serve: error: cannot serve on 127.0.0.1:{port}: Address already in use"


def test_stats_names_classes_by_prefix_in_lines_without_trailing_spaces(kb_home):
    out = rcpkg(kb_home, "stats").stdout
    lines = out.splitlines()
    assert "rcp:RegionalConsultativeProcess" in out and "https://w3id.org/rcpkg/ontology#" not in out
    assert [line for line in lines if line != line.rstrip()] == []
    assert max(len(line) for line in lines) <= 120


@pytest.mark.parametrize(
    "mutation,declared,message",
    [
        ("tail-cut", False, "is not the 2008 edition (iom-rcp-matrix-2008) that"),
        ("region-row-removed", False, "is not the 2008 edition (iom-rcp-matrix-2008) that"),
        ("region-row-removed", True, "row 10, column 'RCP': the process stands under the region header of row 4"),
    ],
)
def test_a_build_of_a_changed_source_stops_in_one_line_and_writes_nothing(tmp_path, mutation, declared, message):
    from tests.kb.conftest import make_home
    from tests.kb.test_source import SOURCE_MUTATIONS

    home = make_home(tmp_path / "home")
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    original = path.read_bytes()
    path.write_text(SOURCE_MUTATIONS[mutation](original.decode("utf-8")), encoding="utf-8")
    if declared:  # the changed file declared as the edition the build reads
        table = home / "data" / "reference" / "sources.csv"
        old, new = hashlib.sha256(original).hexdigest(), hashlib.sha256(path.read_bytes()).hexdigest()
        table.write_text(table.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = rcpkg(home, "build")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (home / "data" / "rcp.ttl").exists() and not (home / "data" / "dumps").exists()
