"""Cells to typed records. Pure functions, one per kind of cell; no file access, no name look-ups.

The participant columns (Governments, Observers/Partners, Secretariat) are read as *statements*: a cell is cut
into segments (paragraphs, runs of two spaces, sentences, labelled cues such as "Co-Chair:"), and each segment is
matched against the grammar of its column below. A segment that matches no rule is read as a plain list of names
in the column's default role; resolving those names (``rcpkg.resolve``) fails with the row, the column and the
text if any of them is not a known name, so nothing of the source is passed over silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rcpkg.errors import SourceError
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


# ------------------------------------------------------------------------------------------------ statements
@dataclass
class Statement:
    """One segment of a participant cell and what it says.

    ``names`` is the text of the list of names (None for a segment that names no one); ``role`` the role they
    hold; ``status`` current, former or suspended; ``group`` a group the names are said to form; ``count`` the
    size the text declares for that group; ``flag`` a process-level fact (e.g. "no-official-secretariat")."""

    cell: Cell
    text: str
    role: str | None = None
    names: str | None = None
    status: str = "current"
    year: int | None = None
    note: str | None = None
    group: str | None = None
    count: int | None = None
    total: int | None = None
    flag: str | None = None
    narrative: bool = False
    attaches_to_previous: bool = False
    extra: list[Statement] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    role: str | None
    status: str = "current"
    flag: str | None = None
    narrative: bool = False
    attaches_to_previous: bool = False
    note: str | None = None  # a fixed note (e.g. "invited as observers"); a named group 'note' adds its text


def _rule(regex: str, role: str | None = None, **kw) -> Rule:
    return Rule(re.compile(regex, re.S), role, **kw)


# Labelled cues that open a new statement inside a segment: "... (Total: 49)  Chair: Turkey Co-Chair: Hungary".
_CUES = re.compile(
    r"(?<!\S)(?<!Current )"
    r"(?=(?:Co-Chairs?|Current Chair|Chair|Current Presidency Pro-Tempore|Thematic coordinator on [^:]+):)"
)
_TOTAL = re.compile(r"\(Total:\s*(\d+)\)")
_SENTENCE = re.compile(r"(?<=[A-Za-z0-9)'’]{2}\.)\s+(?=[A-Z(])")


def sentences(text: str) -> list[str]:
    """A text cut at its sentence ends (a full stop after two letters, digits or a closing bracket, then a
    capital)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


GOVERNMENT_RULES = (
    _rule(r"^(?:Current )?Chair:\s*(?P<names>.+)$", "chair"),
    _rule(r"^Co-Chairs?:\s*(?P<names>.+)$", "co-chair"),
    _rule(r"^Current Presidency Pro-Tempore:\s*(?P<names>.+)$", "presidency-pro-tempore"),
    _rule(r"^Thematic coordinator on (?P<note>[^:]+):\s*(?P<names>.+)$", "thematic-coordinator"),
    _rule(r"^(?P<names>.+?) have participant status\.?$", "participant"),
    _rule(r"^\((?P<names>[^()]+?) temporarily suspended its membership\)$", "member", status="suspended"),
    _rule(r"^\*(?P<footnote>.+)$", None, flag="footnote"),
    _rule(r"^\((?P<note>Presidency Pro-Tempore [^()]+(?:\([^()]*\))?[^()]*)\)$", None, attaches_to_previous=True),
)

OBSERVER_RULES = (
    _rule(r"^Observers?(?: are|:)\s*(?P<names>.+?)\.?$", "observer"),
    _rule(r"^Partners?:\s*(?P<names>.+?)\.?$", "partner"),
    _rule(r"^Partners in (?P<note>.+?) are (?P<names>.+?)\.?$", "partner"),
    _rule(r"^(?P<names>.+?) were partners of (?P<note>.+?)\.?$", "partner"),
    _rule(r"^There are no official observers, though (?P<names>.+?) participate in (?P<note>.+?)\.?$",
          "ad-hoc-participant", flag="no-official-observers"),
    _rule(r"^The Process cooperates on a regular basis with (?P<names>.+?)\.?$", "cooperation-partner"),
    _rule(r"^(?P<names>.+?) are invited to (?P<note>take part on occasion|its workshops on an ad-hoc basis)"
          r"(?:, and (?P<narrative>governments .+?))?\.?$", "ad-hoc-participant"),
    _rule(r"^In (?P<year>\d{4}) a regional NGO network was established\.?$", None, narrative=True),
    _rule(r"^The (?P<names>[^,]+?) is a coalition of (?P<note>.+?)\.?$", "participant"),
    _rule(r"^It is neither a member of nor an observer to .+? but (?P<note>participates in .+?)\.?$", None,
          attaches_to_previous=True),
    _rule(r"^\(?(?:The )?(?P<names>.+?) participated in (?P<note>.+? in (?P<year>\d{4})\b.*?)\.?\)?$",
          "ad-hoc-participant", status="former"),
    _rule(r"^The (?P<year>\d{4}) Ministerial Consultations had no observers\.?$", None, narrative=True),
    _rule(r"^In (?P<year>\d{4}), the only observer was (?P<names>[^()]+?)\s*(?:\((?P<note>[^()]+)\))?\.?$",
          "observer", status="former"),
    _rule(r"^In (?P<year>\d{4}), the following countries were invited as observers: (?P<names>.+?)\.?$",
          "invited-observer"),
    _rule(r"^Several organizations were also invited as observers: (?P<names>.+?)\.?$", "invited-observer"),
    _rule(r"^(?P<names>.+?),? and other partners, notably:$", "observer-or-partner"),
    _rule(r"^\([a-z]\)\s*(?P<note>[^:]+?):\s*(?P<names>.+?)\.?$", "partner"),
    _rule(r"^\([a-z]\)\s*(?P<note>other .+?) including (?P<names>.+?)\.?$", "partner"),
    _rule(r"^\([a-z]\)\s*(?P<names>.+?) on ad hoc basis\s*(?:\((?P<note>[^()]+)\))?\.?$", "ad-hoc-participant"),
)

