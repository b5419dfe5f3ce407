"""The competency questions of queries/ and their exact answers, from the matrix.

Each question's whole answer is pinned in answers/{name}.tsv (SPARQL TSV, in the question's own order); a change
to the data or a question shows as a diff there, reviewed like code. After such a reviewed change:

    rcpkg query queries/NAME.rq --format tsv > tests/kb/answers/NAME.tsv

The tests below them check the facts of those answers against the matrix itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rcpkg import paths

ANSWERS = Path(__file__).with_name("answers")
QUESTIONS = sorted(p.stem for p in paths.queries_dir().glob("*.rq"))

P = "https://w3id.org/rcpkg/id/process/"
C = "https://w3id.org/rcpkg/id/country/"


def rows(store, name):
    body, _ = store.query((paths.queries_dir() / name).read_text(encoding="utf-8"), "application/sparql-results+json")
    result = json.loads(body)
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def test_every_query_file_says_what_it_answers():
    for path in paths.queries_dir().glob("*.rq"):
        assert path.read_text(encoding="utf-8").startswith("# "), path


def test_every_question_has_a_pinned_answer():
    assert QUESTIONS and sorted(p.stem for p in ANSWERS.glob("*.tsv")) == QUESTIONS


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_whole_answer_of_each_question(store, name):
    body, _ = store.query((paths.queries_dir() / f"{name}.rq").read_text(encoding="utf-8"), "text/tab-separated-values")
    got = body.decode("utf-8").splitlines()
    expected = (ANSWERS / f"{name}.tsv").read_text(encoding="utf-8").splitlines()
    assert got[0] == expected[0], "the question's variables changed"
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    assert not missing and not extra, f"{name}: missing {missing[:5]}, extra {extra[:5]}"
    assert got == expected, f"{name}: same rows in another order"


# (key, year, region, declared total, acronyms) as the matrix gives them
PROCESSES = [
    ("igc", "1985", "Thematically-organized RCPs", "16", "IGC"),
    ("budapest-process", "1991", "Europe and the Former Soviet Union", "49", ""),
    ("apc", "1996", "Asia and Oceania", "33", "APC"),
    ("puebla-process", "1996", "The Americas and the Caribbean", "11", "RCM"),
    ("sacm", "1999", "The Americas and the Caribbean", "12", "SACM"),
    ("midsa", "2000", "Africa", "16", "MIDSA"),
    ("midwa", "2000", "Africa", "15", "MIDWA"),
    ("soderkoping-process", "2001", "Europe and the Former Soviet Union", "10", "CBCP"),
    ("bali-process", "2002", "Thematically-organized RCPs", "42", ""),
    ("5-plus-5-dialogue", "2002", "Western Mediterranean", "10", ""),
    ("colombo-process", "2003", "Asia and Oceania", "11", ""),
    ("mtm-dialogue", "2003", "Western Mediterranean", "37", "MTM"),
    ("igad-rcp", "2008", "Africa", "6", "IGAD-RCP"),
    ("abu-dhabi-dialogue", "2008", "Asia and Oceania", "20", ""),
]


def test_processes(store):
    got = [
        (r["process"].removeprefix(P), r["year"], r["region"], r["declaredMembers"], r.get("acronym", ""))
        for r in rows(store, "processes.rq")
    ]
    assert sorted(got) == sorted(PROCESSES)


def test_members_counts_statuses_and_codes(store):
    result = rows(store, "members.rq")
    per_process = {}
    for r in result:
        per_process.setdefault(r["process"].removeprefix(P), []).append(r)
    for key, _, _, declared, _ in PROCESSES:
        current = [r for r in per_process[key] if r["status"] == "member"]
        assert len(current) == int(declared), key
    others = sorted((r["process"].removeprefix(P), r["iso3"], r["status"]) for r in result if r["status"] != "member")
    assert others == [("apc", "NZL", "former"), ("igad-rcp", "ERI", "suspended")]
    assert all(len(r["iso3"]) == 3 and r["iso3"].isupper() for r in result)


def test_who_observes_the_bali_process(store):
    bali = [r for r in rows(store, "observers.rq") if r["process"] == P + "bali-process"]
    states = sorted(r["observer"].removeprefix(C).upper() for r in bali if r["kind"] == "state")
    assert states == sorted(
        [
            "AUT",
            "BEL",
            "CAN",
            "DNK",
            "FIN",
            "DEU",
            "ITA",
            "NLD",
            "NOR",
            "POL",
            "ROU",
            "RUS",
            "ZAF",
            "ESP",
            "SWE",
            "CHE",
            "GBR",
            "USA",
        ]
    )
    orgs = sorted(r["observer"].rsplit("/", 1)[1] for r in bali if r["kind"] == "organization")
    assert orgs == sorted(
        [
            "adb",
            "apc-secretariat",
            "ec",
            "icmpd",
            "icrc",
            "ifrc",
            "igc-secretariat",
            "ilo",
            "interpol",
            "undp",
            "unodc",
            "world-bank",
        ]
    )


def test_observers_state_the_relation(store):
    mtm = {
        (r["observer"].rsplit("/", 1)[1], r["relation"])
        for r in rows(store, "observers.rq")
        if r["process"] == P + "mtm-dialogue"
    }
    assert ("europol", "partner") in mtm and ("aus", "observer") in mtm and ("igc", "observer") in mtm


# Who chairs each process now, as the Governments column says.
CURRENT_CHAIRS = [
    ("budapest-process", "TUR", "chair"),
    ("budapest-process", "HUN", "co-chair"),
    ("puebla-process", "GTM", "presidency pro tempore"),
    ("sacm", "URY", "presidency pro tempore"),
    ("5-plus-5-dialogue", "PRT", "chair"),
    ("apc", "WSM", "chair"),
    ("igc", "CHE", "chair"),
    ("bali-process", "AUS", "co-chair"),
    ("bali-process", "IDN", "co-chair"),
    ("bali-process", "NZL", "thematic coordinator"),
    ("bali-process", "THA", "thematic coordinator"),
]


def test_chairs(store):
    got = sorted(
        (r["process"].removeprefix(P), r["government"].removeprefix(C).upper(), r["role"])
        for r in rows(store, "chairs.rq")
    )
    assert got == sorted(CURRENT_CHAIRS)


def test_chair_terms(store):
    """Every chair, co-chair and presidency, current and former, with the term and theme the matrix gives: the
    Budapest Process's chair since 2006 (its Current Priorities), the IGC's three chairs of 2006/2007 to
    2008/2009 with the theme of each."""
    got = sorted(
        (
            r["process"].removeprefix(P),
            r["chair"].removeprefix(C).upper(),
            r["role"],
            r["status"],
            r.get("start", ""),
            r.get("end", ""),
            r.get("period", ""),
            r.get("theme", ""),
        )
        for r in rows(store, "chair-terms.rq")
    )
    terms = {
        ("budapest-process", "TUR"): ("2006", "", "", ""),
        ("igc", "IRL"): ("2006", "2007", "2006/2007", "Designing Effective Immigration Systems"),
        ("igc", "SWE"): ("2007", "2008", "2007/2008", "Circular Migration"),
        ("igc", "CHE"): (
            "2008",
            "2009",
            "2008/2009",
            "Skilled Labour Migration: Opportunities for National and International Cooperation",
        ),
    }
    current = [
        (process, government, role) for process, government, role in CURRENT_CHAIRS if role != "thematic coordinator"
    ]
    expected = [
        (process, government, role, "current", *terms.get((process, government), ("", "", "", "")))
        for process, government, role in current
    ] + [
        ("igc", "IRL", "chair", "former", *terms["igc", "IRL"]),
        ("igc", "SWE", "chair", "former", *terms["igc", "SWE"]),
    ]
    assert got == sorted(expected)


def test_secretariats(store):
    got = {
        (r["process"].removeprefix(P), r["who"].rsplit("/", 1)[1], r["relation"])
        for r in rows(store, "secretariats.rq")
    }
    assert ("budapest-process", "icmpd", "secretariat") in got
    assert ("mtm-dialogue", "icmpd", "secretariat") in got
    assert ("colombo-process", "iom", "secretariat") in got
    assert ("igad-rcp", "igad-secretariat", "secretariat") in got
    official = {r["process"].removeprefix(P): r["official"] for r in rows(store, "secretariats.rq")}
    assert {k for k, v in official.items() if v == "false"} == {
        "sacm",
        "5-plus-5-dialogue",
        "midwa",
        "midsa",
        "abu-dhabi-dialogue",
    }


def test_shared_members(store):
    shared = {
        (r["processA"].removeprefix(P), r["processB"].removeprefix(P)): int(r["shared"])
        for r in rows(store, "shared-members.rq")
    }
    # APC and Bali: 33 current APC members, all in Bali but Micronesia (not in Bali's list).
    assert shared[("apc", "bali-process")] == 32
    # Colombo's eleven are the Abu Dhabi Dialogue's "11 Colombo Process countries".
    assert shared[("abu-dhabi-dialogue", "colombo-process")] == 11
    # CBCP's ten are all in the Budapest Process.
    assert shared[("budapest-process", "soderkoping-process")] == 10


def test_country_processes_most_first(store):
    result = rows(store, "country-processes.rq")
    counts = [int(r["processes"]) for r in result]
    assert counts == sorted(counts, reverse=True)
    by_iso = {r["iso3"]: int(r["processes"]) for r in result}
    # Thailand: APC, Colombo, Abu Dhabi, Bali. Greece: Budapest, MTM (EU), IGC.
    assert by_iso["THA"] == 4 and by_iso["GRC"] == 3 and by_iso["NZL"] == 2


@pytest.mark.parametrize(
    "theme,process",
    [
        ("trafficking", "bali-process"),
        ("smuggling", "bali-process"),
        ("labour-migration", "colombo-process"),
        ("asylum", "budapest-process"),
        ("migration-and-development", "midsa"),
        ("return-and-readmission", "mtm-dialogue"),
    ],
)
def test_theme_processes(store, theme, process):
    pairs = {(r["theme"].rsplit("/", 1)[1], r["process"].removeprefix(P)) for r in rows(store, "theme-processes.rq")}
    assert (theme, process) in pairs


def test_events(store):
    """Each event with its date as precise as the text: the Budapest Process's conferences of 1997 (Prague) and
    June 2003 (Rhodes) and its meeting of May 2008 (Trabzon), ECOWAS's adoption of 18 January 2008, ..."""
    got = {
        (r["process"].removeprefix(P), r["name"], r["date"], r.get("placeName", "")) for r in rows(store, "events.rq")
    }
    assert got == {
        ("apc", "establishment", "1996", ""),
        ("budapest-process", "third Ministerial Conference", "1997", "Prague"),
        ("budapest-process", "fourth Ministerial Conference", "2003-06", "Rhodes"),
        ("budapest-process", "a senior officials meeting", "2008-05", "Trabzon"),
        ("igc", "its first meeting on immigration", "2001", ""),
        ("soderkoping-process", "launch", "2001", ""),
        ("colombo-process", "Ministerial Consultations", "2005", "Bali, Indonesia"),
        ("5-plus-5-dialogue", "Evora/Lisbon Conference", "2008", "Évora"),
        ("5-plus-5-dialogue", "Evora/Lisbon Conference", "2008", "Lisbon"),
        ("mtm-dialogue", "MTM Project Closing Conference", "2008-01", "Geneva"),
        ("midwa", "adoption", "2008-01-18", ""),
        ("bali-process", "14th Steering Group Meeting", "2008-08", ""),
        # stated in the participant columns
        ("soderkoping-process", "establishment", "2007", ""),
        ("apc", "8th Plenary of the APC", "2003", ""),
        ("apc", "establishment", "2007-01", ""),
        ("colombo-process", "Ministerial Consultations", "2003", ""),
        ("colombo-process", "establishment", "2003", ""),
    }
    organizers = {
        (r["event"].rsplit("/", 2)[-2:][1], r.get("organizer", "").rsplit("/", 1)[-1])
        for r in rows(store, "events.rq")
        if r["process"] == P + "soderkoping-process"
    }
    # the launch by the three the text names; the NGO network's establishment names no one who held it
    assert organizers == {("1", "smb"), ("1", "unhcr"), ("1", "iom"), ("2", "")}
    held = {
        r["event"].removeprefix("https://w3id.org/rcpkg/id/event/")
        for r in rows(store, "events.rq")
        if "organizer" not in r
    }
    assert held == {"soderkoping-process/2", "apc/1", "apc/3", "colombo-process/3"}


