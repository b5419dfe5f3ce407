"""LICENSE, LICENSE-DATA.md, the README, CITATION.cff, pyproject.toml, the ontology and the dataset's description
state the same rights and the same release (docs/publishing.md); CITATION.cff is valid Citation File Format."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from rcpkg import void
from rcpkg.namespaces import DATASET, DATASET_RIGHTS, METADATA_GRAPH, SOURCE_RIGHTS

ROOT = Path(__file__).parent.parent
SPDX = {"CC-BY-4.0": void.LICENSE, "MIT": None}  # the licences the project grants (MIT: code, not in the data)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def cff_field(text: str, name: str) -> str:
    found = re.search(rf"^{name}: *(.+)$", text, re.M)
    assert found, f"CITATION.cff has no top-level {name}"
    return found.group(1).strip().strip('"')


def cff_licences(text: str) -> list[str]:
    block = re.search(r"^license:\n((?:  - .+\n)+)", text, re.M)
    return [line.strip()[2:] for line in block.group(1).splitlines()] if block else [cff_field(text, "license")]


def changelog_release(text: str) -> str:
    found = re.search(r"^## (\d+\.\d+\.\d+)\b", text, re.M)
    assert found, "CHANGELOG.md has no release entry (## x.y.z)"
    return found.group(1)


@pytest.fixture(scope="module")
def description(kb_dataset) -> Graph:
    ds = Dataset()
    ds.parse(kb_dataset, format="trig")
    return ds.graph(METADATA_GRAPH)


# ---------------------------------------------------------------------------------------------- releases


def releases() -> dict[str, str]:
    ontology = Graph().parse(ROOT / "ontology" / "rcp.ttl", format="turtle")
    return {
        "pyproject.toml": pyproject()["version"],
        "ontology/rcp.ttl owl:versionInfo": str(
            ontology.value(URIRef("https://w3id.org/rcpkg/ontology"), OWL.versionInfo)
        ),
        "CITATION.cff": cff_field((ROOT / "CITATION.cff").read_text(encoding="utf-8"), "version"),
        "CHANGELOG.md": changelog_release((ROOT / "CHANGELOG.md").read_text(encoding="utf-8")),
        "the installed package (pip install -e . again after a change)": void.release() or "",
    }


def test_every_place_states_the_same_release():
    found = releases()
    assert len(set(found.values())) == 1, found


def test_the_description_states_the_release_and_its_date(description):
    release = pyproject()["version"]
    assert description.value(DATASET, URIRef("http://www.w3.org/ns/dcat#version")) == Literal(release)
    assert description.value(DATASET, OWL.versionInfo) == Literal(release)
    assert description.value(DATASET, DCTERMS.issued) == description.value(DATASET, DCTERMS.modified) is not None


def test_a_release_stated_differently_is_caught():
    assert changelog_release("# Changelog\n\n## 0.2.0 (unreleased)\n\n## 0.1.0\n") == "0.2.0"
    found = releases() | {"CHANGELOG.md": "0.2.0"}
    assert len(set(found.values())) == 2


# ------------------------------------------------------------------------------------------------ rights


def test_code_is_mit_in_pyproject_license_and_citation():
    assert pyproject()["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    assert "MIT" in cff_licences((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_data_licence_is_the_same_everywhere(description):
    cff = [SPDX[name] for name in cff_licences((ROOT / "CITATION.cff").read_text(encoding="utf-8")) if SPDX[name]]
    ontology = Graph().parse(ROOT / "ontology" / "rcp.ttl", format="turtle")
    assert cff == [void.LICENSE]
    assert ontology.value(URIRef("https://w3id.org/rcpkg/ontology"), DCTERMS.license) == void.LICENSE
    assert str(void.LICENSE) in (ROOT / "LICENSE-DATA.md").read_text(encoding="utf-8")
    licences = set(description.objects(None, DCTERMS.license))
    assert licences == {void.LICENSE}


def test_the_dataset_and_every_distribution_state_the_licence_with_what_it_does_not_cover(description):
    distributions = set(description.objects(DATASET, URIRef("http://www.w3.org/ns/dcat#distribution")))
    assert len(distributions) == len(void.DUMP_FILES) + 1
    for node in {DATASET, *distributions}:
        assert description.value(node, DCTERMS.license) == void.LICENSE, node
        assert description.value(node, DCTERMS.rights) == DATASET_RIGHTS, node
    assert (DATASET_RIGHTS, RDF.type, DCTERMS.RightsStatement) in description
    statement = str(description.value(DATASET_RIGHTS, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert "grants no right in the matrix or its text" in statement
    assert "International Organization for Migration" in statement


def test_the_source_has_its_own_rights_and_no_licence_of_the_project(description):
    source = description.value(DATASET, DCTERMS.source)
    assert description.value(source, DCTERMS.rights) == SOURCE_RIGHTS
    assert (source, DCTERMS.license, None) not in description
    statement = str(description.value(SOURCE_RIGHTS, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert "states no licence" in statement and "grant none" in statement


@pytest.mark.parametrize(
    "document",
    ["README.md", "LICENSE-DATA.md", "docs/publishing.md"],
)
def test_the_documents_keep_the_source_apart_from_the_contribution(document):
    text = " ".join((ROOT / document).read_text(encoding="utf-8").split())
    for said in ("CC BY 4.0", "MIT", "IOM's terms" if document != "README.md" else "International Organization for"):
        assert said in text, (document, said)
    assert re.search(r"grants? no right|grant none", text), document


# ----------------------------------------------------------------------------------------------- citation


def cffconvert() -> str:
    found = shutil.which("cffconvert", path=str(Path(sys.executable).parent)) or shutil.which("cffconvert")
    assert found, "cffconvert (of the test extra) is not installed: pip install -c requirements.lock -e '.[test]'"
    return found


def validate_cff(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([cffconvert(), "--validate", "-i", str(path)], capture_output=True, text=True, timeout=120)


def test_the_citation_file_is_valid_citation_file_format():
    done = validate_cff(ROOT / "CITATION.cff")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_citation_file_without_authors_is_refused(tmp_path):
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    broken = re.sub(r"^authors:\n(?:  .+\n)+", "", text, count=1, flags=re.M)
    assert broken != text
    (tmp_path / "CITATION.cff").write_text(broken, encoding="utf-8")
    assert validate_cff(tmp_path / "CITATION.cff").returncode != 0


def test_the_citation_names_the_iom_matrix_as_its_reference():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    references = text.split("\nreferences:\n", 1)[1]
    assert "International Organization for Migration" in references
    assert "year: 2008" in references


# ------------------------------------------------------------------------------------------ locked installs


def test_the_lock_pins_every_package_the_build_records_and_ci_installs_with_it():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", lock, re.M))
    for name in (*void.BUILT_WITH, "owlrl", "cffconvert"):
        assert name in pinned, name
    assert "-c requirements.lock" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -c requirements.lock" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_description_records_the_libraries_that_built_it(description):
    build = description.value(DATASET, URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))
    used = {str(o) for o in description.objects(build, URIRef("http://www.w3.org/ns/prov#used"))}
    assert used == {f"https://pypi.org/project/{name}/{version}/" for name, version in void.built_with()}
    assert {name for name, _ in void.built_with()} == set(void.BUILT_WITH)
