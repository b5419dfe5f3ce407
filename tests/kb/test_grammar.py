"""The statement grammar, ``data/reference/statements.csv``: each pattern against its example, the whole table
over the source, and the loader's checks, each check proven by a table that must fail it."""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from rcpkg import knowledge_base, source
from rcpkg.errors import ReferenceTableError, SourceError
from rcpkg.extract import PROSE_COLUMNS, STATEMENT_COLUMNS, Grammar
from rcpkg.namespaces import ID
from rcpkg.source import Cell

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "data" / "reference"
TABLE = REFERENCE / "statements.csv"
GRAMMAR = Grammar.load(TABLE)


@pytest.fixture(scope="module")
def matrix() -> source.Matrix:
    return source.read(ROOT / "data" / "source" / "iom-rcp-matrix-2008.txt")


def source_segments(grammar: Grammar, matrix: source.Matrix) -> set[tuple[str, str]]:
    """(column, segment) of every statement of the source: the segments of the participant columns and the
    statements found in the prose columns."""
    return {
        (column, segment)
        for rows in matrix.processes
        for column in STATEMENT_COLUMNS
        for cell in rows.parts(column)
        for segment in grammar.segments(cell.text, column)
    } | {(st.cell.column, st.text) for st in findings(grammar, matrix)}


def findings(grammar: Grammar, matrix: source.Matrix) -> list:
    """The statements the grammar finds in the prose columns of the source."""
    return [
        st
        for rows in matrix.processes
        for column in PROSE_COLUMNS
        for cell in rows.parts(column)
        for st in grammar.findings(cell)
    ]


@pytest.fixture(scope="module")
def segments(matrix) -> set[tuple[str, str]]:
    return source_segments(GRAMMAR, matrix)


def unused(grammar: Grammar, matrix: source.Matrix) -> list[str]:
    """The patterns that read no statement of the source (they match nothing, or an earlier pattern always
    matches first)."""
    used = Counter(
        st.pattern
        for rows in matrix.processes
        for column in STATEMENT_COLUMNS
        for cell in rows.parts(column)
        for st in grammar.statements(cell)
    ) + Counter(st.pattern for st in findings(grammar, matrix))
    return [p.name for p in grammar.patterns if not used[p.name]]


