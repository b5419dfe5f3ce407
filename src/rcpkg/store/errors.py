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

    def __reduce__(self):  # pickled from an evaluator process to its caller, reason and all
        return (type(self), (str(self), self.reason))


class NotAcceptable(QueryError):
    """None of the requested media types can express the result of this query form."""

    def __init__(self, message: str, available: Sequence[str] = ()):
        self.available = tuple(available)
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (str(self), self.available))


class QueryTimeout(QueryError):
    """The query ran longer than the configured timeout and was abandoned."""


class QueryTooComplex(QueryError):
    """The query nests brackets deeper than the limit, or is too long to evaluate without risking the
    engine's stack."""


class QueryBusy(QueryError):
    """Every query evaluator this process may use stayed busy while the query waited for one, or the client
    already has as many queries running as one client may."""


class QueryCrashed(QueryError):
    """The query's evaluator ended without answering: the query needed more memory than one query may use,
    or crashed the engine. Only that query is lost."""
