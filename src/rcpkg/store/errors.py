"""The store's errors, all ``rcpkg.errors.QueryError``; the web layer maps them to statuses."""

from __future__ import annotations

from collections.abc import Sequence

from rcpkg.errors import QueryError


class QueryRefused(QueryError):
    """The query is well-formed but not allowed here: an update, SERVICE to an address not allow-listed,
    or FROM / FROM NAMED / default-graph-uri / named-graph-uri naming a graph this dataset does not hold."""

    def __init__(self, message: str, reason: str = "policy"):
        self.reason = reason  # "update" | "service" | "graph" | "size"
        super().__init__(message)


class NotAcceptable(QueryError):
    """None of the requested media types can express the result of this query form."""

    def __init__(self, message: str, available: Sequence[str] = ()):
        self.available = tuple(available)
        super().__init__(message)


class QueryTimeout(QueryError):
    """The query ran longer than the configured timeout and was abandoned."""


class QueryTooComplex(QueryError):
    """The query nests brackets deeper than the limit, or is too long to evaluate without risking the
    engine's stack."""
