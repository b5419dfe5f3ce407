"""What of a cell's text the statement grammar accounts for: the statements found, and the text left over.

Every word of the matrix is placed somewhere. A participant cell (Governments, Observers/Partners, Secretariat)
is cut into segments and each segment is read by a row of ``data/reference/statements.csv`` (or it is an
error, in ``extract``). A prose cell (Main Areas of Discussion, Current Priorities) is accounted for by:

- the items of its lists and the words that introduce each list (``extract.items``): the last sentence of its
  lead-in, which ends with ":" or runs on into the list ("working groups on (v) ..."),
- the statements the grammar's prose rows find in it: roles and their terms, events,
- the rows that keep a text verbatim only, each with the reason why it yields nothing structured
  (``verbatim``: "a run of topics with nothing that marks where one ends", "an explanation, no fact").

What is left once those spans are taken out, apart from the separators between them (spaces, punctuation,
"and", "as well as"), is text that no statement explains: ``leftover`` returns it, and the build stops on it
with its row, column and text (``unexplained``), so a sentence the grammar has not seen cannot pass silently.
``rcpkg reconcile --cells`` prints this account for every cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rcpkg.errors import SourceError
from rcpkg.extract import PROSE_COLUMNS, Grammar, Items, Statement, sentences
from rcpkg.source import Cell

#: What may stand between the accounted spans of a prose cell: spaces, punctuation, connecting words.
_SEPARATOR = re.compile(r"(?:[\s,;:.()–-]|\band\b|\bas well as\b|\bor\b)*")


@dataclass(frozen=True)
class Account:
    """A cell's account: the statements the grammar found in it (for a prose cell, also the items and lists
    placed in it, as ``(kind, text)``), and the fragments of its text that none of them explains."""

    cell: Cell
    statements: tuple[Statement, ...]
    placed: tuple[tuple[str, str], ...]
    leftover: tuple[str, ...]


def _loose(text: str) -> str:
    """A regular expression for ``text`` that allows any run of white space where it has one."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _spans_of_items(cell: Cell, items: Items) -> tuple[list[tuple[int, int]], list[tuple[str, str]]]:
    """Where the lead-ins and items of ``items`` that stand in ``cell`` are in its text, in order."""
    text, cursor = cell.text, 0
    spans: list[tuple[int, int]] = []
    placed: list[tuple[str, str]] = []

    def find(kind: str, words: str, marker: str = "") -> None:
        nonlocal cursor
        pattern = (rf"{re.escape(marker)}\s*" if marker else "") + _loose(words)
        m = re.compile(pattern).search(text, cursor)
        if m is None:
            raise SourceError(f"the {kind} is not in the text of its cell", cell.row, cell.column, words)
        cursor = m.end()
        if kind == "lead-in":
            # only the words that introduce the list: the last sentence, which ends with ":" or runs on into
            # the list; the sentences before it, or a last sentence that ends with a full stop, state something
            # else, which another statement must explain
            last = sentences(m.group(0))[-1]
            if last.rstrip().endswith("."):
                return
            spans.append((m.end() - len(last), m.end()))
            placed.append((kind, last))
            return
        spans.append(m.span())
        placed.append((kind, m.group(0)))

    lists = {lst.number: lst for lst in items.lists if lst.cell == cell}
    started: set[int] = set()
    for item in items.items:
        if item.cell != cell:
            continue
        if item.list in lists and item.list not in started:
            started.add(item.list)
            if lists[item.list].lead_in:
                find("lead-in", lists[item.list].lead_in or "")
        find("item", item.text, item.marker)
    return spans, placed


def account(cell: Cell, grammar: Grammar, items: Items | None = None) -> Account:
    """The statements of a cell and the text no statement explains (none, for a participant cell: there a
    segment no row reads is an error of ``Grammar.statements``)."""
    if cell.column not in PROSE_COLUMNS:
        statements = grammar.statements(cell)
        return Account(cell, tuple(statements), (), ())
    findings = grammar.findings(cell)
    spans = [st.span for st in findings if st.span is not None]
    placed: list[tuple[str, str]] = []
    if items is not None:
        item_spans, placed = _spans_of_items(cell, items)
        spans += item_spans
    leftover, cursor = [], 0
    for start, end in [*sorted(spans), (len(cell.text), len(cell.text))]:
        if start > cursor:
            gap = cell.text[cursor:start]
            if not _SEPARATOR.fullmatch(gap):
                leftover.append(re.sub(r"^[\s,;:.]+|[\s,;:]+$", "", gap))
        cursor = max(cursor, end)
    return Account(cell, tuple(findings), tuple(placed), tuple(leftover))


def unexplained(cell: Cell, grammar: Grammar, items: Items | None = None) -> None:
    """``SourceError`` with the cell's row, column and the first text that no statement of the grammar explains."""
    left = account(cell, grammar, items).leftover
    if left:
        raise SourceError(
            "no statement of statements.csv explains this text: add a row that reads it, or one that keeps it "
            "verbatim with the reason (column verbatim)",
            cell.row,
            cell.column,
            left[0],
        )