def table_rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_table(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns or list(rows[0]), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def changed(tmp_path: Path, name: str, change: dict[str, str]) -> tuple[Path, int]:
    """The table with one row changed, and the line of that row."""
    rows = table_rows()
    index = next(i for i, r in enumerate(rows) if r["name"] == name)
    rows[index].update(change)
    return write_table(tmp_path / "statements.csv", rows), index + 2


# ------------------------------------------------------------------------------------------ the table itself
@pytest.mark.parametrize("pattern", GRAMMAR.patterns, ids=lambda p: p.name)
def test_the_pattern_reads_its_example(pattern):
    for column in pattern.columns:
        assert GRAMMAR.segments(pattern.example, column) == [pattern.example]
        st = GRAMMAR.statement(Cell(pattern.line, column, html.escape(pattern.example)), pattern.example)
        assert st.pattern == pattern.name, f"an earlier pattern, {st.pattern}, reads the example"
        assert (st.role, st.status, st.flag) == (pattern.role, pattern.status, pattern.flag)
        if pattern.role:
            assert st.names and st.names in pattern.example
        if pattern.attaches_to_previous:
            assert st.note
        if pattern.extra:
            assert [(x.role, x.note) for x in st.extra] == [(pattern.extra.role, pattern.extra.note)]
            assert st.extra[0].names in pattern.example


@pytest.mark.parametrize("pattern", GRAMMAR.patterns, ids=lambda p: p.name)
def test_the_example_is_a_statement_of_the_source(segments, pattern):
    for column in pattern.columns:
        assert (column, pattern.example) in segments


def test_every_pattern_reads_a_statement_of_the_source(matrix):
    assert unused(GRAMMAR, matrix) == []


def unknown_roles(grammar: Grammar) -> set[str]:
    """Roles of the grammar that are not concepts of the role scheme (ontology/schemes.ttl)."""
    schemes = Graph().parse(ROOT / "ontology" / "schemes.ttl")
    roles = {str(c).rsplit("/", 1)[1] for c in schemes.subjects(SKOS.inScheme, ID["role"])}
    used = {p.role for p in grammar.patterns if p.role} | {p.extra.role for p in grammar.patterns if p.extra}
    return used - roles


def test_roles_are_concepts_of_the_role_scheme(tmp_path):
    assert unknown_roles(GRAMMAR) == set()
    path, _ = changed(tmp_path, "co-hosts", {"role": "host"})
    assert unknown_roles(Grammar.load(path)) == {"host"}


def spelt_names(grammar: Grammar) -> list[tuple[str, str]]:
    """(pattern, name) pairs where a pattern or cue spells a name of names.csv or organizations.csv. A row that
    keeps a text verbatim only is that text as the source writes it, names included: it yields nothing, so no
    name of it becomes a fact."""
    with (REFERENCE / "names.csv").open(encoding="utf-8", newline="") as fh:
        names = {row["name"] for row in csv.DictReader(fh)}
    with (REFERENCE / "organizations.csv").open(encoding="utf-8", newline="") as fh:
        names |= {row[c] for row in csv.DictReader(fh) for c in ("name", "acronym") if row[c]}
    return [
        (p.name, name)
        for p in grammar.patterns
        if not p.verbatim
        for name in sorted(names)
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", f"{p.regex.pattern} {p.cue or ''}")
    ]


def test_the_grammar_names_no_one():
    """Names belong to the resolution tables: no pattern or cue spells a name that they list."""
    assert spelt_names(GRAMMAR) == []


def test_a_pattern_that_spells_a_name_is_found(tmp_path):
    path, _ = changed(
        tmp_path,
        "secretariat-established",
        {
            "pattern": r"A (?P<outcome>(?P<names>permanent Secretariat)) established in (?P<date>\w+ (?P<year>\d{4})) "
            r"offers (?P<note>.+?)\.?"
        },
    )
    assert spelt_names(Grammar.load(path)) == [("secretariat-established", "permanent Secretariat")]


def test_a_footnote_names_the_state_of_the_names_it_explains():
    st = GRAMMAR.statement(
        Cell(30, "Governments", "*Special Administrative Region of China"), "*Special Administrative Region of China"
    )
    assert (st.flag, st.state, st.note) == ("footnote", "China", "Special Administrative Region of China")


# ------------------------------------------------------------------------------------------ segments
@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("Governments", "Chair: Turkey Co-Chair: Hungary", ["Chair: Turkey", "Co-Chair: Hungary"]),
        ("Governments", "Current Chair: Portugal", ["Current Chair: Portugal"]),
        ("Governments", "Uzbekistan. (Total: 49)  Chair: Turkey", ["Uzbekistan.", "(Total: 49)", "Chair: Turkey"]),
        (
            "Secretariat",
            "No official secretariat (facilitated by IOM)",
            ["No official secretariat", "(facilitated by IOM)"],
        ),
        (
            "Secretariat",
            "Technical Secretariat (IOM provides technical cooperation and administrative support)",
            ["Technical Secretariat", "(IOM provides technical cooperation and administrative support)"],
        ),
        ("Observers, Partners", "IOM, ILO and ICMPD.", ["IOM, ILO and ICMPD."]),
    ],
    ids=["cue-after-a-statement", "cue-inside-a-cue", "total", "parenthesis-cue", "parenthesis-after-a-name", "list"],
)
def test_segments_are_cut_at_separators_and_cues(column, text, expected):
    assert GRAMMAR.segments(text, column) == expected


