"""rcpkg.extract and rcpkg.resolve on the real cells, and on mutated sources that must fail clearly."""

from __future__ import annotations

import re

import pytest

from rcpkg import knowledge_base, paths
from rcpkg.errors import ResolveError, SourceError
from rcpkg.resolve import Entity
from rcpkg.source import COLUMNS

# From the matrix: the declared total of each process and the current members counted in its text.
DECLARED = {
    "soderkoping-process": 10,
    "budapest-process": 49,
    "puebla-process": 11,
    "sacm": 12,
    "5-plus-5-dialogue": 10,
    "mtm-dialogue": 37,
    "midwa": 15,
    "midsa": 16,
    "igad-rcp": 6,
    "apc": 33,
    "colombo-process": 11,
    "abu-dhabi-dialogue": 20,
    "igc": 16,
    "bali-process": 42,
}


@pytest.fixture(scope="module")
def processes():
    _, procs, _, _ = knowledge_base.extract_processes()
    return {p.key: p for p in procs}


def members(proc, status="current"):
    return {ms.entity.key for ms in proc.memberships.values() if ms.role == "member" and ms.status == status}


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_current_members_match_the_declared_total(processes, key):
    assert processes[key].declared_total == DECLARED[key]
    assert len(members(processes[key])) == DECLARED[key]


def test_former_and_suspended_members(processes):
    assert members(processes["apc"], "former") == {"NZL"}
    assert members(processes["igad-rcp"], "suspended") == {"ERI"}
    former = processes["apc"].memberships[(Entity("country", "NZL"), "member")]
    assert former.years == {2003}


def test_one_country_entity_across_processes(processes):
    assert "BLR" in members(processes["soderkoping-process"]) and "BLR" in members(processes["budapest-process"])


def test_members_named_by_group_are_expanded_and_keep_the_group(processes):
    mtm = processes["mtm-dialogue"]
    eu = [ms for ms in mtm.memberships.values() if Entity("group", "eu-member-states-2008") in ms.groups]
    assert len(eu) == 27
    aps = {ms.entity.key for ms in mtm.memberships.values() if Entity("group", "arab-partner-states") in ms.groups}
    assert aps == {"DZA", "EGY", "LBN", "LBY", "MAR", "SYR", "TUN"}
    add = processes["abu-dhabi-dialogue"]
    dest = {
        ms.entity.key for ms in add.memberships.values() if Entity("group", "asian-destination-countries") in ms.groups
    }
    assert dest == {"BHR", "KWT", "MYS", "OMN", "QAT", "SAU", "SGP", "ARE", "YEM"}


def test_territories_are_linked_to_the_state_the_text_names(processes):
    for key in ("apc", "bali-process"):
        assert {t: s for t, (s, _) in processes[key].territories.items()} == {"HKG": "CHN", "MAC": "CHN", "NCL": "FRA"}


def test_roles_of_the_governments_column(processes):
    def holders(key, role):
        return sorted(ms.entity.key for ms in processes[key].memberships.values() if ms.role == role)

    assert holders("budapest-process", "chair") == ["TUR"]
    assert holders("budapest-process", "co-chair") == ["HUN"]
    assert holders("bali-process", "co-chair") == ["AUS", "IDN"]
    assert holders("bali-process", "thematic-coordinator") == ["NZL", "THA"]
    assert holders("bali-process", "participant") == ["iom", "unhcr"]
    assert holders("puebla-process", "presidency-pro-tempore") == ["GTM"]
    assert holders("sacm", "presidency-pro-tempore") == ["URY"]


def test_secretariats(processes):
    def holders(key, role):
        return sorted(ms.entity.key for ms in processes[key].memberships.values() if ms.role == role)

    assert holders("budapest-process", "secretariat") == ["icmpd"]
    assert holders("soderkoping-process", "secretariat-staff") == ["iom", "unhcr"]
    assert holders("soderkoping-process", "steering-board-member") == ["ec", "iom", "smb", "unhcr"]
    assert holders("midwa", "secretariat-support") == ["iom"]
    assert holders("midwa", "consulted-on-support") == ["ecowas"]
    assert holders("midsa", "consulted-on-support") == ["samp"]
    assert holders("bali-process", "steering-group-member") == ["AUS", "IDN", "NZL", "THA", "iom", "unhcr"]
    assert "no-official-secretariat" in processes["sacm"].flags