def test_events_stated_in_the_participant_columns_have_their_cell_outcome_and_attendees(store):
    query = """
        PREFIX schema: <https://schema.org/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rcp: <https://w3id.org/rcpkg/ontology#>
        SELECT ?event ?row ?column ?outcome ?attendee WHERE {
          ?event a schema:Event ; prov:wasDerivedFrom ?cell .
          ?cell rcp:row ?row ; rcp:column ?column .
          FILTER(?column IN ("Governments", "Observers, Partners", "Secretariat"))
          OPTIONAL { ?event rcp:outcome ?outcome }
          OPTIONAL { ?event schema:attendee ?attendee }
        }"""
    body, _ = store.query(query, "application/sparql-results+json")
    got = {
        tuple(
            b.get(k, {}).get("value", "").rsplit("id/", 1)[-1]
            for k in ("event", "row", "column", "outcome", "attendee")
        )
        for b in json.loads(body)["results"]["bindings"]
    }
    assert got == {
        ("event/soderkoping-process/2", "5", "Observers, Partners", "a regional NGO network", ""),
        ("event/apc/2", "30", "Observers, Partners", "", "organization/uniap"),
        ("event/apc/3", "30", "Secretariat", "permanent Secretariat", ""),
        ("event/colombo-process/2", "31", "Observers, Partners", "", ""),
        ("event/colombo-process/3", "31", "Secretariat", "", ""),
    }


