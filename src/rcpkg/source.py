"""Read the matrix: rows, cells with their coordinates, region headers, "(cont.)" rows merged.

Nothing else in the package reads the source file. The matrix is tab-separated: a header row of seven column
names (repeated at each page break), region header rows (only the first cell, in bold), process rows, rows that
continue the previous process (its name followed by "(cont.)"), blank rows, and one footnote row at the end.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from rcpkg.errors import SourceError
from rcpkg.text import html_to_text

COLUMNS = (
    "RCP",
    "Year",
    "Governments",
    "Observers, Partners",
    "Secretariat",
    "Main Areas of Discussion",
    "Current Priorities",
)
SOURCE_KEY = "iom-rcp-matrix-2008"

_CONT = re.compile(r"\s*<i>\s*\(cont\.\)\s*</i>\s*$")
_TAG = re.compile(r"<[^>]+>")


def column_slug(column: str) -> str:
    """'Observers, Partners' -> 'observers-partners' (used in source-cell IRIs)."""
    return re.sub(r"[^a-z0-9]+", "-", column.lower()).strip("-")


@dataclass(frozen=True)
class Cell:
    """One cell of the matrix with its coordinates: the line number in the file and the column name."""

    row: int
    column: str
    raw: str

    @property
    def text(self) -> str:
        return html_to_text(self.raw)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


@dataclass
class ProcessRows:
    """A process of the matrix: its first row and any "(cont.)" rows, cells per column in row order."""

    name: str
    region: Cell
    cells: dict[str, list[Cell]] = field(default_factory=dict)

    @property
    def rows(self) -> list[int]:
        return sorted({c.row for cells in self.cells.values() for c in cells})

    def parts(self, column: str) -> list[Cell]:
        """The non-empty cells of a column, in row order."""
        return [c for c in self.cells.get(column, []) if not c.is_empty]

    def text(self, column: str) -> str:
        """The whole text of a column, its parts joined by a blank line."""
        return "\n\n".join(c.text for c in self.parts(column))


@dataclass
class Matrix:
    processes: list[ProcessRows]
    regions: list[Cell]
    footnote: Cell
    header_rows: list[int]
    sha256: str


def _bold_text(raw: str, row: int, column: str) -> str:
    text = raw.strip()
    m = re.fullmatch(r"<b>(.*)</b>", text, flags=re.S)
    if not m:
        raise SourceError("expected a name in bold (<b>...</b>)", row, column, raw)
    return html.unescape(_TAG.sub("", m.group(1))).strip()


def read(path: Path) -> Matrix:
    """Parse the matrix file; every row is placed (a header, a region, a process, its continuation, the
    footnote) or the build stops with the row number and the text."""
    import hashlib

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"source file not found: {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read source file {path}: {exc.strerror}") from None
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"source file {path} is not UTF-8 (byte {exc.start})") from None

    processes: list[ProcessRows] = []
    regions: list[Cell] = []
    headers: list[int] = []
    footnote: Cell | None = None
    region: Cell | None = None
    for number, line in enumerate(content.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if footnote is not None:
            raise SourceError("unexpected row after the footnote", number, None, line[:120])
        if len(fields) == 1 and fields[0].lstrip().startswith("<sup>"):
            footnote = Cell(number, "footnote", fields[0])
            continue
        if len(fields) != len(COLUMNS):
            raise SourceError(
                f"expected {len(COLUMNS)} tab-separated columns, found {len(fields)} (truncated or malformed row)",
                number,
                None,
                line[:120],
            )
        if tuple(f.strip() for f in fields) == COLUMNS:
            headers.append(number)
            continue
        if not headers:
            raise SourceError("a data row comes before the column header row", number, None, line[:120])
        first = fields[0]
        rest_empty = all(not f.strip() for f in fields[1:])
        if rest_empty and not _CONT.search(first):
            region = Cell(number, COLUMNS[0], first)
            _bold_text(first, number, COLUMNS[0])
            regions.append(region)
            continue
        if region is None:
            raise SourceError("a process row comes before any region header", number, COLUMNS[0], first[:120])
        if _CONT.search(first):
            name = _bold_text(_CONT.sub("", first), number, COLUMNS[0])
            if not processes or processes[-1].name != name:
                raise SourceError(
                    "a '(cont.)' row does not continue the process just before it", number, COLUMNS[0], first
                )
            target = processes[-1]
        else:
            name = _bold_text(first, number, COLUMNS[0])
            if any(p.name == name for p in processes):
                raise SourceError("a process appears twice without '(cont.)'", number, COLUMNS[0], first)
            target = ProcessRows(name=name, region=region)
            processes.append(target)
        for column, raw in zip(COLUMNS, fields, strict=True):
            target.cells.setdefault(column, []).append(Cell(number, column, raw))
    if not headers:
        raise SourceError(f"no column header row found in {path} (expected: {' | '.join(COLUMNS)})")
    if footnote is None:
        raise SourceError(f"the footnote row is missing at the end of {path} (truncated file?)")
    if not processes:
        raise SourceError(f"no process rows found in {path}")
    return Matrix(processes, regions, footnote, headers, hashlib.sha256(data).hexdigest())
