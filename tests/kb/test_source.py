"""rcpkg.source: rows, cells and coordinates of the matrix; malformed files fail with the row."""

from __future__ import annotations

import hashlib

import pytest

from rcpkg import source
from rcpkg.errors import SourceError

EXPECTED_ROWS = {
    "Cross Border Cooperation Process (Söderköping Process or CBCP)": [5],
    "Budapest Process": [6, 9],
    "Regional Conference on Migration (RCM or Puebla Process)": [11],
    "South American Conference on Migration (SACM)": [14],
    "Regional Ministerial Conference on Migration in the Western Mediterranean (5 + 5 Dialogue)": [16],
    "Mediterranean Transit Migration Dialogue (MTM)": [17, 20],
    "Migration Dialogue for West Africa (MIDWA)": [22],
    "Migration Dialogue for Southern Africa (MIDSA)": [25],
    "Inter-governmental Authority on Development (IGAD) Regional Consultative Process on migration (IGAD-RCP)": [26],
    "Inter-Governmental Asia-Pacific Consultations on Refugees, Displaced Persons and Migrants (APC)": [30],
    "Ministerial Consultation on Overseas Employment and Contractual Labour for Countries of Origin in Asia "
    "(Colombo Process)": [31, 34],
    "Ministerial Consultations on Overseas Employment and Contractual Labour for Countries of Origin and "
    "Destination in Asia (Abu Dhabi Dialogue)": [35],
    "Inter-Governmental Consultations on Migration, Asylum and Refugees (IGC)": [39],
    "Bali Ministerial Conference on People Smuggling, Trafficking in Persons and Related Transnational Crime "
    "(Bali Process)": [40, 45],
}


@pytest.fixture(scope="module")
def matrix():
    return source.read(source.source_file())


def test_the_copy_is_byte_identical_to_the_published_matrix(matrix):
    assert matrix.sha256 == "7c9bff82cf8d2c7e3ce8f15056baee894ad53e97e9fcd11290fa179cf17d0ab3"


def test_every_process_with_its_continued_rows(matrix):
    assert {p.name: p.rows for p in matrix.processes} == EXPECTED_ROWS


def test_region_headers_and_the_thematic_heading(matrix):
    assert [c.text for c in matrix.regions] == [
        "Region: Europe and the Former Soviet Union",
        "Region: The Americas and the Caribbean",
        "Region: Western Mediterranean",
        "Region: Africa",
        "Region: Asia and Oceania",
        "Thematically-organized RCPs",
    ]
    assert matrix.header_rows == [3, 8, 13, 19, 24, 28, 33, 37, 44]
    assert matrix.footnote.row == 47


def test_continued_cells_keep_their_own_rows(matrix):
    budapest = next(p for p in matrix.processes if p.name == "Budapest Process")
    assert [c.row for c in budapest.parts("Governments")] == [6, 9]
    assert budapest.parts("Governments")[1].text.startswith("Montenegro, Netherlands")


def test_html_is_turned_into_lines_and_entities_decoded():
    assert source.html_to_text("<p>A &amp; B</p> <ol><li>1) x;</li> <li>2) y</li></ol>") == "A & B\n1) x;\n2) y"


def _write(tmp_path, text):
    path = tmp_path / "matrix.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _original():
    return source.source_file().read_text(encoding="utf-8")


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="source file not found"):
        source.read(tmp_path / "nothing.txt")


def test_truncated_source_without_footnote_fails(tmp_path):
    lines = _original().split("\n")
    with pytest.raises(SourceError, match="footnote row is missing"):
        source.read(_write(tmp_path, "\n".join(lines[:40])))


def test_a_row_with_missing_columns_fails_with_its_row_number(tmp_path):
    lines = _original().split("\n")
    lines[15] = "\t".join(lines[15].split("\t")[:4])
    with pytest.raises(SourceError, match=r"row 16: expected 7 tab-separated columns, found 4"):
        source.read(_write(tmp_path, "\n".join(lines)))


def test_a_cont_row_that_continues_nothing_fails(tmp_path):
    lines = _original().split("\n")
    del lines[5]  # Budapest's first row: its "(cont.)" row now follows the CBCP
    with pytest.raises(SourceError, match="does not continue the process just before it") as err:
        source.read(_write(tmp_path, "\n".join(lines)))
    assert "row 8, column 'RCP'" in str(err.value)
    assert "<i>(cont.)</i>" in str(err.value)  # the cell's own text, as the source has it


# ------------------------------------------------------------------------------ the build's source is declared
def _cut_tail(text: str) -> str:
    return text[: text.rindex("(JCMs)")]  # the footnote cut short: every row still parses


def _region_row_removed(text: str) -> str:
    return text.replace("<b>Region: The Americas and the Caribbean</b>\t\t\t\t\t\t\n", "", 1)


def _cont_row_removed(text: str) -> str:
    lines = text.split("\n")
    assert lines[8].startswith("<b>Budapest Process</b> <i>(cont.)</i>")
    return "\n".join(lines[:8] + lines[9:])


SOURCE_MUTATIONS = {"tail-cut": _cut_tail, "region-row-removed": _region_row_removed}


@pytest.fixture(params=sorted(SOURCE_MUTATIONS))
def mutated_home(request, home):
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    text = path.read_text(encoding="utf-8")
    changed = SOURCE_MUTATIONS[request.param](text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    return home


def test_the_build_refuses_a_source_that_is_not_the_declared_edition(mutated_home):
    with pytest.raises(SourceError) as err:
        source.read_declared()
    message = str(err.value)
    assert "is not the 2008 edition (iom-rcp-matrix-2008)" in message and "sources.csv" in message
    assert source.document().sha256 in message


def test_the_declared_source_is_read(home):
    assert source.read_declared().sha256 == source.document().sha256


def test_another_edition_is_read_once_declared(home):
    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    path.write_text(_cut_tail(path.read_text(encoding="utf-8")), encoding="utf-8")
    table = home / "data" / "reference" / "sources.csv"
    declared = hashlib.sha256(path.read_bytes()).hexdigest()
    table.write_text(table.read_text(encoding="utf-8").replace(source.document().sha256, declared), encoding="utf-8")
    source._documents.cache_clear()
    assert source.read_declared().sha256 == declared


def test_a_removed_region_header_is_an_error_not_a_process_moved(home):
    from rcpkg import knowledge_base
    from rcpkg.errors import ResolveError

    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    path.write_text(_region_row_removed(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ResolveError) as err:
        knowledge_base.extract_processes(path)
    message = str(err.value)
    assert message.startswith("row 10, column 'RCP': the process stands under the region header of row 4")
    assert "processes.csv places it in americas-and-caribbean" in message and "Puebla Process" in message


def test_a_removed_cont_row_is_reported_with_the_cell_it_leaves_incomplete(home):
    from rcpkg import knowledge_base
    from rcpkg.errors import ResolveError

    path = home / "data" / "source" / "iom-rcp-matrix-2008.txt"
    path.write_text(_cont_row_removed(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ResolveError) as err:
        knowledge_base.extract_processes(path)
    message = str(err.value)
    assert message.startswith("row 6, column 'Governments': no '(Total: N)' in the governments of Budapest Process")
    assert message.endswith("Luxembourg, Macedonia (FYR), Malta, Moldova,'") and "'Budapest Process'" not in message