# What each Secretariat cell says about an official secretariat: names one, says there is none, or neither.
SECRETARIAT_FLAG = {
    "soderkoping-process": "secretariat",
    "budapest-process": "secretariat",
    "puebla-process": "secretariat",
    "sacm": "no-official-secretariat",
    "5-plus-5-dialogue": "no-official-secretariat",
    "mtm-dialogue": "secretariat",
    "midwa": "no-official-secretariat",
    "midsa": "no-official-secretariat",
    "igad-rcp": "secretariat",
    "apc": "secretariat",
    "colombo-process": "secretariat",
    "abu-dhabi-dialogue": "no-official-secretariat",
    "igc": "secretariat",
    "bali-process": None,
}


@pytest.mark.parametrize("key", sorted(SECRETARIAT_FLAG))
def test_the_secretariat_flag_is_what_the_cell_states(processes, key):
    flags = processes[key].flags & {"secretariat", "no-official-secretariat"}
    assert flags == ({SECRETARIAT_FLAG[key]} if SECRETARIAT_FLAG[key] else set())


def test_a_cell_that_names_a_secretariat_and_denies_one_is_an_error(home):
    path = _mutate(home, "\tIGC Secretariat\t", "\tIGC Secretariat  No official secretariat\t")
    with pytest.raises(ResolveError, match=r"row 39, column 'Secretariat': the cell names a secretariat and says"):
        knowledge_base.extract_processes(path)


# Every role with a term in the matrix: (process, holder, role) -> (status, start, end, period as written, theme).
TERMS = {
    ("budapest-process", "TUR", "chair"): ("current", 2006, None, None, None),
    ("igc", "IRL", "chair"): ("former", 2006, 2007, "2006/2007", "Designing Effective Immigration Systems"),
    ("igc", "SWE", "chair"): ("former", 2007, 2008, "2007/2008", "Circular Migration"),
    ("igc", "CHE", "chair"): (
        "current",
        2008,
        2009,
        "2008/2009",
        "Skilled Labour Migration: Opportunities for National and International Cooperation",
    ),
}


def test_each_role_with_a_term_has_the_term_the_text_gives(processes):
    got = {
        (key, ms.entity.key, ms.role): (ms.status, ms.term.start, ms.term.end, ms.term.period, ms.term.theme)
        for key, proc in processes.items()
        for ms in proc.memberships.values()
        if ms.term is not None
    }
    assert got == TERMS


def test_a_chair_named_in_the_priorities_only_is_a_former_chair_with_its_cell(processes):
    ireland = processes["igc"].memberships[(Entity("country", "IRL"), "chair")]
    assert [(c.row, c.column) for c in ireland.cells] == [(39, "Current Priorities")]
    switzerland = processes["igc"].memberships[(Entity("country", "CHE"), "chair")]
    assert [(c.row, c.column) for c in switzerland.cells] == [(39, "Governments"), (39, "Current Priorities")]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Chair (2007/2008)", "Chair (2008/2007)", "a term that ends before it starts: "),
        ("; Ireland identified", "; Sweden identified", "a second term for the chair SWE: "),
        ("Since Turkey took over", "Since Turkeyy took over", "unknown name"),
    ],
    ids=["backwards", "two-terms", "unknown-chair"],
)
def test_a_wrong_term_stops_the_build_with_row_and_column(home, old, new, message):
    path = _mutate(home, old, new)
    with pytest.raises(ResolveError, match=r"row (9|39), column 'Current Priorities': " + message):
        knowledge_base.extract_processes(path)


