"""Reading the files a user hands the project (the matrix, a query, a Turtle or TriG file): bytes, UTF-8
text or an RDF graph, or one of the package's errors with a message that says which file and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from rcpkg.errors import DataError, RcpkgError

G = TypeVar("G")


def read_bytes(path: Path | str, error: type[RcpkgError], what: str) -> bytes:
    """The bytes of the file ``path`` (``what`` names it in messages: "source file", "query file")."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror}") from None


def read_utf8(path: Path | str, error: type[RcpkgError], what: str) -> str:
    """The text of the UTF-8 file ``path``."""
    return decode_utf8(read_bytes(path, error, what), f"{what} {path}", error)


def decode_utf8(data: bytes, name: str, error: type[RcpkgError]) -> str:
    """``data`` as UTF-8 text (a byte-order mark at its start dropped); ``error`` names the first byte that is
    not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{name} is not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 1]!r})") from None


def parse_rdf(graph: G, path: Path | str, format: str, what: str) -> G:
    """``graph`` (an rdflib Graph or Dataset) with the RDF file ``path`` parsed into it; ``DataError`` when
    the file is missing or not valid ``what`` ("Turtle", "TriG"), the parser's message on one line."""
    if Path(path).is_dir():
        raise DataError(f"{path} is a directory, not an RDF file")
    if not Path(path).is_file():
        raise DataError(f"{path} not found")
    try:
        graph.parse(path, format=format)  # type: ignore[attr-defined]
    except Exception as exc:  # rdflib's parsers raise many kinds of errors
        message = shorten(" ".join(str(exc).split()) or type(exc).__name__)
        raise DataError(f"{path}: not valid {what}: {message}") from None
    return graph


#: The longest message of a parser or a value quoted in one line of output; longer ones keep their start and end.
LONGEST_QUOTED = 300


def shorten(text: str, limit: int = LONGEST_QUOTED) -> str:
    """``text``, or its start and end around " ... " when it is longer than ``limit`` characters (a parser quotes
    the rest of a truncated file; a value can be a whole cell)."""
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"
