"""The reference tables of ``data/reference/``, loaded and checked: countries, territories, organisations,
processes, groups, categories of participant, the source's name variants (``names.csv``) and the statement
grammar (``statements.csv``, read by ``rcpkg.extract``). Unknown keys and malformed rows stop the build with
the file and the line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rcpkg import extract, tables
from rcpkg.errors import ReferenceTableError


@dataclass(frozen=True, order=True)
class Entity:
    kind: str  # country, organization, process, group, category, place
    key: str


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFC", name).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Reference:
    countries: dict[str, dict[str, str]]
    territories: dict[str, str]  # territory iso3 -> state iso3
    organizations: dict[str, dict[str, str]]
    processes: dict[str, dict[str, str]]
    groups: dict[str, dict[str, str]]
    categories: dict[str, str]
    places: dict[str, dict[str, str]]  # the places where events of the matrix took place
    names: dict[str, list[tuple[Entity, str]]]  # normalised name -> [(entity, scope)]
    grammar: extract.Grammar  # the statement patterns of statements.csv

    @classmethod
    def load(cls, directory: Path) -> Reference:
        def read(name: str, key: str, *columns: str) -> dict[str, dict[str, str]]:
            out: dict[str, dict[str, str]] = {}
            for number, row in tables.read(directory / name, (key, *columns)):
                if row[key] in out:
                    raise ReferenceTableError(f"{directory / name}, line {number}: {key} {row[key]} given twice")
                out[row[key]] = row
            return out

        countries = read("countries.csv", "iso3", "name_en")
        territories = {k: r["state_iso3"] for k, r in read("territories.csv", "iso3", "state_iso3").items()}
        orgs = read("organizations.csv", "key", "acronym", "name", "kind", "part_of", "lang")
        processes = read("processes.csv", "key", "name_in_source", "in_matrix", "other_label", "other_label_lang")
        groups = read("groups.csv", "key", "name", "members", "as_of", "basis")
        categories = {k: r["label"] for k, r in read("categories.csv", "key", "label").items()}
        places = read("places.csv", "key", "name", "country", "geonames", "note")
        for key, row in places.items():
            if row["country"] not in countries:
                raise ReferenceTableError(
                    f"places.csv: the country {row['country']!r} of {key} is not in countries.csv"
                )
        names: dict[str, list[tuple[Entity, str]]] = {}

        def add(name: str, entity: Entity, scope: str = "") -> None:
            if name:
                entries = names.setdefault(normalise(name), [])
                if (entity, scope) not in entries:
                    entries.append((entity, scope))

        for iso3, row in countries.items():
            add(row["name_en"], Entity("country", iso3))
        for key, row in orgs.items():
            add(row["name"], Entity("organization", key))
            add(row["acronym"], Entity("organization", key))
        for key, label in categories.items():
            add(label, Entity("category", key))
        for key, row in places.items():
            add(row["name"], Entity("place", key))
        known_kinds = {
            "country": countries,
            "organization": orgs,
            "process": processes,
            "group": groups,
            "category": categories,
            "place": places,
        }
        for number, row in tables.read(directory / "names.csv", ("name", "kind", "key", "scope")):
            table = known_kinds.get(row["kind"])
            if table is None or row["key"] not in table:
                raise ReferenceTableError(
                    f"{directory / 'names.csv'}, line {number}: {row['kind']} {row['key']!r} is in no reference table"
                )
            add(row["name"], Entity(row["kind"], row["key"]), row["scope"])
        for iso3, state in territories.items():
            if iso3 not in countries or state not in countries:
                raise ReferenceTableError(f"territories.csv: {iso3} or {state} is not in countries.csv")
        grammar = extract.Grammar.load(directory / extract.STATEMENTS_TABLE)
        ref = cls(countries, territories, orgs, processes, groups, categories, places, names, grammar)
        for key in groups:
            ref.group_members(key)  # checks every member token
        return ref

    def lookup(self, name: str, process: str) -> Entity | None:
        entries = self.names.get(normalise(name), [])
        scoped = [e for e, scope in entries if scope == process]
        general = [e for e, scope in entries if not scope]
        found = scoped or general
        if len(found) > 1:
            raise ReferenceTableError(f"the name {name!r} is ambiguous in the reference tables: {found}")
        return found[0] if found else None

    def label(self, entity: Entity) -> str:
        """The reference tables' name of an entity."""
        if entity.kind == "country":
            return self.countries[entity.key]["name_en"]
        if entity.kind == "organization":
            return self.organizations[entity.key]["name"]
        if entity.kind == "process":
            return self.processes[entity.key]["name_in_source"]
        if entity.kind == "group":
            return self.groups[entity.key]["name"]
        if entity.kind == "place":
            return self.places[entity.key]["name"]
        return self.categories[entity.key]

    def group_members(self, key: str) -> list[Entity]:
        out = []
        for token in self.groups[key]["members"].split():
            if token.startswith("organization:"):
                entity = Entity("organization", token.split(":", 1)[1])
                ok = entity.key in self.organizations
            else:
                entity = Entity("country", token)
                ok = token in self.countries
            if not ok:
                raise ReferenceTableError(f"groups.csv: member {token!r} of group {key!r} is in no reference table")
            out.append(entity)
        return out