# ------------------------------------------------------------------------------------------ checks proven to fail
@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        pytest.param(
            "chair",
            {"example": "Chairman: Turkey"},
            "the pattern does not match its example 'Chairman: Turkey'",
            id="example-not-matched",
        ),
        pytest.param(
            "chair",
            {"pattern": "(?:Current Chair:"},
            "pattern '(?:Current Chair:' is not a regular expression",
            id="not-a-regex",
        ),
        pytest.param(
            "hosted-by", {"pattern": r"Hosted by (?P<host>.+?)\.?"}, "unknown named group(s) host", id="unknown-group"
        ),
        pytest.param("hosted-by", {"role": ""}, "a role goes with a (?P<names>...) group", id="names-without-role"),
        pytest.param(
            "footnote", {"role": "member"}, "a role goes with a (?P<names>...) group", id="role-without-names"
        ),
        pytest.param(
            "chair",
            {"column": "Year"},
            "column 'Year' is not read as statements",
            id="unknown-column",
        ),
        pytest.param(
            "first-meeting-on",
            {"pattern": r"In \d{4}, the [A-Z]+ held (?P<event>its first meeting on immigration)"},
            "an event needs a (?P<date>...) group",
            id="event-without-date",
        ),
        pytest.param(
            "first-meeting-on",
            {
                "pattern": r"In (?P<date>\d+), the [A-Z]+ held (?P<event>its first meeting on immigration)",
                "example": "In 201, the IGC held its first meeting on immigration",
            },
            "the date '201' of the example is no year",
            id="event-date-unreadable",
        ),
        pytest.param(
            "launched-by",
            {"role": "founder"},
            "an event is found in a prose column, and its names are who held it, not a role",
            id="event-with-role",
        ),
        pytest.param(
            "network-established",
            {"event": ""},
            "the groups attendees, date, event, outcome, place and held_by are for a row with an event",
            id="event-groups-without-event",
        ),
        pytest.param(
            "chair-taken-over",
            {"cue": "Since"},
            "a pattern of a prose column finds a role or an event in running text",
            id="prose-with-cue",
        ),
        pytest.param(
            "chair",
            {"column": "Governments|Current Priorities"},
            "a pattern of a prose column finds a role or an event in running text",
            id="prose-and-statement-columns",
        ),
        pytest.param(
            "secretariat-established",
            {"role": ""},
            "a role goes with a (?P<names>...) group",
            id="participant-event-names-without-role",
        ),
        pytest.param("first-meeting-on", {"held_by": "yes"}, "held_by is 'process' or empty", id="held-by-unknown"),
        pytest.param(
            "launched-by",
            {"held_by": "process"},
            "held_by 'process' and a (?P<names>...) group",
            id="held-by-and-names",
        ),
        pytest.param("chair", {"held_by": "process"}, "and held_by are for a row with an event", id="held-by-no-event"),
        pytest.param("chair", {"status": "past"}, "status is current, former or suspended", id="unknown-status"),
        pytest.param(
            "no-official-secretariat",
            {"flag": "no-secretariat"},
            "flag 'no-secretariat' is none of footnote, secretariat, no-official-secretariat, no-official-observers",
            id="unknown-flag",
        ),
        pytest.param("chair", {"role": "Chair"}, "role 'Chair' is not a key", id="role-not-a-key"),
        pytest.param("chair", {"name": "Chair"}, "the name 'Chair' is not a key", id="name-not-a-key"),
        pytest.param("co-chair", {"name": "chair"}, "a second row named 'chair'", id="name-twice"),
        pytest.param(
            "chair",
            {"cue": "Co-Chairs?:"},
            "the cue does not match the start of the example 'Chair: Turkey'",
            id="cue-not-matched",
        ),
        pytest.param("chair", {"cue": "(?P<label>Chair:)"}, "a cue has no named groups", id="cue-with-group"),
        pytest.param(
            "network-established", {"narrative": "true"}, "narrative is 'yes' or empty, not 'true'", id="not-yes"
        ),
        pytest.param(
            "presidency-rotation", {"attaches_to_previous": ""}, "the row yields nothing", id="yields-nothing"
        ),
        pytest.param(
            "presidency-rotation",
            {"flag": "footnote"},
            "a narrative or a note on the statement before yields no role and no flag",
            id="narrative-and-flag",
        ),
        pytest.param(
            "presidency-rotation",
            {"pattern": r"\(Presidency Pro-Tempore [^()]+(?:\([^()]*\))?[^()]*\)"},
            "attaches_to_previous needs a note",
            id="attached-without-note",
        ),
        pytest.param(
            "kept-apc-aim",
            {"column": "Secretariat"},
            "a row that keeps text verbatim only (verbatim: the reason) is a row of a prose column",
            id="verbatim-in-participant-column",
        ),
        pytest.param(
            "kept-apc-aim",
            {"pattern": "Its aim is to promote (?P<note>dialogue) and explore opportunities for greater regional .+"},
            "a row that keeps text verbatim only (verbatim: the reason) is a row of a prose column that yields nothing",
            id="verbatim-with-group",
        ),
        pytest.param(
            "kept-apc-aim",
            {"event": "meeting"},
            "a row that keeps text verbatim only (verbatim: the reason) is a row of a prose column that yields nothing",
            id="verbatim-with-event",
        ),
        pytest.param(
            "staffed-secretariat", {"extra_role": ""}, "extra_group and extra_role go together", id="extra-without-role"
        ),
        pytest.param(
            "staffed-secretariat",
            {"extra_group": "staffers"},
            "unknown named group(s) staff",
            id="pattern-group-not-declared",
        ),
        pytest.param(
            "hosted-by",
            {"extra_group": "host", "extra_role": "secretariat"},
            "extra_group 'host' is not a named group of the pattern",
            id="extra-group-not-in-pattern",
        ),
    ],
)
def test_a_wrong_row_is_reported_with_its_line_and_what_to_fix(tmp_path, name, change, message):
    path, line = changed(tmp_path, name, change)
    with pytest.raises(ReferenceTableError) as err:
        Grammar.load(path)
    assert f"statements.csv, line {line}" in str(err.value)
    assert message in str(err.value)


