"""Reading the reference tables of ``data/reference/``: UTF-8 CSV files with a header row.

One reader for the stages that load tables (``source`` the editions, ``extract`` its grammar, ``resolve`` its
names, ``links`` the identifiers of other datasets), so that a missing file, a wrong header or a row with the
wrong number of fields is reported the same way: the file, the line and what to fix. ``read`` takes a table
with at least the given columns; ``read_exact`` one whose header is exactly those columns (values stripped,
blank lines skipped); ``check_shapes`` the form of a row's values."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rcpkg.errors import ReferenceTableError
from rcpkg.files import read_utf8


def _rows(path: Path) -> tuple[Any, list[str]]:  # (a csv reader, its header)
    """A CSV reader over the UTF-8 text of ``path`` (a byte-order mark dropped), after its header, which it
    returns too; ``ReferenceTableError`` for a missing or unreadable file, text that is not UTF-8 and a column
    named twice."""
    reader = csv.reader(io.StringIO(read_utf8(path, ReferenceTableError, "reference table"), newline=""))
    header = next(reader, [])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ReferenceTableError(f"{path}: column(s) named twice in the header: {', '.join(twice)}")
    return reader, header


def read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the table at ``path``, which must have at least ``columns``."""
    reader, header = _rows(path)
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceTableError(f"{path}: missing column(s) {', '.join(missing)}")
    rows = []
    for values in reader:
        if not values:
            continue
        if len(values) != len(header):
            raise ReferenceTableError(f"{path}, line {reader.line_num}: wrong number of fields")
        rows.append((reader.line_num, dict(zip(header, values, strict=True))))
    return rows


def read_exact(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the table at ``path``, whose header must be exactly ``columns`` (values
    stripped, blank lines skipped)."""
    reader, header = _rows(path)
    if header != list(columns):
        raise ReferenceTableError(f"{path}: header must be {','.join(columns)}, found {','.join(header)}")
    rows = []
    for values in reader:
        if not values:
            continue
        if len(values) != len(columns):
            raise ReferenceTableError(f"{path}, line {reader.line_num}: {len(values)} fields, expected {len(columns)}")
        rows.append((reader.line_num, dict(zip(columns, (v.strip() for v in values), strict=True))))
    return rows


def check_shapes(
    path: Path, number: int, row: dict[str, str], shapes: Iterable[tuple[str, re.Pattern[str], bool]]
) -> None:
    """Each (column, pattern, optional) of ``shapes``: the row's value matches the pattern, or is empty and
    optional; else an error naming the file, the line, the column and the value."""
    for column, pattern, optional in shapes:
        value = row.get(column, "")
        if not (value == "" and optional) and not pattern.fullmatch(value):
            raise ReferenceTableError(f"{path}, line {number}: malformed {column} {value!r}")
