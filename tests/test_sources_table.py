"""data/reference/sources.csv: the one place that says what the source is (key, year, labels, publisher, file,
checksum), and the modules that take these facts from it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from rcpkg import paths, resolve, source
from rcpkg.errors import ReferenceTableError, ResolveError
from rcpkg.graph import GraphBuilder

HEADER = "key,year,label,short_label,title,publisher,file,sha256\n"
SHA = "0" * 64
EARLIER = "m-2005,2005,Matrix (2005),M (2005),,,,\n"
READ = f"m-2008,2008,Matrix (2008),M (2008),The matrix,iom,m-2008.txt,{SHA}\n"


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.csv").write_text(text, encoding="utf-8")
    return folder


def test_the_committed_table_describes_the_matrix_the_build_reads():
    document = source.document()
    assert (document.key, document.year, document.publisher) == ("iom-rcp-matrix-2008", 2008, "iom")
    assert source.source_file() == paths.source_dir() / document.file
    assert [d.year for d in source.documents()] == [2005, 2007, 2008]
    assert [d.file for d in source.documents() if d.file] == [document.file]


def test_the_recorded_checksum_is_the_committed_source_file():
    assert hashlib.sha256(source.source_file().read_bytes()).hexdigest() == source.document().sha256


def test_every_publisher_is_an_organisation_of_the_reference_tables():
    organizations = resolve.Reference.load(paths.reference_dir()).organizations
    assert all(d.publisher in organizations for d in source.documents() if d.publisher)


def test_the_table_is_read_once_per_folder(tmp_path):
    folder = write(tmp_path / "ref", HEADER + EARLIER + READ)
    first = source.documents(folder)
    (folder / "sources.csv").unlink()
    assert source.documents(folder) is first
    assert source.document(folder).key == "m-2008"


def test_editions_come_oldest_first_whatever_the_order_of_the_rows(tmp_path):
    folder = write(tmp_path / "ref", HEADER + READ + EARLIER)
    assert [d.year for d in source.documents(folder)] == [2005, 2008]


@pytest.mark.parametrize(
    "text, message",
    [
        ("key,year,label\n" + EARLIER, "header must be"),
        (HEADER + EARLIER, "exactly one edition must name the file"),
        (HEADER + READ + READ.replace("m-2008", "m-2009").replace("2008", "2009"), "exactly one edition"),
        (HEADER + READ.replace(SHA, "abc"), "malformed sha256"),
        (HEADER + READ.replace(SHA, ""), "a file and its sha256 go together"),
        (HEADER + READ.replace("m-2008,", "M 2008,", 1), "malformed key"),
        (HEADER + READ.replace(",2008,", ",08,", 1), "malformed year"),
        (HEADER + READ.replace(",iom,", ",IOM,"), "malformed publisher"),
        (HEADER + READ.replace("m-2008.txt", "../m.txt"), "malformed file"),
        (HEADER + READ.replace("Matrix (2008),", ",", 1), "needs a label"),
        (HEADER + READ + EARLIER.replace("m-2005", "m-2008"), "given twice"),
        (HEADER + READ + EARLIER.replace(",2005,", ",2008,"), "given twice"),
        (HEADER + READ.replace(",iom,", ",iom,extra,"), "9 fields, expected 8"),
    ],
)
def test_a_malformed_table_is_refused_with_what_to_fix(tmp_path, text, message):
    with pytest.raises(ReferenceTableError, match=message):
        source.documents(write(tmp_path / "ref", text))


def test_a_missing_table_says_which(tmp_path):
    with pytest.raises(ReferenceTableError, match="reference table not found"):
        source.documents(tmp_path)


def test_the_source_file_is_the_one_the_table_names(tmp_path, monkeypatch):
    write(tmp_path / "data" / "reference", HEADER + READ)
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    assert source.source_file() == tmp_path / "data" / "source" / "m-2008.txt"


# ------------------------------------------------------------------------ the editions the footnote names
@pytest.fixture(scope="module")
def matrix():
    return source.read(source.source_file())


@pytest.fixture(scope="module")
def ref():
    return resolve.Reference.load(paths.reference_dir())


def test_an_edition_the_footnote_names_must_be_a_row_of_the_table(matrix, ref):
    documents = tuple(d for d in source.documents() if d.year != 2007)
    with pytest.raises(ResolveError, match="names an edition of 2007 that data/reference/sources.csv does not list"):
        GraphBuilder(ref, Graph(), documents).editions(matrix.footnote)


def test_the_edition_read_must_be_the_newest_the_footnote_names(matrix, ref):
    documents = tuple(
        source.SourceDocument(**{**d.__dict__, "file": "", "sha256": ""}) if d.year == 2008 else d
        for d in source.documents()
    ) + (source.SourceDocument("iom-rcp-matrix-2010", 2010, "M (2010)", "M (2010)", "", "iom", "m.txt", SHA),)
    with pytest.raises(ResolveError, match=r"expected 2005, 2007, 2008, 2010"):
        GraphBuilder(ref, Graph(), documents).editions(matrix.footnote)


def test_a_publisher_that_is_no_organisation_stops_the_build(matrix, ref):
    documents = tuple(
        source.SourceDocument(**{**d.__dict__, "publisher": "nobody"}) if d.file else d for d in source.documents()
    )
    with pytest.raises(ReferenceTableError, match="publisher 'nobody' .* is not a key of organizations.csv"):
        GraphBuilder(ref, Graph(), documents).source(matrix)


def test_the_copy_in_a_home_is_read_from_that_home(tmp_path, monkeypatch):
    """RCPKG_HOME points at another tree: its sources.csv is the one read."""
    ref_dir = tmp_path / "data" / "reference"
    ref_dir.mkdir(parents=True)
    shutil.copy(paths.reference_dir() / "sources.csv", ref_dir / "sources.csv")
    monkeypatch.setenv("RCPKG_HOME", str(tmp_path))
    assert source.document().key == "iom-rcp-matrix-2008"
    assert source.documents() == source.documents(paths.reference_dir())
