"""Names of the source to entities, through the reference tables of ``data/reference/`` (``rcpkg.reference``).

No code here knows a country's or an organisation's name: every name, variant and group is a row of a table.
A name that does not resolve stops the build with the row, the column and the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rcpkg import coverage, extract
from rcpkg.errors import ResolveError
from rcpkg.extract import Statement
from rcpkg.reference import Entity, Reference
from rcpkg.source import COLUMNS, Cell, Matrix, ProcessRows


# ----------------------------------------------------------------------------------------------- records
@dataclass
class Mention:
    entity: Entity
    text: str  # the name as the source gives it
    group: Entity | None = None
    status: str | None = None
    year: int | None = None
    note: str | None = None
    starred: bool = False
    territory_of: Entity | None = None


@dataclass
class Membership:
    process: str
    entity: Entity
    role: str
    status: str = "current"
    years: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    groups: set[Entity] = field(default_factory=set)
    cells: list[Cell] = field(default_factory=list)
    names_in_source: list[str] = field(default_factory=list)
    term: Term | None = None


@dataclass(frozen=True)
class Term:
    """The term of a role as the text gives it: its first and last year (either may be unknown), the period as
    written ("2007/2008"), the theme the holder chose for it, and the cell that says so."""

    start: int | None
    end: int | None
    period: str | None
    theme: str | None
    cell: Cell


@dataclass(frozen=True)
class Event:
    """An event a process's cells report (its prose, or a statement of a participant column): its kind (the
    grammar row's), its name as written, its date as precise as the text gives it (lexical form and XSD
    datatype), where it took place, who held it (whom the text names, or the process where the text presents
    the event as its own; none otherwise), who took part in it where the text says, its outcome as written, and
    the cell and text that say so."""

    kind: str
    name: str | None
    date: tuple[str, str]
    places: tuple[Entity, ...]
    organizers: tuple[Entity, ...]
    attendees: tuple[Entity, ...]
    outcome: str | None
    cell: Cell
    text: str


@dataclass
class Process:
    key: str
    rows: ProcessRows
    name: extract.ProcessName
    year: int
    region_heading: str
    declared_total: int
    memberships: dict[tuple[Entity, str], Membership]
    main_areas: extract.Items
    priorities: extract.Items
    flags: set[str]
    territories: dict[str, tuple[str, Cell]]  # territory iso3 -> (state iso3 the text names, cell)
    group_sizes: dict[Entity, tuple[int, Cell]]
    events: list[Event] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- name lists
_TOP_SEPARATORS = re.compile(r",\s+and\s+|,\s+|\s+and\s+|\s+as well as\s+|,$")


def _split_top(text: str, separators: re.Pattern) -> list[str]:
    """Split at separators outside parentheses; keeps the separators as odd elements."""
    out, depth, last, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = separators.match(text, i)
            if m and m.end() > i:
                out += [text[last:i], m.group(0)]
                last = i = m.end()
                continue
        i += 1
    out.append(text[last:])
    return out


class NameReader:
    """Reads the list of names of one statement into mentions of entities."""

    def __init__(self, ref: Reference, process: str, cell: Cell):
        self.ref, self.process, self.cell = ref, process, cell
        self.group_sizes: dict[Entity, int] = {}

    def error(self, message: str, text: str) -> ResolveError:
        return ResolveError(message, self.cell.row, self.cell.column, text)

    def read(self, text: str) -> list[Mention]:
        out: list[Mention] = []
        for chunk in _split_top(text, re.compile(r"\s*;\s*"))[::2]:
            chunk = re.sub(r"^(?:and|as well as)\s+", "", chunk.strip(" ,;."))
            if chunk:
                out += self._chunk(chunk)
        return out

    def _group(self, name: str, text: str) -> Entity:
        entity = self._resolve(name)
        m = re.fullmatch(r"(?P<a>.+?)\s*\((?P<b>[^()]+)\)", name)
        if entity is None and m and self._resolve(m.group("a")) == self._resolve(m.group("b")):
            entity = self._resolve(m.group("a"))
        if entity is None or entity.kind != "group":
            raise self.error(
                f"{name!r} is not a group of the reference tables (data/reference/groups.csv, names.csv)", text
            )
        return entity

    def _explicit_group(self, group_name: str, listed: str, text: str, count: int | None = None) -> list[Mention]:
        group = self._group(group_name, text)
        members = self._items(listed)
        allowed = set(self.ref.group_members(group.key))
        for m in members:
            if m.entity not in allowed:
                raise self.error(
                    f"{m.text!r} is listed as one of the {group_name} but is not a member of group "
                    f"{group.key!r} in data/reference/groups.csv",
                    text,
                )
            m.group = group
        if count is not None and count != len(members):
            raise self.error(f"the text says {count} {group_name} but lists {len(members)}", text)
        self.group_sizes[group] = len(members) if count is None else count
        return members

    def _chunk(self, chunk: str) -> list[Mention]:
        m = re.fullmatch(r"(?P<list>.+?),? (?:otherwise referred to as|called) (?:the )?(?P<group>.+)", chunk)
        if m:
            return self._explicit_group(m.group("group"), m.group("list"), chunk)
        m = re.fullmatch(r"(?P<list>.+?) \(i\.e\. (?P<group>[^()]+)\)", chunk)
        if m:
            return self._explicit_group(m.group("group"), m.group("list"), chunk)
        m = re.fullmatch(r"(?P<count>\d+) (?P<group>[^()]+?) \((?P<list>.+)\)", chunk)
        if m:
            return self._explicit_group(m.group("group"), m.group("list"), chunk, int(m.group("count")))
        if " such as " in chunk:
            head, examples = chunk.split(" such as ", 1)
            out = self._items(head)
            note = None
            nm = re.fullmatch(r"(?P<list>.+?)\s*\((?P<note>depending on [^()]+)\)", examples)
            if nm:
                examples, note = nm.group("list"), nm.group("note")
            listed = self._items(examples)
            for x in listed:
                x.note = "; ".join(n for n in (f"named as an example of {out[-1].text}", note) if n)
            if note:
                out[-1].note = note
            return out + listed
        return self._items(chunk)

    def _items(self, text: str) -> list[Mention]:
        parts = _split_top(text.strip(" ,;."), _TOP_SEPARATORS)
        fragments, separators = parts[::2], parts[1::2]
        out: list[Mention] = []
        i = 0
        while i < len(fragments):
            if not fragments[i].strip(" ,;."):
                i += 1
                continue
            for j in range(len(fragments) - 1, i - 1, -1):
                candidate = "".join(fragments[k] + (separators[k] if k < j else "") for k in range(i, j + 1))
                mentions = self._item(candidate.strip(" ,;."))
                if mentions is not None:
                    out += mentions
                    i = j + 1
                    break
            else:
                raise self.error(
                    "unknown name: add it, or its variant, to data/reference/ (names.csv, countries.csv, "
                    "organizations.csv, categories.csv)",
                    fragments[i].strip(" ,;."),
                )
        return out

    def _resolve(self, name: str) -> Entity | None:
        entity = self.ref.lookup(name, self.process)
        if entity is None and re.match(r"(?i)the\s+", name):
            entity = self.ref.lookup(re.sub(r"(?i)^the\s+", "", name), self.process)
        return entity

    def _item(self, text: str) -> list[Mention] | None:
        starred = text.endswith("*")
        name = text.rstrip("*").strip()
        m = re.fullmatch(r"(?:the )?(?P<count>\d+) (?P<group>.+)", name)
        if m:
            group = self._resolve(m.group("group"))
            if group is None or group.kind != "group":
                return None
            members = self.ref.group_members(group.key)
            if int(m.group("count")) != len(members):
                raise self.error(
                    f"the text says {m.group('count')} {m.group('group')} but the reference table lists {len(members)}",
                    text,
                )
            self.group_sizes[group] = len(members)
            return [Mention(e, text, group=group) for e in members]
        m = re.fullmatch(r"(?:the )?members of the (?P<group>[^()]+?) \((?P<list>.+)\)", name)
        if m:
            return self._explicit_group(m.group("group"), m.group("list"), text)
        entity = self._resolve(name)
        if entity is not None:
            return [Mention(entity, text, starred=starred)]
        m = re.fullmatch(r"(?P<a>.+?)\s*\((?P<b>[^()]+)\)", name)
        if not m:
            return None
        a, b = m.group("a").strip(), m.group("b").strip()
        first = self._resolve(a)
        if first is None:
            return None
        second = self._resolve(b)
        if second == first:  # "International Organization for Migration (IOM)"
            return [Mention(first, text, starred=starred)]
        until = re.fullmatch(r"until (\d{4})", b)
        if until:
            return [Mention(first, text, status="former", year=int(until.group(1)), note=b, starred=starred)]
        if second is not None and first.kind == second.kind == "country":
            territory, state = (first, second) if first.key in self.ref.territories else (second, first)
            if territory.key not in self.ref.territories:
                raise self.error(
                    "two countries in one name, and neither is a territory in data/reference/territories.csv", text
                )
            return [Mention(territory, text, territory_of=state, starred=starred)]
        if re.match(r"(?:depending on|which) ", b):
            return [Mention(first, text, note=b, starred=starred)]
        if second is not None:
            raise self.error(f"{a!r} and {b!r} name different entities", text)
        return None


# ------------------------------------------------------------------------------------------------ processes
class Resolver:
    def __init__(self, ref: Reference, region_headings: dict[str, str]):
        self.ref = ref
        self.region_headings = region_headings  # heading text -> region key

    def processes(self, matrix: Matrix) -> list[Process]:
        by_name = {row["name_in_source"]: key for key, row in self.ref.processes.items() if row["in_matrix"] == "yes"}
        out = []
        for rows in matrix.processes:
            key = by_name.pop(rows.name, None)
            if key is None:
                first = rows.cells["RCP"][0]
                raise ResolveError("process not in data/reference/processes.csv", first.row, first.column, rows.name)
            out.append(self.process(key, rows))
        if by_name:
            missing = ", ".join(sorted(by_name))
            raise ResolveError(
                f"process(es) of data/reference/processes.csv not found in the source: {missing} "
                "(a row removed or a name changed?)"
            )
        return out

    def region(self, cell: Cell) -> str:
        heading = cell.text.strip()
        if heading not in self.region_headings:
            raise ResolveError(
                "region header not in the region scheme (ontology/schemes.ttl, rcp:sourceHeading)",
                cell.row,
                cell.column,
                heading,
            )
        return self.region_headings[heading]

    def process(self, key: str, rows: ProcessRows) -> Process:
        name_cell = rows.cells["RCP"][0]
        year_cells = rows.parts("Year")
        if len(year_cells) != 1:
            raise ResolveError("a process needs exactly one year", name_cell.row, "Year", rows.name)
        region = self.region(rows.region)
        if region != self.ref.processes[key].get("region"):
            raise ResolveError(
                f"the process stands under the region header of row {rows.region.row} ({region}), but "
                f"data/reference/processes.csv places it in {self.ref.processes[key].get('region') or 'no region'} "
                "(a region header row removed or moved?)",
                name_cell.row,
                name_cell.column,
                name_cell.raw,
            )
        proc = Process(
            key=key,
            rows=rows,
            name=extract.process_name(name_cell),
            year=extract.year(year_cells[0]),
            region_heading=rows.region.text.strip(),
            declared_total=-1,
            memberships={},
            main_areas=extract.items(rows.parts("Main Areas of Discussion")),
            priorities=extract.items(rows.parts("Current Priorities")),
            flags=set(),
            territories={},
            group_sizes={},
        )
        for column in COLUMNS[1:]:
            if not rows.parts(column):
                raise ResolveError(
                    "empty cell: every process has a value in this column", name_cell.row, column, rows.name
                )
        footnotes: list[Statement] = []
        starred: list[Mention] = []
        stated_events: list[Event] = []  # events of the participant columns, numbered after those of the prose
        for column in extract.STATEMENT_COLUMNS:
            previous: list[Membership] = []
            for cell in rows.parts(column):
                for st in self.ref.grammar.statements(cell):
                    if st.total is not None:
                        if proc.declared_total >= 0:
                            raise ResolveError("a second '(Total: N)'", cell.row, column, st.text)
                        proc.declared_total = st.total
                        continue
                    if st.event:
                        stated_events.append(self._event(key, st, cell))
                    if st.flag:
                        proc.flags.add(st.flag)
                    if st.flag == "footnote":
                        footnotes.append(st)
                        continue
                    if st.attaches_to_previous:
                        if not previous:
                            raise ResolveError("a note with nothing before it to attach to", cell.row, column, st.text)
                        for ms in previous:
                            ms.notes.append(st.note or st.text)
                            ms.cells.append(cell)
                        continue
                    made: list[Membership] = []
                    for sub in [st, *st.extra]:
                        if sub.names is None:
                            continue
                        reader = NameReader(self.ref, key, cell)
                        mentions = reader.read(sub.names)
                        if not mentions:
                            raise ResolveError("a statement without names", cell.row, column, sub.text)
                        for g, size in reader.group_sizes.items():
                            proc.group_sizes[g] = (size, cell)
                        for mention in mentions:
                            made.append(self._add(proc, sub, mention, cell))
                            if mention.starred:
                                starred.append(mention)
                            if mention.territory_of is not None:
                                self._territory(proc, mention.entity.key, mention.territory_of.key, cell, mention.text)
                    if made:
                        previous = made
        if {"secretariat", "no-official-secretariat"} <= proc.flags:
            raise ResolveError(
                "the cell names a secretariat and says there is no official secretariat",
                name_cell.row,
                "Secretariat",
                rows.text("Secretariat"),
            )
        for column, items in zip(extract.PROSE_COLUMNS, (proc.main_areas, proc.priorities), strict=True):
            for cell in rows.parts(column):
                coverage.unexplained(cell, self.ref.grammar, items)
                for st in self.ref.grammar.findings(cell):
                    if st.verbatim:
                        continue
                    if st.event:
                        proc.events.append(self._event(key, st, cell))
                        continue
                    for mention in NameReader(self.ref, key, cell).read(st.names or ""):
                        self._term(self._add(proc, st, mention, cell), st, cell)
        proc.events += stated_events
        if proc.declared_total < 0:
            last = (rows.parts("Governments") or rows.cells["Governments"])[-1]
            raise ResolveError(
                f"no '(Total: N)' in the governments of {rows.name} (its last row, or a '(cont.)' row, removed?)",
                last.row,
                last.column,
                last.raw if len(last.raw) <= 120 else "..." + last.raw[-117:],
            )
        for footnote in footnotes:
            note, cell = footnote.note or "", footnote.cell
            state = self.ref.lookup(footnote.state, key) if footnote.state else None
            if state is None or state.kind != "country":
                raise ResolveError("a footnote that names no state", cell.row, cell.column, note)
            for mention in starred:
                self._territory(proc, mention.entity.key, state.key, cell, f"{mention.text} {note}")
                for ms in proc.memberships.values():
                    if ms.entity == mention.entity and note not in ms.notes:
                        ms.notes.append(note)
        if starred and not footnotes:
            raise ResolveError(
                "names marked '*' but no footnote explains the mark",
                name_cell.row,
                "Governments",
                ", ".join(m.text for m in starred),
            )
        return proc

    def _territory(self, proc: Process, territory: str, state: str, cell: Cell, text: str) -> None:
        expected = self.ref.territories.get(territory)
        if expected is None:
            raise ResolveError(
                f"{territory} is named as part of {state} but is not in data/reference/territories.csv",
                cell.row,
                cell.column,
                text,
            )
        if expected != state:
            raise ResolveError(
                f"the text links {territory} to {state}; data/reference/territories.csv says {expected}",
                cell.row,
                cell.column,
                text,
            )
        proc.territories[territory] = (state, cell)

    def _event(self, process: str, st: Statement, cell: Cell) -> Event:
        """An event a prose statement reports, its places and organisers resolved through the reference tables."""
        date = extract.event_date(st.date or "")
        if date is None:
            raise ResolveError(
                f"the date {st.date!r} of an event is no year, month and year, or day", cell.row, cell.column, st.text
            )
        places = []
        for name in (st.place or "").split("/") if st.place else []:
            place = self.ref.lookup(name, process)
            if place is None or place.kind != "place":
                raise ResolveError(
                    f"unknown place {name!r} (add it to data/reference/places.csv)", cell.row, cell.column, st.text
                )
            places.append(place)
        # the names of a prose event are who held it; those of a participant column's statement hold its role
        named = st.names if cell.column in extract.PROSE_COLUMNS else None
        if named:
            organizers = [m.entity for m in NameReader(self.ref, process, cell).read(named)]
        else:  # the process, where the text presents the event as the process's own; else no one is stated
            organizers = [Entity("process", process)] if st.held_by_process else []
        attendees = [m.entity for m in NameReader(self.ref, process, cell).read(st.attendees)] if st.attendees else []
        return Event(
            st.event or "",
            st.event_name,
            date,
            tuple(places),
            tuple(organizers),
            tuple(attendees),
            st.outcome,
            cell,
            st.text,
        )

    def _term(self, ms: Membership, st: Statement, cell: Cell) -> None:
        """The term a statement gives a role, if any; a second, different term of one role is an error."""
        if st.start is None and st.end is None and st.period is None and st.theme is None:
            return
        term = Term(st.start, st.end, st.period, st.theme, cell)
        if ms.term is not None and ms.term != term:
            raise ResolveError(f"a second term for the {ms.role} {ms.entity.key}", cell.row, cell.column, st.text)
        if term.start is not None and term.end is not None and term.start > term.end:
            raise ResolveError("a term that ends before it starts", cell.row, cell.column, st.text)
        ms.term = term

    def _add(self, proc: Process, st: Statement, mention: Mention, cell: Cell) -> Membership:
        role = st.role or "member"
        ms = proc.memberships.get((mention.entity, role))
        status = mention.status or st.status
        if ms is None:
            ms = Membership(proc.key, mention.entity, role, status)
            proc.memberships[(mention.entity, role)] = ms
        elif ms.status != status:
            raise ResolveError(
                f"{mention.text!r} is both {ms.status} and {status} {role}", cell.row, cell.column, st.text
            )
        for y in (st.year, mention.year):
            if y:
                ms.years.add(y)
        for n in (st.note, mention.note):
            if n and n not in ms.notes:
                ms.notes.append(n)
        if mention.group:
            ms.groups.add(mention.group)
        if cell not in ms.cells:
            ms.cells.append(cell)
        if mention.text not in ms.names_in_source:
            ms.names_in_source.append(mention.text)
        return ms
