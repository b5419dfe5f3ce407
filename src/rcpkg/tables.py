"""Reading the reference tables of ``data/reference/``: UTF-8 CSV files with a header row.

One reader for the stages that load tables (``source`` the editions, ``extract`` its grammar, ``resolve`` its
names, ``links`` the identifiers of other datasets), so that a missing file, a wrong header or a row with the
wrong number of fields is reported the same way: the file, the line and what to fix. ``read`` takes a table
with at least the given columns; ``read_exact`` one whose header is exactly those columns (values stripped,
blank lines skipped); ``check_shapes`` the form of a row's values."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from rcpkg.errors import ReferenceTableError


def read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the table at ``path``, which must have at least ``columns``."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceTableError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise ReferenceTableError(f"reference table not found: {path}") from None
    for number, row in rows:
        if None in row or any(row[c] is None for c in columns):
            raise ReferenceTableError(f"{path}, line {number}: wrong number of fields")
    return rows


def read_exact(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the table at ``path``, whose header must be exactly ``columns``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceTableError(f"reference table not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise ReferenceTableError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, [])
    if header != list(columns):
        raise ReferenceTableError(f"{path}: header must be {','.join(columns)}, found {','.join(header)}")
    rows = []
    for number, values in enumerate(reader, start=2):
        if not values:
            continue
        if len(values) != len(columns):
            raise ReferenceTableError(f"{path}, line {number}: {len(values)} fields, expected {len(columns)}")
        rows.append((number, dict(zip(columns, (v.strip() for v in values), strict=True))))
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
