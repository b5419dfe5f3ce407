"""What ``rcpkg build`` writes: the same bytes in every file for the same inputs, one spelling of each
language tag in every dump."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.conftest import _temporary_home, build_into

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = {"en", "fr", "es", "ar", "ru", "zh-hans"}


def _outputs(home: Path) -> dict[str, bytes]:
    """Every file the build wrote: data/rcp.ttl and each file of data/dumps/."""
    dumps = home / "data" / "dumps"
    files = {f"dumps/{p.name}": p.read_bytes() for p in sorted(dumps.iterdir())}
    return {"rcp.ttl": (home / "data" / "rcp.ttl").read_bytes(), **files}


@pytest.fixture(scope="module")
def second_build(tmp_path_factory, kb_build):
    """A second build of the same inputs, in another directory and another process than the session's."""
    return build_into(_temporary_home(ROOT, tmp_path_factory.mktemp("again") / "home"))


def test_two_builds_write_the_same_bytes_in_every_file(kb_build, second_build):
    first, second = _outputs(kb_build.home), _outputs(second_build.home)
    assert sorted(first) == sorted(second)
    assert {"dumps/rcp.trig", "dumps/rcp.jsonld", "dumps/rcp.nq.gz", "dumps/SHA256SUMS"} <= set(first)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_blank_nodes_of_property_chains_have_canonical_labels(kb_home):
    trig = (kb_home / "data" / "dumps" / "rcp.trig").read_text(encoding="utf-8")
    labels = set(re.findall(r"_:([A-Za-z0-9]+)", trig))
    assert labels and all(re.fullmatch(r"c14n[0-9]+", label) for label in labels)


def _tags(name: str, data: bytes) -> set[str]:
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")
    if name.endswith(".jsonld"):
        return set(re.findall(r'"@language"\s*:\s*"([^"]*)"', text))
    return set(re.findall(r'"@([A-Za-z]+(?:-[A-Za-z0-9]+)*)', text))


@pytest.mark.parametrize("name", ["rcp.ttl", "rcp.nt", "rcp.nt.gz", "rcp.jsonld", "rcp.trig", "rcp.nq.gz"])
def test_every_dump_spells_each_language_tag_one_way(kb_home, name):
    assert _tags(name, (kb_home / "data" / "dumps" / name).read_bytes()) == LANGUAGES


def test_the_committed_turtle_spells_language_tags_as_the_dumps_do(kb_home):
    assert _tags("rcp.ttl", (kb_home / "data" / "rcp.ttl").read_bytes()) == LANGUAGES


def test_a_filter_on_the_language_finds_the_same_labels_in_the_store_and_in_the_turtle(kb_home, kb_store):
    from rdflib import Graph

    query = 'SELECT ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(lang(?l) = "zh-hans") }'
    in_store = {str(row["l"]) for row in kb_store.select(query)}
    in_turtle = {str(row.l) for row in Graph().parse(kb_home / "data" / "rcp.ttl").query(query)}
    assert len(in_store) > 100 and in_store == in_turtle


def test_rcpkg_dump_rewrites_the_same_bytes(kb_build, second_build):
    from rcpkg import cli

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RCPKG_HOME", str(second_build.home))
        assert cli.main(["dump"]) == 0
    first, again = _outputs(kb_build.home), _outputs(second_build.home)
    assert [name for name in first if first[name] != again[name]] == []
