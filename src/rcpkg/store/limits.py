"""The limits of query evaluation and their defaults (the store owns them; ``rcpkg.config`` reads them from
here and lets the server's operator change them)."""

from __future__ import annotations

from dataclasses import dataclass

#: Defaults, also used when no configuration is at hand (``rcpkg query``, notebooks).
QUERY_TIMEOUT = 20.0
MAX_ROWS = 100000  # seven times the dataset's quads: clients that page through everything see it whole
MAX_QUERY_BYTES = 131072  # 128 KiB: a VALUES list of a few thousand IRIs is an ordinary query
MAX_QUERY_DEPTH = 128
MAX_QUERY_MEMORY = 1024 * 1024 * 1024
EVALUATORS = 4


@dataclass(frozen=True)
class Limits:
    query_timeout: float = QUERY_TIMEOUT  # seconds before a query is abandoned
    max_rows: int = MAX_ROWS  # solutions or triples written at most
    max_query_bytes: int = MAX_QUERY_BYTES  # the query threads' stacks are sized for queries this long
    max_query_depth: int = MAX_QUERY_DEPTH  # deepest nesting of { ( [ accepted
    max_query_memory: int = MAX_QUERY_MEMORY  # bytes of memory one query's evaluation may add
    evaluators: int = EVALUATORS  # queries evaluated at once for one process (each in a process of its own)