SECRETARIAT_RULES = (
    _rule(r"(?i)^No official secretariat$", None, flag="no-official-secretariat"),
    _rule(r"^(?P<names>.+? Secretariat), staffed by (?P<staff>.+?)\.?$", "secretariat"),
    _rule(r"^A Steering Board comprised of (?P<names>.+?) supervises (?P<note>.+?)\.?$", "steering-board-member"),
    _rule(r"^Monitoring and implementation .+? guided by a steering group composed of (?:the governments of )?"
          r"(?P<names>.+?)\.?$", "steering-group-member"),
    _rule(r"^\((?P<names>[^()]+?) provides (?P<note>[^()]*?support[^()]*?)(?: in consultation with "
          r"(?P<consulted>[^()]+))?\)$", "secretariat-support"),
    _rule(r"^\(facilitated by (?P<names>[^()]+)\)$", "secretariat-support", note="facilitated by"),
    _rule(r"^\((?P<names>[^()]+?) served as the co-hosts\)$", "co-host"),
    _rule(r"^Hosted by (?P<names>.+?)\.?$", "secretariat", note="hosted by"),
    _rule(r"^(?P<names>.+?) in collaboration with (?P<collaborators>.+?)\.?$", "secretariat"),
    _rule(r"^A (?P<names>permanent Secretariat) established in (?P<when>\w+ (?P<year>\d{4})) offers "
          r"(?P<note>.+?)\.?$", "secretariat"),
    _rule(r"^(?P<names>.+?) provides (?P<note>technical support .+?) and serves as its Secretariat\.?$",
          "secretariat"),
)

# Roles of names that a rule's extra named group introduces, e.g. the staff of a secretariat.
_EXTRA_GROUPS = {
    "staff": ("secretariat-staff", None),
    "consulted": ("secretariat-support", "in consultation"),
    "collaborators": ("secretariat-support", "in collaboration"),
}

DEFAULT_ROLE = {
    "Governments": "member",
    "Observers, Partners": "observer-or-partner",
    "Secretariat": "secretariat",
}
RULES = {
    "Governments": GOVERNMENT_RULES,
    "Observers, Partners": OBSERVER_RULES,
    "Secretariat": SECRETARIAT_RULES,
}


def segments(text: str) -> list[str]:
    """Cut a cell's text into the segments the matrix separates by line breaks, two spaces, sentence ends,
    "(Total: N)" and labelled cues; a parenthesis that follows "secretariat" opens a segment of its own."""
    out: list[str] = []
    for line in text.split("\n"):
        for part in re.split(r"\s{2,}", line):
            part = re.sub(r"(?i)^(no official secretariat)\s*(\(.+\))$", r"\1\n\2", part.strip())
            part = re.sub(r"^(Technical Secretariat)\s+(\(.+\))$", r"\1\n\2", part)
            part = _TOTAL.sub(lambda m: f"\n{m.group(0)}\n", part)
            for piece in part.split("\n"):
                for sentence in _SENTENCE.split(piece):
                    for cue in _CUES.split(sentence):
                        cue = cue.strip()
                        if cue and cue not in {".", ",", ";"}:
                            out.append(cue)
    return out


