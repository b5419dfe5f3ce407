"""Themes: what a text is about (rcpkg.themes over ontology/themes.ttl), and each process's themes with the column
that names them, pinned: a change of a keyword shows here as the processes it moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from rcpkg import paths
from rcpkg.themes import ThemeClassifier

ROOT = Path(__file__).resolve().parents[2]
CLASSIFIER = ThemeClassifier(Graph().parse(ROOT / "ontology" / "themes.ttl"))
P = "https://w3id.org/rcpkg/id/process/"


def themes(text: str) -> set[str]:
    return {str(t).rsplit("/", 1)[1] for t in CLASSIFIER.themes(text)}


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        # a word that is a whole topic of a list names its theme (the SACM's main areas)
        ("topics including development, diasporas, rights of migrants", "migration-and-development"),
        ("Two topics: remittances; development.", "migration-and-development"),
        ("border management and asylum", "border-management"),
        ("5) enhance border cooperation", "regional-cooperation"),
        ("strengthen dialogue and political coordination among States", "regional-cooperation"),
        ("exchange information and analysis on topics such as migration trends", "information-exchange-and-data"),
        ("particularly women and children", "gender"),
        ("welfare of overseas workers and support services", "human-rights-of-migrants"),
    ],
)
def test_a_phrase_that_names_the_theme_is_found(text, theme):
    assert theme in themes(text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        # words that pass by: the word is there, the theme is not what the text discusses
        ("the development of new overseas employment markets", "migration-and-development"),
        ("Current thought and activity development focuses on", "migration-and-development"),
        ("The MTM Dialogue is organised along two pillars", "regional-cooperation"),
        ("Informal dialogue in which governments cooperate", "regional-cooperation"),
        ("local cooperation", "regional-cooperation"),
        ("their ongoing and/or future co-operation initiatives", "regional-cooperation"),
        ("Contribution of men and women migrants to the development of their country", "gender"),
        ("support them in their policy-making processes", "migration-policy-and-legislation"),
        ("workers and remittances policies and flows", "migration-policy-and-legislation"),
        ("pre-departure information and orientation", "information-exchange-and-data"),
        ("disseminating information to potential migrants", "information-exchange-and-data"),
        (
            "contributions of migrants to the welfare and cultural enrichment of host societies",
            "human-rights-of-migrants",
        ),
    ],
)
def test_a_word_that_passes_by_names_no_theme(text, theme):
    assert theme not in themes(text)


THEMES = {
    "5-plus-5-dialogue": {
        "diaspora": "main areas",
        "free-movement": "main areas",
        "gender": "main areas",
        "human-rights-of-migrants": "main areas",
        "information-exchange-and-data": "main areas",
        "integration": "both",
        "irregular-migration": "main areas",
        "labour-migration": "both",
        "migration-and-development": "main areas",
        "migration-and-health": "main areas",
        "trafficking": "main areas",
    },
    "abu-dhabi-dialogue": {
        "capacity-building": "main areas",
        "human-rights-of-migrants": "main areas",
        "irregular-migration": "main areas",
        "labour-migration": "both",
        "migration-and-development": "main areas",
        "remittances": "main areas",
        "return-and-readmission": "priorities",
    },
    "apc": {
        "migration-policy-and-legislation": "priorities",
        "refugee-protection": "both",
        "regional-cooperation": "main areas",
        "trafficking": "main areas",
    },
    "bali-process": {
        "asylum": "main areas",
        "border-management": "main areas",
        "gender": "main areas",
        "information-exchange-and-data": "main areas",
        "irregular-migration": "main areas",
        "migration-policy-and-legislation": "both",
        "refugee-protection": "main areas",
        "regional-cooperation": "both",
        "return-and-readmission": "main areas",
        "smuggling": "both",
        "trafficking": "both",
    },
    "budapest-process": {
        "asylum": "both",
        "border-management": "both",
        "information-exchange-and-data": "main areas",
        "integration": "priorities",
        "irregular-migration": "main areas",
        "labour-migration": "priorities",
        "migration-policy-and-legislation": "priorities",
        "regional-cooperation": "main areas",
        "return-and-readmission": "both",
        "smuggling": "main areas",
        "trafficking": "main areas",
    },
    "colombo-process": {
        "capacity-building": "both",
        "human-rights-of-migrants": "both",
        "information-exchange-and-data": "both",
        "irregular-migration": "priorities",
        "labour-migration": "both",
        "migration-and-development": "both",
        "regional-cooperation": "both",
        "remittances": "main areas",
    },
    "igad-rcp": {
        "border-management": "priorities",
        "capacity-building": "both",
        "information-exchange-and-data": "priorities",
        "irregular-migration": "priorities",
        "labour-migration": "priorities",
        "migration-and-development": "priorities",
        "migration-policy-and-legislation": "both",
        "regional-cooperation": "both",
        "smuggling": "priorities",
        "trafficking": "priorities",
    },
    "igc": {
        "asylum": "both",
        "information-exchange-and-data": "priorities",
        "integration": "both",
        "irregular-migration": "main areas",
        "labour-migration": "both",
        "refugee-protection": "priorities",
        "regional-cooperation": "priorities",
        "return-and-readmission": "main areas",
        "smuggling": "main areas",
    },
    "midsa": {
        "capacity-building": "both",
        "information-exchange-and-data": "main areas",
        "irregular-migration": "main areas",
        "labour-migration": "main areas",
        "migration-and-development": "both",
        "migration-and-health": "main areas",
        "migration-policy-and-legislation": "main areas",
        "refugee-protection": "main areas",
        "smuggling": "priorities",
        "trafficking": "priorities",
    },
    "midwa": {
        "asylum": "priorities",
        "free-movement": "priorities",
        "gender": "priorities",
        "human-rights-of-migrants": "both",
        "information-exchange-and-data": "main areas",
        "migration-and-development": "main areas",
        "migration-policy-and-legislation": "priorities",
        "refugee-protection": "priorities",
        "regional-cooperation": "main areas",
        "trafficking": "priorities",
    },
    "mtm-dialogue": {
        "asylum": "main areas",
        "border-management": "main areas",
        "diaspora": "both",
        "information-exchange-and-data": "priorities",
        "irregular-migration": "both",
        "labour-migration": "main areas",
        "migration-and-development": "both",
        "refugee-protection": "main areas",
        "regional-cooperation": "main areas",
        "remittances": "both",
        "return-and-readmission": "main areas",
        "smuggling": "main areas",
        "trafficking": "main areas",
    },
    "puebla-process": {
        "border-management": "priorities",
        "gender": "priorities",
        "human-rights-of-migrants": "both",
        "integration": "priorities",
        "labour-migration": "priorities",
        "migration-and-development": "both",
        "migration-and-health": "priorities",
        "migration-policy-and-legislation": "main areas",
        "refugee-protection": "priorities",
        "regional-cooperation": "priorities",
        "remittances": "priorities",
        "return-and-readmission": "priorities",
        "smuggling": "priorities",
        "trafficking": "priorities",
    },
    "sacm": {
        "diaspora": "main areas",
        "human-rights-of-migrants": "both",
        "information-exchange-and-data": "main areas",
        "integration": "both",
        "migration-and-development": "both",
        "regional-cooperation": "priorities",
        "smuggling": "main areas",
        "trafficking": "main areas",
    },
    "soderkoping-process": {
        "asylum": "both",
        "border-management": "priorities",
        "capacity-building": "priorities",
        "information-exchange-and-data": "priorities",
        "irregular-migration": "main areas",
        "migration-policy-and-legislation": "both",
        "refugee-protection": "priorities",
        "regional-cooperation": "priorities",
    },
}


def test_each_process_has_its_themes_with_their_basis(store):
    """Every theme of every process, and which column names it: its main areas, its current priorities or both."""
    query = (paths.queries_dir() / "theme-processes.rq").read_text(encoding="utf-8")
    body, _ = store.query(query, "application/sparql-results+json")
    got: dict[str, dict[str, str]] = {}
    basis = {("true", "true"): "both", ("true", "false"): "main areas", ("false", "true"): "priorities"}
    for b in json.loads(body)["results"]["bindings"]:
        process, theme = b["process"]["value"].removeprefix(P), b["theme"]["value"].rsplit("/", 1)[1]
        got.setdefault(process, {})[theme] = basis[b["inMainAreas"]["value"], b["inPriorities"]["value"]]
    assert got == THEMES
