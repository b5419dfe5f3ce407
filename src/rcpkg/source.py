"""Read the matrix: rows, cells with their coordinates, region headers, "(cont.)" rows merged.

Nothing else in the package reads the source file. The matrix is tab-separated: a header row of seven column
names (repeated at each page break), region header rows (only the first cell, in bold), process rows, rows that
continue the previous process (its name followed by "(cont.)"), blank rows, and one footnote row at the end.

What the source is (its key, edition year, labels, publisher, file name and checksum) is data, not code: the
table ``data/reference/sources.csv`` describes every edition of the matrix, and ``document()`` is the one the
build reads (the row that names a file). Every module takes these facts from here.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from rcpkg import paths, tables
from rcpkg.errors import ReferenceTableError, SourceError
from rcpkg.files import decode_utf8, read_bytes
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

SOURCES_TABLE = "sources.csv"
SOURCE_COLUMNS = ["key", "year", "label", "short_label", "title", "publisher", "file", "sha256"]


@dataclass(frozen=True)
class SourceDocument:
    """An edition of the matrix: one row of ``data/reference/sources.csv``."""

    key: str  # the IRI path: id/source/{key}
    year: int  # the edition's year (the footnote names each edition by its year)
    label: str  # rdfs:label, "IOM matrix of Regional Consultative Processes on Migration (2008)"
    short_label: str  # the same in running text, "IOM matrix of RCPs (2008)"
    title: str  # the document's own title (dcterms:title); "" when the project has not seen the document
    publisher: str  # a key of organizations.csv; "" when not known
    file: str  # its file under data/source/; "" for an edition the project does not hold
    sha256: str  # SHA-256 of that file as received; "" when there is no file


_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_YEAR = re.compile(r"(?:19|20)[0-9][0-9]")


def documents(reference_dir: Path | None = None) -> tuple[SourceDocument, ...]:
    """Every edition of the matrix in ``sources.csv``, oldest first (read once per folder)."""
    return _documents(Path(reference_dir or paths.reference_dir()).resolve() / SOURCES_TABLE)


def document(reference_dir: Path | None = None) -> SourceDocument:
    """The edition the build reads: the one row of ``sources.csv`` that names a file."""
    return next(d for d in documents(reference_dir) if d.file)


def source_file() -> Path:
    """The matrix the build reads: the file under ``data/source/`` that ``sources.csv`` names."""
    return paths.source_dir() / document().file


def read_declared(reference_dir: Path | None = None) -> Matrix:
    """The matrix the build reads (``source_file()``), refused unless its bytes are the edition that
    ``sources.csv`` declares: a changed or truncated file, or another edition not declared there, is a
    ``SourceError`` that names the edition expected."""
    declared = document(reference_dir)
    path = paths.source_dir() / declared.file
    data = read_bytes(path, SourceError, "source file")
    found = hashlib.sha256(data).hexdigest()
    if found != declared.sha256:
        table = Path(reference_dir or paths.reference_dir()) / SOURCES_TABLE
        raise SourceError(
            f"{path} is not the {declared.year} edition ({declared.key}) that {table} declares: its SHA-256 is "
            f"{found}, the edition's is {declared.sha256} (the file is changed or truncated; another edition "
            "is built only once its row in sources.csv names its file and SHA-256)"
        )
    return parse(data, path)


@functools.cache
def _documents(path: Path) -> tuple[SourceDocument, ...]:
    out: list[SourceDocument] = []
    for number, row in tables.read_exact(path, SOURCE_COLUMNS):
        tables.check_shapes(
            path,
            number,
            row,
            (
                ("key", _KEY, False),
                ("year", _YEAR, False),
                ("publisher", _KEY, True),
                ("file", _FILE, True),
                ("sha256", _SHA256, True),
            ),
        )
        if not row["label"] or not row["short_label"]:
            raise ReferenceTableError(f"{path}, line {number}: {row['key']} needs a label and a short_label")
        if bool(row["file"]) != bool(row["sha256"]):
            raise ReferenceTableError(f"{path}, line {number}: a file and its sha256 go together")
        if any(d.key == row["key"] or str(d.year) == row["year"] for d in out):
            raise ReferenceTableError(f"{path}, line {number}: key or year of {row['key']} given twice")
        out.append(SourceDocument(**{**row, "year": int(row["year"])}))
    held = [d.key for d in out if d.file]
    if len(held) != 1:
        raise ReferenceTableError(
            f"{path}: exactly one edition must name the file the build reads, found "
            f"{len(held)} ({', '.join(held) or 'none'})"
        )
    return tuple(sorted(out, key=lambda d: d.year))


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
    """Parse the matrix file ``path`` as it is, whatever edition it is (``read_declared`` is the build's)."""
    return parse(read_bytes(path, SourceError, "source file"), path)


def parse(data: bytes, path: Path) -> Matrix:
    """Parse the bytes of the matrix file ``path``; every row is placed (a header, a region, a process, its
    continuation, the footnote) or the build stops with the row number and the text."""
    content = decode_utf8(data, f"source file {path}", SourceError)

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
