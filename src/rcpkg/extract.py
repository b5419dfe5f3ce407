"""Cells to typed records. Pure functions, one per kind of cell; no name look-ups.

The participant columns (Governments, Observers/Partners, Secretariat) are read as *statements* by a grammar
that is data: the rows of ``data/reference/statements.csv`` (``Grammar.load`` reads and checks them; its
README documents the columns). A cell is cut into segments (paragraphs, runs of two spaces, sentences, and the
cues of the table, such as "Co-Chair:"), and each segment is read by the first pattern of its column that
matches it whole. The last pattern of each column reads a plain list of names in the column's default role;
resolving those names (``rcpkg.resolve``) fails with the row, the column and the text if any of them is not a
known name, and a segment that no pattern matches is an error, so nothing of the source is passed over silently.

The prose columns (Main Areas of Discussion, Current Priorities) are kept verbatim; there the patterns of the
same table *find* the statements the prose makes in passing ("Since Turkey took over the Chair in 2006"): each
match anywhere in a cell is a statement, and the rest of the text is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rcpkg import tables
from rcpkg.errors import ReferenceTableError, SourceError
from rcpkg.source import Cell


# --------------------------------------------------------------------------------------------- process name
@dataclass(frozen=True)
class ProcessName:
    full: str  # the name as printed, e.g. "Regional Conference on Migration (RCM or Puebla Process)"
    label: str  # without the final parenthesis: "Regional Conference on Migration"
    other_names: tuple[str, ...]  # ("RCM", "Puebla Process")
    acronyms: tuple[str, ...]  # ("RCM",)


_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9+\- ]*[A-Z0-9]$")


def process_name(cell: Cell) -> ProcessName:
    """'Cross Border Cooperation Process (Söderköping Process or CBCP)' -> label and other names."""
    full = cell.text.replace("(cont.)", "").strip()
    m = re.fullmatch(r"(?P<label>.+?)\s*\((?P<others>[^()]+)\)", full)
    if not full:
        raise SourceError("empty process name", cell.row, cell.column, cell.raw)
    if not m:
        return ProcessName(full, full, (), ())
    others = tuple(o.strip() for o in re.split(r"\s+or\s+", m.group("others")) if o.strip())
    acronyms = tuple(o for o in others if _ACRONYM.match(o) and " " not in o)
    return ProcessName(full, m.group("label"), others, acronyms)


def year(cell: Cell) -> int:
    text = cell.text.strip()
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise SourceError("expected a year of four digits", cell.row, cell.column, text)
    return int(text)


_MONTHS = "January February March April May June July August September October November December".split()


def event_date(text: str) -> tuple[str, str] | None:
    """A date as the text writes it, as precise as it is: "1997" -> ("1997", "gYear"), "June 2003" ->
    ("2003-06", "gYearMonth"), "January 18, 2008" -> ("2008-01-18", "date"); None for any other text."""
    text = text.strip()
    if re.fullmatch(r"(?:19|20)\d\d", text):
        return text, "gYear"
    m = re.fullmatch(rf"(?P<month>{'|'.join(_MONTHS)}) (?:(?P<day>[1-9]|[12]\d|3[01]), )?(?P<year>(?:19|20)\d\d)", text)
    if not m:
        return None
    month = _MONTHS.index(m.group("month")) + 1
    if m.group("day"):
        return f"{m.group('year')}-{month:02d}-{int(m.group('day')):02d}", "date"
    return f"{m.group('year')}-{month:02d}", "gYearMonth"


# ------------------------------------------------------------------------------------------------ statements
#: The columns read as statements; each has rows in the grammar table.
STATEMENT_COLUMNS = ("Governments", "Observers, Partners", "Secretariat")
#: The prose columns, in which the grammar finds statements (``Grammar.findings``) and reads no other text.
PROSE_COLUMNS = ("Main Areas of Discussion", "Current Priorities")
#: The grammar table, in ``data/reference/``.
STATEMENTS_TABLE = "statements.csv"


@dataclass
class Statement:
    """One segment of a participant cell and what it says.

    ``names`` is the text of the list of names (None for a segment that names no one); ``role`` the role they
    hold; ``status`` current, former or suspended; ``flag`` a process-level fact (e.g. "no-official-secretariat");
    ``state`` the state a footnote names (the state of the territories marked "*"); ``start``, ``end``,
    ``period`` and ``theme`` the term of a role (its first and last year, the period as written, "2007/2008",
    and the theme the holder chose for it); ``event`` the kind of event a prose statement reports, with its
    name as written (``event_name``), ``date``, ``place`` and ``outcome`` as written; ``pattern`` the name of the
    row of the grammar table that read it."""

    cell: Cell
    text: str
    role: str | None = None
    names: str | None = None
    status: str = "current"
    year: int | None = None
    note: str | None = None
    total: int | None = None
    flag: str | None = None
    narrative: bool = False
    attaches_to_previous: bool = False
    extra: list[Statement] = field(default_factory=list)
    state: str | None = None
    start: int | None = None
    end: int | None = None
    period: str | None = None
    theme: str | None = None
    event: str | None = None
    event_name: str | None = None
    date: str | None = None
    place: str | None = None
    outcome: str | None = None
    attendees: str | None = None
    held_by_process: bool = False
    pattern: str | None = None
    verbatim: str | None = None
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Extra:
    """Names that an extra named group of a pattern introduces, e.g. the staff of a secretariat."""

    group: str
    role: str
    note: str | None


@dataclass(frozen=True)
class Pattern:
    """One row of the grammar table: a statement pattern, the columns it applies to and what it yields."""

    name: str
    line: int
    columns: tuple[str, ...]
    regex: re.Pattern
    role: str | None = None
    status: str = "current"
    flag: str | None = None
    note: str | None = None  # a fixed note (e.g. "hosted by"); a named group 'note' adds its text
    narrative: bool = False
    attaches_to_previous: bool = False
    extra: Extra | None = None
    cue: str | None = None
    example: str = ""
    event: str | None = None  # the kind of event a prose row finds ("ministerial conference", "adoption")
    verbatim: str | None = None  # why the text a prose row finds is kept verbatim only, yielding nothing
    held_by_process: bool = False  # the event is the process's own (its conference, meeting, plenary)

    def statement(self, cell: Cell, segment: str, m: re.Match) -> Statement:
        """What the segment says, given this pattern's match of it."""
        groups = m.groupdict()
        notes = [n for n in (self.note, groups.get("note")) if n]
        st = Statement(
            cell,
            segment,
            role=self.role,
            names=groups.get("names"),
            status=self.status,
            year=int(groups["year"]) if groups.get("year") else None,
            note="; ".join(notes) if notes else None,
            flag=self.flag,
            narrative=self.narrative,
            attaches_to_previous=self.attaches_to_previous,
            state=groups.get("state"),
            start=int(groups["start"]) if groups.get("start") else None,
            end=int(groups["end"]) if groups.get("end") else None,
            period=groups.get("period"),
            theme=groups.get("theme"),
            event=self.event,
            event_name=groups.get("event"),
            date=groups.get("date"),
            place=groups.get("place"),
            outcome=groups.get("outcome"),
            attendees=groups.get("attendees"),
            held_by_process=self.held_by_process,
            pattern=self.name,
            verbatim=self.verbatim,
        )
        if self.extra and groups.get(self.extra.group):
            st.extra.append(
                Statement(
                    cell,
                    segment,
                    role=self.extra.role,
                    names=groups[self.extra.group],
                    note=self.extra.note,
                    pattern=self.name,
                )
            )
        return st