# Who discusses trafficking, and where the matrix says so: (main areas, priorities). MIDWA, MIDSA, IGAD-RCP and
# the Puebla Process name it in their current priorities only, so a search of the main areas alone missed them.
TRAFFICKING = {
    "bali-process": ("true", "true"),
    "budapest-process": ("true", "false"),
    "apc": ("true", "false"),
    "mtm-dialogue": ("true", "false"),
    "5-plus-5-dialogue": ("true", "false"),
    "sacm": ("true", "false"),
    "igad-rcp": ("false", "true"),
    "midsa": ("false", "true"),
    "midwa": ("false", "true"),
    "puebla-process": ("false", "true"),
}


def test_a_theme_comes_from_both_columns_and_says_which(store):
    got = {
        r["process"].removeprefix(P): (r["inMainAreas"], r["inPriorities"])
        for r in rows(store, "theme-processes.rq")
        if r["theme"].endswith("/theme/trafficking")
    }
    assert got == TRAFFICKING
    sacm = {
        (r["theme"].rsplit("/", 1)[1], r["inMainAreas"], r["inPriorities"])
        for r in rows(store, "theme-processes.rq")
        if r["process"] == P + "sacm"
    }
    # its main areas list "development, diasporas": development as a topic is migration and development
    assert ("migration-and-development", "true", "true") in sacm