# Every event the matrix reports: process -> (kind, name as written, date, datatype, places, who held it ("process"
# where the process did, else the agents named), start of the outcome, attendees), in the order of the text, the
# prose's first, then the participant columns'.
EVENTS = {
    "soderkoping-process": [
        ("launch", None, "2001", "gYear", [], ["smb", "unhcr", "iom"], "promote dialogue on asylum", []),
        ("establishment", None, "2007", "gYear", [], [], "a regional NGO network", []),
    ],
    "budapest-process": [
        (
            "ministerial conference",
            "third Ministerial Conference",
            "1997",
            "gYear",
            ["prague"],
            ["process"],
            "a set of 55",
            [],
        ),
        (
            "ministerial conference",
            "fourth Ministerial Conference",
            "2003-06",
            "gYearMonth",
            ["rhodes"],
            ["process"],
            "31 new",
            [],
        ),
        (
            "senior officials meeting",
            "a senior officials meeting",
            "2008-05",
            "gYearMonth",
            ["trabzon"],
            ["process"],
            "This",
            [],
        ),
    ],
    "5-plus-5-dialogue": [
        ("conference", "Evora/Lisbon Conference", "2008", "gYear", ["evora", "lisbon"], ["process"], None, [])
    ],
    "mtm-dialogue": [
        ("conference", "MTM Project Closing Conference", "2008-01", "gYearMonth", ["geneva"], ["process"], None, [])
    ],
    "midwa": [("adoption", None, "2008-01-18", "date", [], ["ecowas"], "a Common Approach on Migration", [])],
    "apc": [
        ("establishment", None, "1996", "gYear", [], [], "provide a forum", []),
        ("plenary", "8th Plenary of the APC", "2003", "gYear", [], ["process"], None, ["uniap"]),
        ("establishment", None, "2007-01", "gYearMonth", [], [], "permanent Secretariat", []),
    ],
    "colombo-process": [
        (
            "ministerial consultations",
            "Ministerial Consultations",
            "2005",
            "gYear",
            ["bali"],
            ["process"],
            "action-oriented",
            [],
        ),
        ("ministerial consultations", "Ministerial Consultations", "2003", "gYear", [], ["process"], None, []),
        ("establishment", None, "2003", "gYear", [], [], None, []),
    ],
    "igc": [("meeting", "its first meeting on immigration", "2001", "gYear", [], ["process"], None, [])],
    "bali-process": [
        (
            "steering group meeting",
            "14th Steering Group Meeting",
            "2008-08",
            "gYearMonth",
            [],
            ["process"],
            "underlined the need",
            [],
        )
    ],
}


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_every_event_has_its_date_place_organisers_and_outcome(processes, key):
    got = [
        (
            e.kind,
            e.name,
            *e.date,
            [p.key for p in e.places],
            [o.kind if o.kind == "process" else o.key for o in e.organizers],
            next((x[6] for x in EVENTS.get(key, []) if x[6] and (e.outcome or "").startswith(x[6])), e.outcome),
            [a.key for a in e.attendees],
        )
        for e in processes[key].events
    ]
    assert got == EVENTS.get(key, [])


@pytest.mark.parametrize(
    ("old", "new", "row", "message"),
    [
        (
            "a third Ministerial Conference in Prague",
            "a third Ministerial Conference in Praha",
            9,
            "unknown place 'Praha'",
        ),
        ("On January 18, 2008 ECOWAS", "On January 18, 2008 ECOWASS", 22, "unknown name"),
    ],
    ids=["unknown-place", "unknown-organiser"],
)
def test_an_event_that_names_what_no_table_knows_stops_the_build(home, old, new, row, message):
    path = _mutate(home, old, new)
    with pytest.raises(ResolveError, match=rf"row {row}, column '[^']+': {message}"):
        knowledge_base.extract_processes(path)


def test_numbered_items_continue_across_rows(processes):
    bali = processes["bali-process"]
    assert [i.marker for i in bali.main_areas.items] == [f"{n})" for n in range(1, 11)]
    assert [i.cell.row for i in bali.main_areas.items] == [40] * 6 + [45] * 4
    assert {i.list for i in bali.main_areas.items} == {1}
    mtm = processes["mtm-dialogue"]
    assert mtm.main_areas.items[0].text == "Interception and apprehension of irregular migrants"
    assert len(mtm.main_areas.items) == 8


def test_an_unnumbered_list_that_announces_its_length_gives_items(processes):
    puebla = processes["puebla-process"]
    assert [i.text for i in puebla.main_areas.items] == [
        "migration policy and management",
        "human rights of migrants",
        "migration and development",
    ]