_TOTAL = re.compile(r"\(Total:\s*(\d+)\)")
_SENTENCE = re.compile(r"(?<=[A-Za-z0-9)'’]{2}\.)\s+(?=[A-Z(])")


def sentences(text: str) -> list[str]:
    """A text cut at its sentence ends (a full stop after two letters, digits or a closing bracket, then a
    capital)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


class Grammar:
    """The statement patterns of ``data/reference/statements.csv``, in the order they are tried per column."""

    def __init__(self, patterns: list[Pattern]):
        self.patterns = tuple(patterns)
        self._rules = {c: tuple(p for p in self.patterns if c in p.columns) for c in STATEMENT_COLUMNS + PROSE_COLUMNS}
        self.columns = tuple(c for c in STATEMENT_COLUMNS if self._rules[c])
        self._cues: dict[str, re.Pattern] = {}
        for column in self.columns:
            cues = [f"(?:{p.cue})" for p in self._rules[column] if p.cue]
            if cues:
                self._cues[column] = re.compile(rf"(?<!\S)(?:{'|'.join(cues)})")

    @classmethod
    def load(cls, path: Path) -> Grammar:
        """The grammar table at ``path``, every row checked (see ``data/reference/README.md``)."""
        patterns: list[Pattern] = []
        for line, row in tables.read(path, _TABLE_COLUMNS):
            pattern = _pattern(path, line, row)
            if pattern.name in {p.name for p in patterns}:
                raise ReferenceTableError(f"{path}, line {line}: a second row named {pattern.name!r}: rename one")
            patterns.append(pattern)
        missing = [c for c in STATEMENT_COLUMNS if not any(c in p.columns for p in patterns)]
        if missing:
            raise ReferenceTableError(f"{path}: no pattern for the column(s) {', '.join(map(repr, missing))}")
        return cls(patterns)

    def rules(self, column: str) -> tuple[Pattern, ...]:
        """The patterns of a column, in the order they are tried."""
        return self._rules.get(column, ())

    def segments(self, text: str, column: str) -> list[str]:
        """Cut a cell's text into the segments the matrix separates by line breaks, two spaces, sentence ends
        and "(Total: N)", and before every cue of the column's patterns (the words that open a statement the
        matrix runs on from the one before: "Chair: Turkey Co-Chair: Hungary")."""
        cues = self._cues.get(column)
        out: list[str] = []
        for line in text.split("\n"):
            for part in re.split(r"\s{2,}", line):
                part = _TOTAL.sub(lambda m: f"\n{m.group(0)}\n", part.strip())
                for piece in part.split("\n"):
                    for sentence in _SENTENCE.split(piece):
                        starts = [0, *(m.start() for m in cues.finditer(sentence))] if cues else [0]
                        for a, b in zip(starts, [*starts[1:], len(sentence)], strict=True):
                            segment = sentence[a:b].strip()
                            if segment and segment not in {".", ",", ";"}:
                                out.append(segment)
        return out

    def statements(self, cell: Cell) -> list[Statement]:
        """The statements of one participant cell (Governments, Observers/Partners or Secretariat)."""
        if cell.column not in self.columns:
            raise ValueError(f"no statement grammar for column {cell.column!r}")
        out: list[Statement] = []
        for segment in self.segments(cell.text, cell.column):
            total = _TOTAL.fullmatch(segment.strip(" ."))
            if total:
                out.append(Statement(cell, segment, total=int(total.group(1))))
            else:
                out.append(self.statement(cell, segment))
        return out

    def findings(self, cell: Cell) -> list[Statement]:
        """The statements a prose cell makes in passing: every match of every pattern of its column, in the
        order of the text (the rest of the text is no statement and stays verbatim)."""
        if cell.column not in PROSE_COLUMNS:
            raise ValueError(f"column {cell.column!r} is not read as prose")
        text = cell.text
        found = [(m.start(), p, m) for p in self.rules(cell.column) for m in p.regex.finditer(text)]
        out = []
        for _, p, m in sorted(found, key=lambda f: (f[0], f[1].line)):
            st = p.statement(cell, m.group(0), m)
            st.span = m.span()
            out.append(st)
        return out

    def statement(self, cell: Cell, segment: str) -> Statement:
        """What one segment says: the first pattern of its column that matches the whole segment."""
        for pattern in self.rules(cell.column):
            m = pattern.regex.fullmatch(segment)
            if m:
                return pattern.statement(cell, segment, m)
        raise SourceError(
            f"no pattern of {STATEMENTS_TABLE} reads this statement: add a row for it", cell.row, cell.column, segment
        )


_TABLE_COLUMNS = (
    "name",
    "column",
    "pattern",
    "role",
    "status",
    "flag",
    "note",
    "narrative",
    "attaches_to_previous",
    "extra_group",
    "extra_role",
    "extra_note",
    "cue",
    "event",
    "held_by",
    "verbatim",
    "example",
)
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: The named groups a pattern may use, besides its extra group.
_GROUPS = {
    "names",
    "note",
    "year",
    "state",
    "start",
    "end",
    "period",
    "theme",
    "event",
    "date",
    "place",
    "outcome",
    "attendees",
}
#: The named groups that only a row of an event may use.
_EVENT_GROUPS = {"event", "date", "place", "outcome", "attendees"}
#: The process-level facts a pattern may flag; ``graph`` states all but the footnote about the process.
FLAGS = ("footnote", "secretariat", "no-official-secretariat", "no-official-observers")


def _pattern(path: Path, line: int, row: dict[str, str]) -> Pattern:
    """One row of the grammar table, checked: what is wrong with it is an error that says what to fix."""

    def error(message: str) -> ReferenceTableError:
        return ReferenceTableError(f"{path}, line {line} ({row['name'] or 'no name'}): {message}")

    def compiled(column: str, text: str) -> re.Pattern:
        try:
            return re.compile(text, re.S)
        except re.error as exc:
            raise error(f"{column} {row[column]!r} is not a regular expression ({exc})") from None

    def yes(column: str) -> bool:
        if row[column] not in ("", "yes"):
            raise error(f"{column} is 'yes' or empty, not {row[column]!r}")
        return row[column] == "yes"

    if not _KEY.fullmatch(row["name"]):
        raise error(f"the name {row['name']!r} is not a key (lower-case words joined by '-')")
    columns = tuple(row["column"].split("|"))
    for column in columns:
        if column not in STATEMENT_COLUMNS + PROSE_COLUMNS:
            raise error(
                f"column {column!r} is not read as statements: use {' or '.join(STATEMENT_COLUMNS + PROSE_COLUMNS)} "
                "(several joined by '|')"
            )
    prose = [c for c in columns if c in PROSE_COLUMNS]
    if prose and (
        len(prose) != len(columns) or not (row["role"] or row["event"] or row["verbatim"]) or row["cue"] or row["flag"]
    ):
        raise error(
            "a pattern of a prose column finds a role or an event in running text, or text kept verbatim only: it "
            "names prose columns only, has a role, an event or a verbatim reason, and no cue or flag"
        )
    regex = compiled("pattern", row["pattern"])
    if row["verbatim"]:
        others = [c for c in ("role", "status", "note", "narrative", "attaches_to_previous", "extra_group", "event")]
        if not prose or regex.groupindex or any(row[c] for c in others):
            raise error(
                "a row that keeps text verbatim only (verbatim: the reason) is a row of a prose column that "
                "yields nothing: no named group, role, status, note, narrative, event or extra group"
            )
    for column in ("role", "flag", "extra_role"):
        if row[column] and not _KEY.fullmatch(row[column]):
            raise error(f"{column} {row[column]!r} is not a key (lower-case words joined by '-')")
    if row["status"] not in ("", "current", "former", "suspended"):
        raise error(f"status is current, former or suspended (or empty for current), not {row['status']!r}")
    extra = Extra(row["extra_group"], row["extra_role"], row["extra_note"] or None) if row["extra_group"] else None
    unknown = set(regex.groupindex) - _GROUPS - ({extra.group} if extra else set())
    if unknown:
        raise error(
            f"unknown named group(s) {', '.join(sorted(unknown))}: a pattern names only "
            f"{', '.join(sorted(_GROUPS))} and its extra_group (use (?:...) for a group that yields nothing)"
        )
    if extra and extra.group not in regex.groupindex:
        raise error(f"extra_group {extra.group!r} is not a named group of the pattern")
    if bool(row["extra_group"]) != bool(row["extra_role"]) or (row["extra_note"] and not extra):
        raise error("extra_group and extra_role go together (extra_note only with them)")
    if row["event"]:
        if prose and row["role"]:
            raise error("an event is found in a prose column, and its names are who held it, not a role")
        if "date" not in regex.groupindex:
            raise error("an event needs a (?P<date>...) group: an event is dated as the text dates it")
        if row["held_by"] not in ("", "process"):
            raise error(f"held_by is 'process' or empty, not {row['held_by']!r}")
        if row["held_by"] and prose and "names" in regex.groupindex:
            raise error("held_by 'process' and a (?P<names>...) group: the names already say who held the event")
        example = regex.fullmatch(row["example"])
        if example and event_date(example.group("date")) is None:
            raise error(f"the date {example.group('date')!r} of the example is no year, month and year, or day")
    elif set(regex.groupindex) & _EVENT_GROUPS or row["held_by"]:
        raise error(f"the groups {', '.join(sorted(_EVENT_GROUPS))} and held_by are for a row with an event")
    if not (row["event"] and prose) and bool(row["role"]) != ("names" in regex.groupindex):
        raise error("a role goes with a (?P<names>...) group and a (?P<names>...) group with a role")
    narrative, attaches = yes("narrative"), yes("attaches_to_previous")
    if (narrative or attaches) and (row["role"] or row["flag"]):
        raise error("a narrative or a note on the statement before yields no role and no flag")
    if row["flag"] and row["flag"] not in FLAGS:
        raise error(f"flag {row['flag']!r} is none of {', '.join(FLAGS)}")
    if attaches and not (row["note"] or "note" in regex.groupindex):
        raise error("attaches_to_previous needs a note: a (?P<note>...) group or a fixed note")
    if not (row["role"] or row["flag"] or narrative or attaches or row["event"] or row["verbatim"]):
        raise error(
            "the row yields nothing: give a role, a flag, an event, narrative=yes, attaches_to_previous=yes or "
            "(in a prose column) the reason it keeps its text verbatim only"
        )
    if not regex.fullmatch(row["example"]):
        raise error(f"the pattern does not match its example {row['example']!r}: correct one or the other")
    if row["cue"]:
        cue = compiled("cue", f"(?:{row['cue']})")  # as one alternative among others
        if cue.groupindex:
            raise error("a cue has no named groups")
        if not cue.match(row["example"]):
            raise error(f"the cue does not match the start of the example {row['example']!r}")
    return Pattern(
        row["name"],
        line,
        columns,
        regex,
        row["role"] or None,
        row["status"] or "current",
        row["flag"] or None,
        row["note"] or None,
        narrative,
        attaches,
        extra,
        row["cue"] or None,
        row["example"],
        row["event"] or None,
        row["verbatim"] or None,
        row["held_by"] == "process",
    )


# -------------------------------------------------------------------------------------------------- items
@dataclass(frozen=True)
class ItemList:
    """One list of a main-areas or priorities column: its number in the column, the cell it starts in and its
    lead-in, the words that introduce it ("IGC has three core activities:"); None where nothing does (a list
    that starts the cell, or the sub-items of an item, whose item introduces them)."""

    cell: Cell
    number: int
    lead_in: str | None


@dataclass(frozen=True)
class Item:
    """A numbered or bulleted item of a main-areas or priorities column: its position in the column (across
    lists and "(cont.)" rows), its marker and text, the number of its list, and for a sub-item the position of
    the item it belongs to."""

    cell: Cell
    position: int
    marker: str
    text: str
    list: int = 1
    parent: int | None = None


@dataclass
class Items:
    """The items of a column and the lists they are in, in order."""

    items: list[Item] = field(default_factory=list)
    lists: list[ItemList] = field(default_factory=list)
    parent: int | None = None  # the item whose sub-items the current list holds

    def start(self, cell: Cell, lead_in: str | None, parent: int | None = None) -> None:
        """Start a list: the items added next belong to it (and are sub-items of ``parent``, if given)."""
        self.lists.append(ItemList(cell, len(self.lists) + 1, (lead_in or "").strip() or None))
        self.parent = parent

    def add(self, cell: Cell, marker: str, text: str) -> None:
        self.items.append(Item(cell, len(self.items) + 1, marker, text, len(self.lists), self.parent))

    def of_list(self, number: int) -> list[Item]:
        return [i for i in self.items if i.list == number]


_LI = re.compile(r"<li>(?P<body>.*?)</li>", re.S)
_BLOCK = re.compile(r"<p>(?P<p>.*?)</p>|<(?P<tag>ol|ul)\b[^>]*>(?P<list>.*?)</(?P=tag)>", re.S)
_MARKER = r"(?:\(?\d{1,2}\)|\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)|\(?[a-h]\)|\((?:[1-9])\)|-|•)"
_LI_MARKER = re.compile(rf"^\s*(?P<marker>{_MARKER})\s+(?P<text>.+?)\s*$", re.S)
_INLINE = re.compile(r"(?:^|(?<=\s))(?P<marker>\(?\d{1,2}\)|\((?:i|ii|iii|iv|v|vi)\)|-)(?=\s+\S)")
#: How an item in running text ends when another follows: a separator ("a; b", "a, and b", "a as well as b").
_SEPARATED = re.compile(r"(?:[;,:]|\band|\bor|\bas well as)$")
#: The words that introduce the next list in the middle of an item's sentence ("Admission, Control and
#: Enforcement with crosscutting working groups on (v) Technology"): the run of lower-case words at its end.
_RUN_ON = re.compile(r"(?:\s+[a-z][\w/-]*)+$")


def items(cells: list[Cell]) -> Items:
    """Numbered and bulleted items of a column (across "(cont.)" rows), in their lists, in order.

    Items come from ``<li>`` elements (one list per ``<ol>``/``<ul>``, its lead-in the paragraph just before it;
    a list right after an item that ends with ":" is that item's sub-items), or from markers in running text
    ("1) ... 2) ...", "(i) ... (ii)", "- ..." after a colon or semicolon). A number or numeral counts as a marker
    only where it starts or continues a sequence (1, 2, 3 ...; a list continued from the row before goes on from
    its last number). In running text a list starts at a first marker or where the numbering changes kind, and
    its lead-in is the text before it back to a run of two spaces; an item ends at the next marker, at two
    spaces, where the words that introduce the next list begin, and, for the last item of a list whose items are
    each one sentence, at the end of its sentence (the text after it is no item)."""
    from rcpkg.source import html_to_text

    out = Items()
    for cell in cells:
        if "<li>" in cell.raw:
            paragraph: str | None = None
            for block in _BLOCK.finditer(cell.raw):
                if block.group("p") is not None:
                    paragraph = html_to_text(block.group("p"))
                    continue
                last = out.items[-1] if out.items and out.items[-1].cell == cell else None
                if paragraph is None and last is not None and last.text.endswith(":"):
                    out.start(cell, None, parent=last.position)
                else:
                    out.start(cell, paragraph)
                paragraph = None
                for m in _LI.finditer(block.group("list")):
                    text = html_to_text(m.group("body"))
                    lm = _LI_MARKER.match(text)
                    if not lm:
                        raise SourceError(
                            "a list item without a marker such as '1)' or '-'", cell.row, cell.column, text
                        )
                    out.add(cell, lm.group("marker"), item_text(lm.group("text")))
            continue
        for line in cell.text.split("\n"):
            _inline(out, cell, line)
    if not out.items:
        out = _counted_list(cells)
    return out


def _inline(out: Items, cell: Cell, line: str) -> None:
    """The items of one line of running text (see ``items``)."""
    marks = _sequence(line, out.items)
    continuing = bool(out.items and marks and _value(marks[0].group("marker"))[1] > 1)
    if len(marks) < (1 if continuing else 2):
        return
    lead_in = None if continuing else re.split(r"\s{2,}", line[: marks[0].start()].strip())[-1]
    for i, m in enumerate(marks):
        family, value = _value(m.group("marker"))
        if i == 0 and not continuing:
            out.start(cell, lead_in)
        elif i > 0:
            previous = _value(marks[i - 1].group("marker"))[0]
            if lead_in is not None or family != previous or (family != "bullet" and value == 1):
                out.start(cell, lead_in)
        last = i + 1 == len(marks)
        chunks = re.split(r"\s{2,}", line[m.end() : len(line) if last else marks[i + 1].start()].strip())
        body, lead_in = chunks[0].strip(), None
        if not last:
            if len(chunks) > 1:
                lead_in = chunks[-1].strip()
            elif not _SEPARATED.search(body) and (run_on := _RUN_ON.search(body)) and run_on.start() > 0:
                body, lead_in = body[: run_on.start()].strip(), run_on.group(0).strip()
        elif not any(sentences(item.text)[1:] for item in out.of_list(len(out.lists))):
            body = sentences(body)[0].strip()
        out.add(cell, m.group("marker").strip(), item_text(body))


#: What separates an item from the next in the source, at the item's end: "; and", ";", ", and", ",", "as well as".
_ITEM_SEPARATOR = re.compile(r"(?:\s*[;,]\s*(?:and|or|as well as)?|\s+(?:and|as well as))\s*$")


def item_text(text: str) -> str:
    """An item's text as the source's item ends: without the separator that joins it to the next ("1) strengthening
    asylum systems;" -> "strengthening asylum systems", "Labour Migration; and" -> "Labour Migration"); a full
    stop, which ends the list's sentence, and a colon, which opens the item's sub-items, stay."""
    return _ITEM_SEPARATOR.sub("", text.strip()).strip()


_NUMBERS = {w: n for n, w in enumerate("two three four five six seven eight nine ten".split(), start=2)}
_COUNTED = re.compile(
    r"^(?P<lead>(?P<count>Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten) main areas of discussion:)\s*"
    r"(?P<list>[^:]+?)\.?$",
    re.I,
)


def _counted_list(cells: list[Cell]) -> Items:
    """An unnumbered list that announces its length: "Three main areas of discussion: a; b; and c." gives
    three items (marker ''), or none if the count and the list disagree."""
    out = Items()
    for cell in cells:
        for line in cell.text.split("\n"):
            m = _COUNTED.match(line.strip())
            if not m:
                continue
            parts = [re.sub(r"^(?:and|as well as)\s+", "", p.strip()) for p in m.group("list").split(";")]
            if len(parts) == _NUMBERS[m.group("count").lower()] and all(parts):
                out.start(cell, m.group("lead"))
                for p in parts:
                    out.add(cell, "", p)
                return out
            raise SourceError(
                f"the text announces {m.group('count').lower()} items but lists {len(parts)}",
                cell.row,
                cell.column,
                line,
            )
    return out


_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")


def _value(marker: str) -> tuple[str, int]:
    inner = marker.strip("() ")
    if inner.isdigit():
        return "number", int(inner)
    if inner in _ROMAN:
        return "roman", _ROMAN.index(inner) + 1
    return "bullet", 0


def _sequence(line: str, previous: list[Item]) -> list[re.Match]:
    expected: dict[str, int] = {}
    if previous:
        family, value = _value(previous[-1].marker)
        if family == "number":
            expected[family] = value + 1
    kept = []
    for m in _INLINE.finditer(line):
        family, value = _value(m.group("marker"))
        if family == "bullet":
            before = line[: m.start()].rstrip()
            if not before or before[-1] in ":;" or re.search(r"\b(?:and|well as)$", before):
                kept.append(m)
        elif value == 1 or value == expected.get(family):
            kept.append(m)
            expected[family] = value + 1
    return kept
