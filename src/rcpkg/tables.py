"""Reading the reference tables of ``data/reference/``: UTF-8 CSV files with a header row.

One reader for the stages that load tables (``extract`` its grammar, ``resolve`` its names), so that a
missing file, a missing column or a row with the wrong number of fields is reported the same way: the file,
the line and what to fix."""

from __future__ import annotations

import csv
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
