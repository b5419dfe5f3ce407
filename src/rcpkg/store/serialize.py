"""Serialisation of query results to a format the caller chose (``rcpkg.formats``), with the row limit and
the guards that keep XML answers well-formed."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.parsers import expat

import pyoxigraph as ox

from rcpkg.dump import prefixes_of
from rcpkg.formats import GRAPHS, RESULTS, Format
from rcpkg.namespaces import PREFIXES
from rcpkg.store.errors import NotAcceptable
from rcpkg.store.inspect import ASK, CONSTRUCT, DESCRIBE, SELECT


@dataclass(frozen=True)
class Answer:
    """A serialised query result."""

    body: bytes
    media_type: str  # without parameters; the Content-Type adds "; charset=utf-8"
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    rows: int | None = None  # solutions (SELECT) or triples (CONSTRUCT / DESCRIBE); None for ASK
    truncated: bool = False  # True when max_rows cut the result


def _results_format(fmt: Format, form: str) -> ox.QueryResultsFormat:
    if fmt.results is None:
        raise NotAcceptable(
            f"{fmt.media_type} cannot express a {form} result", available=[f.media_type for f in RESULTS]
        )
    return fmt.results


def boolean(result: ox.QueryBoolean, fmt: Format) -> Answer:
    return Answer(result.serialize(format=_results_format(fmt, ASK)), fmt.media_type, ASK)


class _Enough(Exception):
    """Raised into the engine's writer once the row limit is passed: the writing, and the evaluation that
    feeds it, stop there."""


class _RowSink(io.RawIOBase):
    """Where the engine writes SPARQL TSV (one line per solution, after a header line; newlines inside
    values are escaped): keeps what it is given until more than ``max_rows`` solutions have come."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.limit = max_rows
        self.lines = 0
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - a bytes-like object
        chunk = bytes(data)
        self.parts.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit + 1:
            raise _Enough
        return len(chunk)


def solutions(result: ox.QuerySolutions, fmt: Format, max_rows: int | None) -> Answer:
    """SELECT results in ``fmt``, at most ``max_rows`` of them. With a limit, the engine writes SPARQL TSV into
    a sink that stops it once the limit is passed, so solutions beyond it are never computed, held or
    written; the TSV (lossless) is cut at the limit and the engine's own reader and writer turn it into
    ``fmt``."""
    kind = _results_format(fmt, SELECT)
    if max_rows is None:
        body = result.serialize(format=kind)
        rows, truncated = None, False
    else:
        sink = _RowSink(max_rows)
        try:
            result.serialize(sink, format=ox.QueryResultsFormat.TSV)
        except _Enough:
            pass
        lines = b"".join(sink.parts).split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        truncated = len(lines) - 1 > max_rows
        lines = lines[: max_rows + 1]
        rows = len(lines) - 1
        tsv = b"\n".join(lines) + b"\n"
        if kind is ox.QueryResultsFormat.TSV:
            body = tsv
        else:
            body = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=kind)
    if kind is ox.QueryResultsFormat.XML:
        _check_xml_characters(body, fmt, RESULTS)
    return Answer(body, fmt.media_type, SELECT, rows, truncated)


def triples(form: str, result: ox.QueryTriples, fmt: Format, max_rows: int | None) -> Answer:
    """CONSTRUCT or DESCRIBE results in ``fmt``, at most ``max_rows`` triples, declaring only the project's
    prefixes they use."""
    if fmt.rdf is None or fmt not in GRAPHS:
        raise NotAcceptable(f"{fmt.media_type} cannot express a graph", available=[f.media_type for f in GRAPHS])
    form = DESCRIBE if form == DESCRIBE else CONSTRUCT
    found = []
    truncated = False
    for triple in result:
        if max_rows is not None and len(found) >= max_rows:
            truncated = True
            break
        found.append(triple)
    if fmt.rdf is ox.RdfFormat.N_TRIPLES:
        body = ox.serialize(found, format=fmt.rdf)
    else:
        body = ox.serialize(found, format=fmt.rdf, prefixes=_used_prefixes(found))
    if fmt.rdf is ox.RdfFormat.RDF_XML:
        _check_rdf_xml(found, body, fmt)
    return Answer(body, fmt.media_type, form, len(found), truncated)


# Characters XML 1.0 cannot hold, not even as character references (C0 controls other than tab, line feed
# and carriage return; U+FFFE, U+FFFF), as UTF-8 bytes.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")

# An XML NCName: pyoxigraph writes a predicate as an element named by the longest NCName ending its IRI.
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_END = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*$")


def _others(fmt: Format, group: Sequence[Format]) -> list[str]:
    return [f.media_type for f in group if f is not fmt]


def _check_xml_characters(body: bytes, fmt: Format, group: Sequence[Format]) -> None:
    """NotAcceptable when ``body`` holds a character XML 1.0 cannot represent (it would not parse)."""
    found = _NOT_XML.search(body)
    if found is not None:
        char = found.group().decode("utf-8")
        others = _others(fmt, group)
        raise NotAcceptable(
            f"the result holds the character U+{ord(char):04X}, which XML 1.0 cannot represent, so it cannot be "
            f"written as {fmt.media_type}; ask for {', '.join(others)}",
            available=others,
        )


def _check_rdf_xml(found: Sequence[ox.Triple], body: bytes, fmt: Format) -> None:
    """NotAcceptable when the RDF/XML of ``found`` would not be well-formed XML: a predicate whose IRI
    does not end in an XML name (``http://example.org/1``) has no element name in RDF/XML, and some
    characters have no XML representation."""
    others = _others(fmt, GRAPHS)
    for predicate in sorted({t.predicate.value for t in found}):
        if not _NAME_END.search(predicate):
            raise NotAcceptable(
                f"RDF/XML cannot write the predicate <{predicate}>: its IRI does not end in a name an XML element "
                f"can have; ask for {', '.join(others)}",
                available=others,
            )
    _check_xml_characters(body, fmt, GRAPHS)
    # Last guard: anything else the writer could get wrong is caught by a namespace-aware XML parser.
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise NotAcceptable(
            f"the result cannot be written as well-formed RDF/XML ({exc}); ask for {', '.join(others)}",
            available=others,
        ) from None


def _used_prefixes(found: Sequence[ox.Triple]) -> dict[str, str]:
    """The project's prefixes that some IRI of ``found`` starts with (documents name no others)."""
    iris = (
        term.value if isinstance(term, ox.NamedNode) else term.datatype.value
        for t in found
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode | ox.Literal)
    )
    return prefixes_of(iris, {p: str(ns) for p, ns in PREFIXES.items()})
