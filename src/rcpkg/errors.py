"""Errors a user can cause. The CLI prints them as one line; the web layer answers 4xx."""

from __future__ import annotations


class RcpkgError(Exception):
    """Base class: the message says what is wrong and what to fix."""


class SourceError(RcpkgError):
    """The source document is missing, truncated or malformed at a given row and column."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None, text: str | None = None):
        self.row, self.column, self.text = row, column, text
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        suffix = f": {text!r}" if text is not None else ""
        super().__init__(f"{prefix}{message}{suffix}")


class ResolveError(SourceError):
    """A name of the source does not resolve through the reference tables."""


class ReferenceTableError(RcpkgError):
    """A reference table is missing or malformed."""


class ValidationFailed(RcpkgError):
    """The knowledge base does not conform to the shapes."""


class QueryError(RcpkgError):
    """A SPARQL query is malformed or cannot be run."""


class DataError(RcpkgError):
    """An RDF file cannot be read (missing, unparsable)."""
