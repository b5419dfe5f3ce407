"""The reference-table readers (``rcpkg.tables``) and the checks of ``Reference.load``: a table that cannot be
read as its header says is an error naming the file and what to fix, never a traceback or a silent choice."""

from __future__ import annotations

import re
import shutil

import pytest

from rcpkg import paths, tables
from rcpkg.errors import ReferenceTableError
from rcpkg.reference import Reference


def table(tmp_path, text: str | bytes):
    path = tmp_path / "t.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("reader", [tables.read, tables.read_exact], ids=["read", "read_exact"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("key,role,role\na,b,c\n", "column(s) named twice in the header: role"),
        (b"key,role\ncaf\xe9,b\n", "is not UTF-8 text"),
        ("key,role\na\n", "line 2"),
    ],
    ids=["column-twice", "not-utf8", "short-row"],
)
def test_a_table_that_cannot_be_read_as_its_header_says_is_an_error(tmp_path, reader, content, message):
    with pytest.raises(ReferenceTableError, match=re.escape(message)):
        reader(table(tmp_path, content), ("key", "role"))


@pytest.mark.parametrize("reader", [tables.read, tables.read_exact], ids=["read", "read_exact"])
def test_a_directory_or_a_missing_file_is_an_error(tmp_path, reader):
    with pytest.raises(ReferenceTableError, match="cannot read reference table .*Is a directory"):
        reader(tmp_path, ("key",))
    with pytest.raises(ReferenceTableError, match="reference table not found"):
        reader(tmp_path / "none.csv", ("key",))


@pytest.mark.parametrize("reader", [tables.read, tables.read_exact], ids=["read", "read_exact"])
def test_a_byte_order_mark_and_blank_lines_are_read_through(tmp_path, reader):
    rows = reader(table(tmp_path, "\ufeffkey,role\na,b\n\nc,d\n"), ("key", "role"))
    assert [(n, r["key"]) for n, r in rows] == [(2, "a"), (4, "c")]


def test_a_key_given_twice_in_a_reference_table_is_an_error(tmp_path):
    folder = shutil.copytree(paths.reference_dir(), tmp_path / "reference")
    organizations = folder / "organizations.csv"
    lines = organizations.read_text(encoding="utf-8").splitlines()
    iom = next(line for line in lines if line.startswith("iom,"))
    organizations.write_text("\n".join([*lines, iom]) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceTableError, match=r"organizations.csv, line \d+: key iom given twice"):
        Reference.load(folder)