# Every list of the matrix: (process, column) -> for each list, its lead-in (its start, None for none), how many
# items it holds and, for a list of sub-items, the position of their item.
LISTS = {
    ("soderkoping-process", "priorities"): [("The objective of the Process is to support", 6, None)],
    ("puebla-process", "main areas"): [("Three main areas of discussion:", 3, None)],
    ("puebla-process", "priorities"): [(None, 11, None)],
    ("sacm", "priorities"): [(None, 6, None)],
    ("5-plus-5-dialogue", "priorities"): [("2008 Evora/Lisbon Conference highlighted the following:", 4, None)],
    ("mtm-dialogue", "main areas"): [
        ("The MTM Dialogue is organised along two pillars: Pillar I aims at", 5, None),
        ("Pillar II addresses medium and long-term issues", 3, None),
    ],
    ("midwa", "main areas"): [("MIDWA addresses five key areas:", 5, None)],
    ("midwa", "priorities"): [("On January 18, 2008 ECOWAS adopted a Common Approach", 6, None)],
    ("midsa", "main areas"): [("MIDSA focuses on 7 main themes:", 7, None)],
    ("midsa", "priorities"): [(None, 3, None)],
    ("igad-rcp", "main areas"): [("IGAD-RCP aims to facilitate dialogue", 3, None)],
    ("igad-rcp", "priorities"): [("In addition to the establishment of mechanisms", 4, None), (None, 3, 4)],
    ("apc", "priorities"): [("ACP work plan 2008 includes:", 2, None)],
    ("colombo-process", "main areas"): [("The Colombo Process has three thematic foci:", 3, None)],
    ("colombo-process", "priorities"): [
        (None, 4, None),
        ("The Ministerial Consultations in Bali in 2005 set forth", 3, None),
        ("For example, pursuant to these recommendations", 2, None),
    ],
    ("abu-dhabi-dialogue", "main areas"): [("The Abu Dhabi Declaration focuses on", 4, None)],
    ("igc", "priorities"): [
        ("Since 2005, following a strategic review, IGC has three core activities:", 3, None),
        ("IGC currently has standing working groups on", 4, None),
        ("with crosscutting working groups on", 2, None),
    ],
    ("bali-process", "main areas"): [("The following were the specific objectives agreed to", 10, None)],
}


@pytest.mark.parametrize("key", sorted(DECLARED))
@pytest.mark.parametrize("column", ["main areas", "priorities"])
def test_every_list_keeps_its_lead_in_its_items_and_its_nesting(processes, key, column):
    found = processes[key].main_areas if column == "main areas" else processes[key].priorities
    got = []
    for item_list in found.lists:
        items = found.of_list(item_list.number)
        parents = {i.parent for i in items}
        assert len(parents) == 1
        lead = item_list.lead_in
        expected_lead = next(
            (x[0] for x in LISTS.get((key, column), []) if x[0] and lead and lead.startswith(x[0])), None
        )
        got.append((expected_lead if expected_lead else lead, len(items), parents.pop()))
    assert got == LISTS.get((key, column), [])
    assert [i.position for i in found.items] == list(range(1, len(found.items) + 1))


def test_items_end_where_the_source_ends_them(processes):
    """The IGC's working groups: (iv) ends before the words that open the next list, (vi) at its sentence's end;
    the Colombo Process's thematic foci, each several sentences, keep them all."""
    igc = [i.text for i in processes["igc"].priorities.items]
    assert igc[6:] == ["Admission, Control and Enforcement", "Technology", "Country of Origin Information."]
    colombo = processes["colombo-process"].main_areas.items
    assert colombo[2].text.endswith("and enhancing cooperation among countries of origin.")


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_no_item_keeps_the_separator_that_joins_it_to_the_next(processes, key):
    """Items of <li> elements and of running text alike end where the source's item ends: "; and", ";", ", and"
    and "," belong to the list, not to the item (a full stop ends the list's sentence, a colon opens sub-items)."""
    for items in (processes[key].main_areas, processes[key].priorities):
        for item in items.items:
            assert not re.search(r"(?:[;,]|\band|\bas well as)$", item.text), item.text


