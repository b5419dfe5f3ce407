"""Search by name: folding of case and accents, initials, ranking, and the entries built from labels."""

from __future__ import annotations

import pytest

from rcpkg.web.search import Entry, SearchIndex, entries_from_rows, fold, initials

BASE = "https://w3id.org/rcpkg/"


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Söderköping Process", "soderkoping process"),
        ("SÖDERKÖPING", "soderkoping"),
        ("Côte d’Ivoire", "cote d ivoire"),
        ("Łódź", "lodz"),
        ("Ærø  Straße", "aero strasse"),
        ("São Tomé and Príncipe", "sao tome and principe"),
        ("5 + 5 Dialogue", "5 5 dialogue"),
        ("IGAD-RCP", "igad rcp"),
        ("", ""),
    ],
)
def test_fold_drops_case_accents_and_punctuation(text, folded):
    assert fold(text) == folded


def test_initials_leave_out_small_words():
    assert initials("Bali Process") == "bp"
    assert initials("Regional Conference on Migration") == "rcm"
    assert initials("Migration Dialogue for West Africa") == "mdwa"
    assert initials("Inter-Governmental Consultations on Migration, Asylum and Refugees") == "igcmar"


ENTRIES = [
    Entry(
        BASE + "id/process/bali-process",
        "Bali Ministerial Conference on People Smuggling, Trafficking in Persons and Related Transnational Crime",
        "process",
        ("Bali Process",),
    ),
    Entry(BASE + "id/process/budapest-process", "Budapest Process", "process", ("Budapest Process",)),
    Entry(
        BASE + "id/process/soderkoping-process",
        "Cross Border Cooperation Process",
        "process",
        ("Cross Border Cooperation Process", "Söderköping Process"),
        ("CBCP",),
    ),
    Entry(BASE + "id/organization/iom", "International Organization for Migration", "organization", (), ("IOM",)),
    Entry(BASE + "id/country/idn", "Indonesia", "country", ("Indonesia",)),
    Entry(BASE + "id/theme/trafficking", "trafficking in human beings", "theme", ()),
]


def found(query: str) -> list[str]:
    return [h.entry.iri.rsplit("/", 1)[-1] for h in SearchIndex(ENTRIES).search(query)]


def test_soderkoping_without_accents_finds_the_soderkoping_process():
    assert found("soderkoping")[0] == "soderkoping-process"
    assert found("SÖDERKÖPING")[0] == "soderkoping-process"
    assert found("Söderköping process")[0] == "soderkoping-process"


def test_bp_and_bali_find_the_bali_process():
    assert "bali-process" in found("BP")
    assert found("bp")[:2] == ["bali-process", "budapest-process"]  # both are "BP"; alphabetical on a tie
    assert found("Bali")[0] == "bali-process"


def test_acronym_exact_match_ranks_first():
    hits = SearchIndex(ENTRIES).search("iom")
    assert hits[0].entry.iri.endswith("/iom") and hits[0].matched == "IOM"
    assert found("cbcp") == ["soderkoping-process"]


def test_every_word_must_match():
    assert found("trafficking persons") == ["bali-process"]
    assert found("trafficking") == ["trafficking", "bali-process"]  # a name starting with it ranks first
    assert found("border process") == ["soderkoping-process"]
    assert found("nonexistent") == []


def test_prefix_of_a_word_matches():
    assert found("indo") == ["idn"]
    assert found("buda")[0] == "budapest-process"


def test_empty_or_punctuation_only_query_finds_nothing():
    assert found("") == []
    assert found("   ") == []
    assert found("?!") == []


def test_limit_caps_the_number_of_hits():
    assert len(SearchIndex(ENTRIES).search("o", limit=2)) == 2


def test_entries_from_rows_groups_names_and_picks_the_label():
    rows = [
        (BASE + "id/process/soderkoping-process", "label", "Cross Border Cooperation Process"),
        (BASE + "id/process/soderkoping-process", "name", "Söderköping Process"),
        (BASE + "id/process/soderkoping-process", "acronym", "CBCP"),
        (BASE + "id/process/soderkoping-process", "hidden", "Soderkoping Process"),
        (BASE + "id/organization/iom", "acronym", "IOM"),
        ("http://example.org/other", "label", "Elsewhere"),
    ]
    entries = {e.iri: e for e in entries_from_rows(rows, BASE)}
    sp = entries[BASE + "id/process/soderkoping-process"]
    assert sp.label == "Cross Border Cooperation Process"
    assert sp.kind == "process"
    assert "Söderköping Process" in sp.names and "Soderkoping Process" in sp.names
    assert sp.acronyms == ("CBCP",)
    iom = entries[BASE + "id/organization/iom"]
    assert iom.label == "IOM" and iom.kind == "organization"
    assert entries["http://example.org/other"].kind == "other"