def statements(cell: Cell) -> list[Statement]:
    """The statements of one participant cell (Governments, Observers/Partners or Secretariat)."""
    if cell.column not in RULES:
        raise ValueError(f"no statement grammar for column {cell.column!r}")
    out: list[Statement] = []
    for segment in segments(cell.text):
        total = _TOTAL.fullmatch(segment.strip(" ."))
        if total:
            out.append(Statement(cell, segment, total=int(total.group(1))))
            continue
        out.append(_statement(cell, segment))
    return out


def _statement(cell: Cell, segment: str) -> Statement:
    for rule in RULES[cell.column]:
        m = rule.pattern.match(segment)
        if not m:
            continue
        groups = m.groupdict()
        notes = [n for n in (rule.note, groups.get("note"), groups.get("footnote")) if n]
        st = Statement(
            cell,
            segment,
            role=rule.role,
            names=groups.get("names"),
            status=rule.status,
            year=int(groups["year"]) if groups.get("year") else None,
            note="; ".join(notes) if notes else None,
            flag=rule.flag,
            narrative=rule.narrative,
            attaches_to_previous=rule.attaches_to_previous,
        )
        for key, (role, note) in _EXTRA_GROUPS.items():
            if groups.get(key):
                st.extra.append(Statement(cell, segment, role=role, names=groups[key], note=note))
        return st
    return Statement(cell, segment, role=DEFAULT_ROLE[cell.column], names=segment.rstrip(".;, "))


# -------------------------------------------------------------------------------------------------- items
@dataclass(frozen=True)
class Item:
    """A numbered or bulleted item of a main-areas or priorities cell, in its order."""

    cell: Cell
    position: int
    marker: str
    text: str


_LI = re.compile(r"<li>(?P<body>.*?)</li>", re.S)
_MARKER = (
    r"(?:\(?\d{1,2}\)|\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)|\(?[a-h]\)|\((?:[1-9])\)|-|•)"
)
_LI_MARKER = re.compile(rf"^\s*(?P<marker>{_MARKER})\s+(?P<text>.+?)\s*$", re.S)
_INLINE = re.compile(r"(?:^|(?<=\s))(?P<marker>\(?\d{1,2}\)|\((?:i|ii|iii|iv|v|vi)\)|-)(?=\s+\S)")


def items(cells: list[Cell]) -> list[Item]:
    """Numbered and bulleted items of a column (across "(cont.)" rows), in their order.

    Items come from ``<li>`` elements, or from markers in running text ("1) ... 2) ...", "(i) ... (ii)",
    "- ..." after a colon or semicolon). A number or numeral counts as a marker only where it starts or
    continues a sequence (1, 2, 3 ...; a list continued from the row before goes on from its last number)."""
    from rcpkg.source import html_to_text

    out: list[Item] = []
    for cell in cells:
        if "<li>" in cell.raw:
            for m in _LI.finditer(cell.raw):
                text = html_to_text(m.group("body"))
                lm = _LI_MARKER.match(text)
                if not lm:
                    raise SourceError("a list item without a marker such as '1)' or '-'", cell.row, cell.column, text)
                out.append(Item(cell, len(out) + 1, lm.group("marker"), lm.group("text").strip()))
            continue
        for line in cell.text.split("\n"):
            marks = _sequence(line, out)
            continuing = bool(out and marks and _value(marks[0].group("marker"))[1] > 1)
            if len(marks) < (1 if continuing else 2):
                continue
            for i, m in enumerate(marks):
                end = marks[i + 1].start() if i + 1 < len(marks) else len(line)
                body = re.split(r"\s{2,}", line[m.end():end].strip())[0].strip()
                body = re.sub(r"(?:;|,)?\s*(?:as well as|and)$", "", body).strip()
                out.append(Item(cell, len(out) + 1, m.group("marker").strip(), body))
    if not out:
        out = _counted_list(cells)
    return out


_NUMBERS = {w: n for n, w in enumerate("two three four five six seven eight nine ten".split(), start=2)}
_COUNTED = re.compile(r"^(?P<count>Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten) main areas of discussion:\s*"
                      r"(?P<list>[^:]+?)\.?$", re.I)


def _counted_list(cells: list[Cell]) -> list[Item]:
    """An unnumbered list that announces its length: "Three main areas of discussion: a; b; and c." gives
    three items (marker ''), or none if the count and the list disagree."""
    for cell in cells:
        for line in cell.text.split("\n"):
            m = _COUNTED.match(line.strip())
            if not m:
                continue
            parts = [re.sub(r"^(?:and|as well as)\s+", "", p.strip()) for p in m.group("list").split(";")]
            if len(parts) == _NUMBERS[m.group("count").lower()] and all(parts):
                return [Item(cell, i, "", p) for i, p in enumerate(parts, start=1)]
            raise SourceError(f"the text announces {m.group('count').lower()} items but lists {len(parts)}",
                              cell.row, cell.column, line)
    return []


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