def test_an_item_keeps_its_own_words_and_loses_only_the_separator(processes):
    soderkoping = [i.text for i in processes["soderkoping-process"].priorities.items]
    assert soderkoping[0] == "strengthening asylum systems"
    assert soderkoping[4].endswith("policy developments, legislation etc.")
    assert soderkoping[5] == "supporting migration research in the region."
    midsa = [i.text for i in processes["midsa"].main_areas.items]
    assert midsa[5:] == ["Labour Migration", "Migration Policies, Legislation & Data Collection."]
    igad = [i.text for i in processes["igad-rcp"].priorities.items]
    assert igad[3].endswith("in the following areas:")  # its sub-items follow
    assert igad[5] == "irregular migration, trafficking and smuggling, and border management"


def test_a_wrong_announced_count_is_an_error(home):
    path = _mutate(home, "Three main areas of discussion:", "Four main areas of discussion:")
    with pytest.raises(SourceError, match="announces four items but lists 3"):
        knowledge_base.extract_processes(path)


# ------------------------------------------------------------------------------------------ mutated sources
def _mutate(home, old, new):
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_misspelt_country_stops_with_row_column_and_text(home):
    path = _mutate(home, "Latvia, Lithuania, Moldova, Poland", "Latvia, Lithuenia, Moldova, Poland")
    with pytest.raises(ResolveError) as err:
        knowledge_base.extract_processes(path)
    message = str(err.value)
    assert "row 5" in message and "'Governments'" in message and "'Lithuenia'" in message


def test_a_removed_process_row_is_reported(home):
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    del lines[21]  # MIDWA
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ResolveError, match=r"not found in the source: Migration Dialogue for West Africa \(MIDWA\)"):
        knowledge_base.extract_processes(path)


@pytest.mark.parametrize("column", COLUMNS[1:])
def test_an_emptied_cell_of_any_column_is_reported(home, column):
    """Every column after the name is required: emptying the IGC's cell (row 39, one row) of any of them stops
    the build with the row and the column, the Current Priorities as much as the Governments."""
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[38].split("\t")
    assert fields[0] == "<b>Inter-Governmental Consultations on Migration, Asylum and Refugees (IGC)</b>"
    fields[COLUMNS.index(column)] = ""
    lines[38] = "\t".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises((SourceError, ResolveError), match=rf"row 39, column '{column}': "):
        knowledge_base.extract_processes(path)


def test_a_changed_total_is_caught_by_the_shapes(home):
    path = _mutate(home, "(Total: 16)  Current Chair: Switzerland", "(Total: 17)  Current Chair: Switzerland")
    built = knowledge_base.build(path)
    assert not built.report.conforms
    assert any("differs from the declared total" in v.message and "igc" in v.focus for v in built.report.violations)


def test_a_group_member_not_in_the_group_table_is_reported(home):
    path = _mutate(home, "Syria and Tunisia otherwise", "Syria, Jordan and Tunisia otherwise")
    with pytest.raises(ResolveError, match="not a member of group 'arab-partner-states'"):
        knowledge_base.extract_processes(path)


def test_an_unknown_author_of_an_edition_stops_the_build_with_the_footnote(home):
    path = _mutate(home, "the Global Commission for International Migration (GCIM)", "the Global Council (GC)")
    with pytest.raises(ResolveError) as err:
        knowledge_base.build(path)
    message = str(err.value)
    assert "row 47, column 'footnote'" in message and "unknown organisation 'Global Council'" in message


def test_a_footnote_process_missing_from_the_footnote_stops_the_build(home):
    path = _mutate(home, "the Pacific Immigration Directors Conference (PIDC) and ", "")
    with pytest.raises(ResolveError, match=r"row 47, column 'footnote': the footnote does not name 'Pacific"):
        knowledge_base.build(path)


def test_reference_tables_come_from_the_data_folder():
    assert (paths.reference_dir() / "names.csv").exists()


def test_a_footnote_that_names_no_known_state_is_reported(home):
    path = _mutate(home, "*Special Administrative Region of China", "*Special Administrative Region of Cathay")
    with pytest.raises(
        ResolveError,
        match=r"row 30, column 'Governments': a footnote that names no state: "
        r"'Special Administrative Region of Cathay'",
    ):
        knowledge_base.extract_processes(path)
