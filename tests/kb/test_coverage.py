"""Every word of the source is accounted for: each cell of every process, in every column, is read by rows of
the statement grammar (statements, items and lead-ins of lists, or text kept verbatim with its reason), and a
text that nothing explains stops the build with its row, column and text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rcpkg import coverage, extract, knowledge_base, source
from rcpkg.errors import ResolveError, SourceError
from rcpkg.extract import PROSE_COLUMNS, STATEMENT_COLUMNS, Grammar

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "source" / "iom-rcp-matrix-2008.txt"
GRAMMAR = Grammar.load(ROOT / "data" / "reference" / "statements.csv")
MATRIX = source.read(SOURCE)
COLUMNS = STATEMENT_COLUMNS + PROSE_COLUMNS
EXTRA = "The Process also discusses fishing quotas."


def accounts(rows: source.ProcessRows, column: str) -> list[coverage.Account]:
    items = extract.items(rows.parts(column)) if column in PROSE_COLUMNS else None
    return [coverage.account(cell, GRAMMAR, items) for cell in rows.parts(column)]


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("rows", MATRIX.processes, ids=lambda r: r.name.split("(")[-1].strip(")"))
def test_every_text_of_the_cell_is_accounted_for(rows, column):
    for account in accounts(rows, column):
        assert account.leftover == (), f"row {account.cell.row}, {column}: no statement explains {account.leftover}"
        if column in STATEMENT_COLUMNS:  # every segment is read by a row of the grammar
            assert [st.text for st in account.statements] == GRAMMAR.segments(account.cell.text, column)
            assert all(st.pattern or st.total is not None for st in account.statements)


def test_every_row_kept_verbatim_says_why():
    kept = [p for p in GRAMMAR.patterns if p.verbatim]
    assert len(kept) >= 30
    assert all(len(p.verbatim) > 20 and set(p.columns) <= set(PROSE_COLUMNS) for p in kept)


def mutated(column: str, extra: str, first: bool = False) -> source.Cell:
    """The Söderköping Process's cell of ``column`` with a sentence added at its end (or at the end of its
    first paragraph)."""
    cell = MATRIX.processes[0].parts(column)[0]
    if "</p>" not in cell.raw:
        return dataclasses.replace(cell, raw=f"{cell.raw} {extra}")
    at = cell.raw.index("</p>") if first else cell.raw.rindex("</p>")
    return dataclasses.replace(cell, raw=f"{cell.raw[:at]} {extra}{cell.raw[at:]}")


@pytest.mark.parametrize("column", PROSE_COLUMNS)
def test_a_sentence_no_statement_explains_is_left_over(column):
    cell = mutated(column, EXTRA)
    assert EXTRA in cell.text
    items = extract.items([cell])
    assert coverage.account(cell, GRAMMAR, items).leftover == (EXTRA,)
    with pytest.raises(
        SourceError,
        match=rf"row {cell.row}, column '{column}': no statement of statements.csv explains this text.*{EXTRA}",
    ):
        coverage.unexplained(cell, GRAMMAR, items)


def test_a_sentence_in_the_lead_in_of_a_list_is_left_over():
    # the lead-in accounts for the words that introduce the list, not for a sentence after them
    cell = mutated("Current Priorities", EXTRA, first=True)
    items = extract.items([cell])
    assert items.lists[0].lead_in.endswith(f"through: {EXTRA}")
    assert EXTRA in coverage.account(cell, GRAMMAR, items).leftover[0]


def test_a_sentence_no_statement_explains_stops_the_build(tmp_path):
    text = SOURCE.read_text(encoding="utf-8")
    sentence = "issues. Since 2004, the process"
    assert text.count(sentence) == 1
    path = tmp_path / "matrix.txt"
    path.write_text(text.replace(sentence, f"issues. {EXTRA} Since 2004, the process"), encoding="utf-8")
    with pytest.raises(SourceError, match=rf"row 5, column 'Main Areas of Discussion': .*'{EXTRA}'"):
        knowledge_base.extract_processes(path)


def test_a_sentence_in_a_participant_cell_that_no_row_reads_stops_the_build(tmp_path):
    # read by the column's last row as a list of names, which are no names of the reference tables
    text = SOURCE.read_text(encoding="utf-8")
    sentence = "supervises the Secretariat's activities."
    assert text.count(sentence) == 1
    path = tmp_path / "matrix.txt"
    path.write_text(text.replace(sentence, f"{sentence} Nobody audits the Board."), encoding="utf-8")
    with pytest.raises(ResolveError, match="row 5, column 'Secretariat': unknown name.*Nobody audits the Board"):
        knowledge_base.extract_processes(path)
