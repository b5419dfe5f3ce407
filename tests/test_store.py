"""The store: loading, query analysis, serialisation with limits, Python values for pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from rcpkg.errors import DataError, QueryError
from rcpkg.store import (
    Limits,
    NotAcceptable,
    QueryRefused,
    QueryTooComplex,
    Store,
    inspect_query,
)

FIXTURE = Path(__file__).parent / "fixtures" / "endpoint-small.trig"
ID = "https://w3id.org/rcpkg/id/"
RCP = "https://w3id.org/rcpkg/ontology#"
GRAPH = "https://w3id.org/rcpkg/graph/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def store() -> Store:
    return Store.load(FIXTURE)


# ------------------------------------------------------------------------------------------ loading


def test_load_reads_the_named_graphs_and_counts_the_union(store):
    assert store.graphs == tuple(GRAPH + g for g in ("data", "inferred", "metadata", "ontology"))
    assert store.triple_count == 128
    assert len(store.data_hash) == 64
    assert store.last_modified is None  # the fixture states no dcterms:modified


def test_last_modified_is_the_date_the_data_states_not_the_file_time(tmp_path):
    stated = '<https://w3id.org/rcpkg/dataset> <http://purl.org/dc/terms/modified> "2024-05-06T07:08:09Z"^^<{}> .'
    text = (
        FIXTURE.read_text(encoding="utf-8")
        + "\n<https://w3id.org/rcpkg/graph/metadata> { "
        + stated.format("http://www.w3.org/2001/XMLSchema#dateTime")
        + " }\n"
    )
    first, second = tmp_path / "a.trig", tmp_path / "b.trig"
    first.write_text(text, encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    os.utime(first, (1_000_000_000, 1_000_000_000))
    os.utime(second, (1_700_000_000, 1_700_000_000))
    a, b = Store.load(first), Store.load(second)
    assert a.last_modified == b.last_modified == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert a.data_hash == b.data_hash
    assert Store.from_bytes(text.encode("utf-8")).last_modified == a.last_modified


def test_load_of_a_missing_file_says_to_build(tmp_path):
    with pytest.raises(DataError, match="rcpkg build"):
        Store.load(tmp_path / "rcp.trig")


def test_load_of_a_broken_file_is_a_data_error(tmp_path):
    path = tmp_path / "rcp.trig"
    path.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(DataError, match="not valid trig"):
        Store.load(path)
    with pytest.raises(DataError, match="unknown RDF format"):
        Store.load(tmp_path / "rcp.csv")


def test_the_data_hash_follows_the_bytes():
    data = FIXTURE.read_bytes()
    assert Store.from_bytes(data).data_hash == Store.from_bytes(data).data_hash
    assert Store.from_bytes(data + b"\n# changed\n").data_hash != Store.from_bytes(data).data_hash


# -------------------------------------------------------------------------------------- analysis


@pytest.mark.parametrize(
    "text,form",
    [
        ("SELECT * {}", "SELECT"),
        ("# comment with CONSTRUCT\nPREFIX a: <http://a/> ask {}", "ASK"),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x>", "DESCRIBE"),
        ("INSERT DATA { <a> <b> <c> }", "UPDATE"),
        ("PREFIX a: <http://a/> DELETE WHERE { ?s ?p ?o }", "UPDATE"),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
        ("LOAD <http://example.org/x>", "UPDATE"),
        ("nonsense", ""),
    ],
)
def test_inspect_query_finds_the_form(text, form):
    assert inspect_query(text).form == form


def test_inspect_query_finds_service_clauses_however_written():
    assert inspect_query("SELECT * { SERVICE <http://e/s> { ?s ?p ?o } }").services == ("http://e/s",)
    assert inspect_query("PREFIX e: <http://e/> SELECT * { SERVICE SILENT e:s {} }").services == ("http://e/s",)
    assert inspect_query("SELECT * { service ?x {} }").services == ("?x",)
    assert inspect_query("SELECT * { \\u0053ERVICE <http://e/s> {} }").services == ("http://e/s",)
    assert inspect_query("SELECT * { FILTER(?a<?b)SERVICE<http://e/s>{} }").services == ("http://e/s",)
    assert inspect_query('SELECT * { BIND("SERVICE <http://e/s>" AS ?x) } # SERVICE <http://e/t>').services == ()
    assert inspect_query("SELECT * { ?s <http://e/SERVICE> ?o }").services == ()


def test_inspect_query_finds_from_graphs_and_nondeterminism():
    info = inspect_query("BASE <http://b/> PREFIX g: <http://g/> SELECT * FROM g:one FROM NAMED <two> { }")
    assert info.from_graphs == ("http://g/one",)
    assert info.from_named_graphs == ("http://b/two",)
    assert info.deterministic
    assert not inspect_query("SELECT (NOW() AS ?t) {}").deterministic
    assert not inspect_query("SELECT (struuid () AS ?t) {}").deterministic
    assert inspect_query("SELECT ?now {}").deterministic


def test_check_refuses_updates_services_and_unknown_graphs(store):
    with pytest.raises(QueryRefused, match="read-only"):
        store.check("CLEAR ALL")
    with pytest.raises(QueryRefused, match="SERVICE"):
        store.check("SELECT * { SERVICE <http://e/s> {} }")
    store.check("SELECT * { SERVICE <http://e/s> {} }", allowed_services=["http://e/s"])
    with pytest.raises(QueryRefused, match="not a graph of this dataset"):
        store.check("SELECT * FROM <http://example.org/g> {}")
    with pytest.raises(QueryRefused, match="named-graph-uri"):
        store.check("SELECT * {}", named_graph_uris=["http://example.org/g"])
    store.check(f"SELECT * FROM <{GRAPH}data> {{}}")


# ------------------------------------------------------------------------------------- execution


def test_query_returns_bytes_and_media_type(store):
    body, media_type = store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "text/csv")
    assert media_type == "text/csv"
    assert body == b"n\r\n128\r\n"


def test_malformed_query_is_a_query_error_with_the_position(store):
    with pytest.raises(QueryError, match="error at 1:"):
        store.execute("SELECT * {", "application/sparql-results+json")


@pytest.mark.parametrize(
    "media_type",
    ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"],
)
def test_max_rows_cuts_large_answers_in_every_format(store, media_type):
    cut = store.execute("SELECT * { ?s ?p ?o }", media_type, max_rows=10)
    assert cut.truncated and cut.rows == 10
    whole = store.execute("SELECT * { ?s ?p ?o }", media_type, max_rows=1000)
    assert not whole.truncated
    exact = store.execute("SELECT * { ?s ?p ?o }", media_type, max_rows=128)
    assert not exact.truncated
    if media_type == "text/csv":
        assert len(cut.body.decode().splitlines()) == 11
    else:
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        assert len(list(ox.parse_query_results(cut.body, format=fmt))) == 10
        assert len(list(ox.parse_query_results(exact.body, format=fmt))) == 128


def test_max_rows_counts_solutions_not_lines(store):
    # a literal with a newline: one solution, two lines of CSV
    text = f"SELECT ?t {{ <{ID}process/bali-process> <{RCP}governmentsText> ?t }}"
    for media_type in ("text/csv", "application/sparql-results+json", "text/tab-separated-values"):
        answer = store.execute(text, media_type, max_rows=1)
        assert not answer.truncated, media_type


def test_max_rows_cuts_graphs(store):
    answer = store.execute("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples", max_rows=7)
    assert answer.truncated and answer.rows == 7
    assert len(answer.body.splitlines()) == 7
    assert answer.form == "CONSTRUCT"
    assert store.execute(f"DESCRIBE <{ID}country/hun>", "text/turtle").form == "DESCRIBE"


def test_a_quick_query_within_its_timeout_answers(store):
    answer = store.execute("ASK { ?s ?p ?o }", "application/sparql-results+json", timeout=5)
    assert json.loads(answer.body) == {"head": {}, "boolean": True}


# ------------------------------------------------------------------------------ nesting and stack


def test_inspect_query_refuses_brackets_nested_deeper_than_the_limit():
    for deep in (
        "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
        "SELECT * WHERE { BIND(" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) }",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 200 + "1" + " ]" * 200 + " }",
        "SELECT * WHERE { FILTER(" + "EXISTS { FILTER(" * 70 + "true" + ") }" * 70 + ") }",
    ):
        with pytest.raises(QueryTooComplex, match="nest more than 128"):
            inspect_query(deep)
        assert isinstance(QueryTooComplex("x"), QueryError)
    at_limit = "SELECT * WHERE " + "{" * 128 + "}" * 128
    assert inspect_query(at_limit).form == "SELECT"
    with pytest.raises(QueryTooComplex, match="nest more than 127"):
        inspect_query(at_limit, 127)


def test_brackets_in_strings_iris_and_comments_do_not_count():
    many = "{" * 1000
    text = f"SELECT * WHERE {{ ?s ?p \"{many}\" . ?s ?p '''{many}''' }} # {many}\n"
    assert inspect_query(text).form == "SELECT"
    assert inspect_query("SELECT * WHERE { ?s ?p ?o } " + "# (((( \n" * 500).form == "SELECT"


def test_every_store_entry_point_refuses_a_deep_query(store):
    deep = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    with pytest.raises(QueryTooComplex):
        store.query(deep)
    with pytest.raises(QueryTooComplex):
        store.execute(deep, "application/sparql-results+json")
    with pytest.raises(QueryTooComplex):
        store.check(deep)
    limited = Store.load(FIXTURE, limits=Limits(max_query_depth=3))
    with pytest.raises(QueryTooComplex, match="nest more than 3"):
        limited.query("SELECT * WHERE { { { { } } } }")


LONG_FLAT_QUERIES = {
    # Each crashed the engine (SIGSEGV) on a thread with the usual 8 MiB stack.
    "not": "SELECT ?x WHERE { BIND(" + "!" * 30000 + "true AS ?x) }",
    "minus": "SELECT * WHERE { " + "MINUS{}" * 4600 + " }",
    "plus": "SELECT ?x WHERE { BIND(" + "+".join(["1"] * 9000) + " AS ?x) }",
}


@pytest.mark.parametrize("name", sorted(LONG_FLAT_QUERIES))
def test_long_flat_queries_do_not_exhaust_the_engines_stack(name):
    # In a child process: a crash must fail this test, not end the test session.
    program = (
        "import sys\n"
        "from rcpkg.store import Store\n"
        "store = Store.from_bytes(b'', 'nq')\n"
        "text = sys.stdin.read()\n"
        "for timeout in (None, 60):\n"
        "    answer = store.execute(text, 'application/sparql-results+json', timeout=timeout)\n"
        "    print(answer.form, len(answer.body))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], input=LONG_FLAT_QUERIES[name], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-1000:])
    assert len(done.stdout.splitlines()) == 2


def test_a_query_too_long_to_evaluate_safely_is_refused(store):
    with pytest.raises(QueryTooComplex, match="too long to evaluate safely"):
        store.execute("SELECT ?x WHERE { BIND(" + "!" * 600_000 + "true AS ?x) }", "text/csv")


def test_cli_refuses_a_deep_query_with_one_line_and_exit_status_1(kb_home):
    env = dict(os.environ, RCPKG_HOME=str(kb_home))
    for deep in ("SELECT * WHERE " + "{" * 3000 + "}" * 3000, "ASK { FILTER(" + "(" * 5000 + ")" * 5000 + ") }"):
        done = subprocess.run(
            [sys.executable, "-m", "rcpkg.cli", "query", "-"], input=deep, env=env, capture_output=True, text=True
        )
        assert done.returncode == 1, (done.returncode, done.stderr[-500:])
        assert done.stdout == ""
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rcpkg query: error: brackets")
    # and a long flat query answers, given a size limit it fits in
    done = subprocess.run(
        [sys.executable, "-m", "rcpkg.cli", "query", "-", "--format", "csv", "--max-query-bytes", "65536"],
        input="SELECT ?x WHERE { BIND(" + "!" * 40000 + "true AS ?x) }",
        env=env,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout.splitlines()) == (0, ["x", "true"]), done.stderr[-500:]


def test_a_failing_query_thread_leaves_no_engine_object_to_another_thread(store):
    # pyoxigraph refuses to drop its result objects on another thread than theirs; an exception handed over
    # by the query thread must not carry them in its traceback.
    import gc

    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        for timeout in (None, 5):
            with pytest.raises(NotAcceptable):
                store.execute(
                    'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+xml", timeout=timeout
                )
            gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [str(u.exc_value) for u in seen] == []


# ------------------------------------------------------------------------------------ XML validity


def test_xml_results_refuse_characters_xml_cannot_hold(store):
    for char in ("\\u0001", "\\u0000", "\\u001F", "\\uFFFE"):
        text = f'SELECT ?x WHERE {{ BIND("a{char}b" AS ?x) }}'
        with pytest.raises(NotAcceptable, match="XML 1.0 cannot represent") as caught:
            store.execute(text, "application/sparql-results+xml")
        assert "application/sparql-results+xml" not in caught.value.available
        assert json.loads(store.execute(text, "application/sparql-results+json").body)["results"]["bindings"]
    fine = store.execute('SELECT ?x WHERE { BIND("tab\\there\\nand é" AS ?x) }', "application/sparql-results+xml")
    ET.fromstring(fine.body)


def test_rdf_xml_refuses_what_it_cannot_write_as_well_formed_xml(store):
    from rdflib import Graph

    for text in (
        'CONSTRUCT { <http://a/b> <http://a/1> "x" } WHERE {}',
        'CONSTRUCT { <http://a/b> <http://a/c/> "x" } WHERE {}',
        'CONSTRUCT { <http://a/b> <urn:x:1> "x" } WHERE {}',
        'CONSTRUCT { <http://a/b> <http://a/c> "x\\u0002" } WHERE {}',
    ):
        with pytest.raises(NotAcceptable) as caught:
            store.execute(text, "application/rdf+xml")
        assert "text/turtle" in caught.value.available
        assert store.execute(text, "text/turtle").body
    for predicate in ("http://a/b#1x", "http://a/-x", "http://a/é", "http://a/a%20b"):
        answer = store.execute(f'CONSTRUCT {{ <http://a/s> <{predicate}> "x" }} WHERE {{}}', "application/rdf+xml")
        ET.fromstring(answer.body)
        assert len(Graph().parse(data=answer.body, format="xml")) == 1
    answer = store.execute("CONSTRUCT WHERE { ?s ?p ?o }", "application/rdf+xml")
    assert len(Graph().parse(data=answer.body, format="xml")) == 128


def test_graph_answers_name_only_the_prefixes_they_use(store):
    answer = store.execute(f"CONSTRUCT WHERE {{ <{ID}country/hun> <{LABEL}> ?o }}", "text/turtle")
    prefixes = [line.split()[1] for line in answer.body.decode().splitlines() if line.startswith("@prefix")]
    assert prefixes and set(prefixes) <= {"rdf:", "rdfs:", "id:"}  # rdf: for rdf:langString
    xml = store.execute(f"CONSTRUCT WHERE {{ <{ID}country/hun> ?p ?o }}", "application/rdf+xml").body.decode()
    assert "xmlns:rcp=" in xml and "xmlns:sh=" not in xml and "xmlns:prov=" not in xml


def test_rdflib_graphs_of_the_store_bind_no_rdflib_defaults(store):
    graph = store.describe(ID + "country/hun")
    bound = {p for p, _ in graph.namespaces()}
    assert "brick" not in bound and "csvw" not in bound and "rcp" in bound
    assert "ns1:" not in graph.serialize(format="turtle")


# ---------------------------------------------------------------------------------- Python values


def test_select_returns_rdflib_terms(store):
    rows = store.select(
        f"SELECT ?c ?name ?code {{ ?c a <{RCP}Country> ; <{LABEL}> ?name . "
        f"OPTIONAL {{ ?c <http://www.w3.org/2002/07/owl#sameAs> ?code }} }} ORDER BY ?name"
    )
    assert [str(r["name"]) for r in rows] == ["Belarus", "Hungary", "Poland", "Türkiye, Turkey"]
    assert rows[0]["name"] == Literal("Belarus", lang="en")
    assert rows[0]["c"] == URIRef(ID + "country/blr")
    assert "code" not in rows[0] and rows[2]["code"] == URIRef("http://www.wikidata.org/entity/Q36")


def test_select_binds_variables_safely(store):
    text = f"SELECT ?name {{ ?c <{LABEL}> ?name }}"
    assert store.select(text, {"c": ID + "country/hun"}) == [{"name": Literal("Hungary", lang="en")}]
    assert store.select(text, {"c": URIRef(ID + "country/pol")}) == [{"name": Literal("Poland", lang="en")}]
    with pytest.raises(QueryError):
        store.select(text, {"c": ID + "country/hun> } #"})
    with pytest.raises(QueryError):
        store.select(text, {"c": "not an iri> . ?x ?y ?z"})
    with pytest.raises(QueryError):
        store.select(text, {"c } ": ID})


def test_ask_and_construct(store):
    assert store.ask(f"ASK {{ ?p <{RCP}acronym> ?a }}", {"a": Literal("CBCP")})
    assert not store.ask(f"ASK {{ ?p <{RCP}acronym> ?a }}", {"a": Literal("XYZ")})
    graph = store.construct(
        f"CONSTRUCT {{ ?p <{LABEL}> ?n }} WHERE {{ ?p a <{RCP}RegionalConsultativeProcess> ; <{LABEL}> ?n }}"
    )
    assert len(graph) == 3
    with pytest.raises(QueryError):
        store.select("ASK {}")
    with pytest.raises(QueryError):
        store.ask("SELECT * {}")


def test_describe_follows_outgoing_and_optionally_incoming_links(store):
    hun = ID + "country/hun"
    outgoing = store.describe(hun)
    assert len(outgoing) == 3
    assert all(s == URIRef(hun) for s, _, _ in outgoing)
    both = store.describe(hun, incoming=True)
    assert len(both) == 3 + 2 + 2  # two memberships, two inferred hasMemberGovernment
    assert len(store.describe(ID + "country/nowhere")) == 0


def test_quads_tell_asserted_from_inferred(store):
    quads = store.quads(URIRef(ID + "process/bali-process"), URIRef(RCP + "hasMemberGovernment"))
    assert quads == [
        (
            URIRef(ID + "process/bali-process"),
            URIRef(RCP + "hasMemberGovernment"),
            URIRef(ID + "country/tur"),
            GRAPH + "inferred",
        )
    ]
    assert len(store.quads(graph=GRAPH + "inferred")) == 6


def test_contains(store):
    assert store.contains(ID + "country/hun")
    assert store.contains(ID + "role/member")
    assert not store.contains(ID + "country/xyz")


@pytest.mark.parametrize("escape", ["\\UFFFFFFFF", "\\U00110000", "\\U7FFFFFFF"])
def test_an_escape_above_the_last_code_point_is_a_query_error_not_a_crash(store, escape):
    for text in (f"ASK {{}} #{escape}", f'ASK {{ FILTER("{escape}") }}', f"SELECT * {{ <{escape}> ?p ?o }}"):
        store.inspect(text)  # no OverflowError
        try:
            store.execute(text, "application/sparql-results+json", timeout=30)
        except QueryError:
            pass


def test_only_short_queries_are_remembered_by_the_inspection():
    from rcpkg.store import inspect

    inspect._remembered.cache_clear()
    for i in range(50):
        inspect_query(f"SELECT * {{ ?s ?p {i} }} #" + "x" * inspect._REMEMBER_CHARS)
    assert inspect._remembered.cache_info().currsize == 0
    for i in range(50):
        inspect_query(f"SELECT * {{ ?s ?p {i} }}")
    assert inspect._remembered.cache_info().currsize == 50
    assert inspect._remembered.cache_info().maxsize * inspect._REMEMBER_CHARS <= 8 * 2**20