def test_a_missing_column_or_field_is_reported(tmp_path):
    rows = table_rows()
    with pytest.raises(ReferenceTableError, match="missing column.s. cue"):
        Grammar.load(write_table(tmp_path / "a.csv", rows, [c for c in rows[0] if c != "cue"]))
    path = tmp_path / "b.csv"
    path.write_text(
        TABLE.read_text(encoding="utf-8").replace("\nco-chair,Governments,", "\nco-chair,"), encoding="utf-8"
    )
    with pytest.raises(ReferenceTableError, match=r"b.csv, line 3: wrong number of fields"):
        Grammar.load(path)
    with pytest.raises(ReferenceTableError, match="reference table not found"):
        Grammar.load(tmp_path / "none.csv")


def test_a_column_without_patterns_is_reported(tmp_path):
    rows = [r for r in table_rows() if r["column"] != "Secretariat"]
    with pytest.raises(ReferenceTableError, match="no pattern for the column.s. 'Secretariat'"):
        Grammar.load(write_table(tmp_path / "statements.csv", rows))


def test_a_pattern_that_matches_nothing_in_the_source_is_found(tmp_path, matrix):
    rows = table_rows()
    never = dict(
        rows[0],
        name="never",
        pattern="(?P<names>.+) never took part",
        role="participant",
        cue="",
        example="Nobody never took part",
    )
    grammar = Grammar.load(write_table(tmp_path / "statements.csv", [never, *rows]))
    assert unused(grammar, matrix) == ["never"]
    assert ("Governments", "Nobody never took part") not in source_segments(grammar, matrix)  # nor its example


def test_a_pattern_that_an_earlier_one_always_wins_over_is_found(tmp_path, matrix):
    rows = table_rows()
    catch_all = next(r for r in rows if r["name"] == "secretariat")
    rest = [r for r in rows if r is not catch_all]
    grammar = Grammar.load(write_table(tmp_path / "statements.csv", [catch_all, *rest]))
    assert unused(grammar, matrix) == [p.name for p in GRAMMAR.rules("Secretariat")][:-1]
    first = GRAMMAR.rules("Secretariat")[0]
    st = grammar.statement(Cell(first.line, "Secretariat", first.example), first.example)
    assert st.pattern != first.name  # what test_the_pattern_reads_its_example fails on


def test_a_statement_that_no_pattern_reads_is_an_error(tmp_path):
    rows = [r for r in table_rows() if r["name"] != "members"]
    grammar = Grammar.load(write_table(tmp_path / "statements.csv", rows))
    cell = Cell(5, "Governments", "Belarus and Ukraine (Total: 2)")
    with pytest.raises(
        SourceError,
        match="row 5, column 'Governments': no pattern of statements.csv reads this "
        "statement: add a row for it: 'Belarus and Ukraine'",
    ):
        grammar.statements(cell)


def test_a_wrong_table_stops_the_build(home):
    path = home / "data" / "reference" / "statements.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",Chair: Turkey\n", ",Chair Turkey\n"), encoding="utf-8")
    with pytest.raises(ReferenceTableError, match=r"line 2 \(chair\): the pattern does not match its example"):
        knowledge_base.extract_processes()