def test_labels_are_tagged_with_the_language_they_are_written_in(store):
    """CONGAD's and the IRD's names are French, OCAM's second name Spanish: each label carries its language, and
    the source's French names of CONGAD and the IRD keep theirs on the memberships."""
    query = """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX rcp: <https://w3id.org/rcpkg/ontology#>
        SELECT ?s ?label (LANG(?label) AS ?lang) WHERE {
          VALUES ?s { <https://w3id.org/rcpkg/id/organization/congad> <https://w3id.org/rcpkg/id/organization/ird>
                      <https://w3id.org/rcpkg/id/process/ocam>
                      <https://w3id.org/rcpkg/id/membership/midwa/organization-congad/observer-or-partner> }
          { ?s rdfs:label ?label } UNION { ?s rcp:nameInSource ?label }
        }"""
    body, _ = store.query(query, "application/sparql-results+json")
    got = {
        (b["s"]["value"].rsplit("/id/", 1)[1], b["label"]["value"], b["lang"]["value"])
        for b in json.loads(body)["results"]["bindings"]
    }
    assert (
        "organization/congad",
        "Conseil des Organisations Non Gouvernementales d’Appui au Développement",
        "fr",
    ) in got
    assert ("organization/ird", "Institut de Recherche pour le Développement", "fr") in got
    assert ("process/ocam", "Comisión Centroamericana de Directores de Migración", "es") in got
    assert ("process/ocam", "Central American Commission of Migration Directors", "en") in got
    assert (
        "membership/midwa/organization-congad/observer-or-partner",
        "Conseil des Organisations Non Gouvernementales d’Appui au Développement (CONGAD)",
        "fr",
    ) in got
