"""Server configuration: defaults, a TOML file, and ``RCPKG_*`` environment variables (in that order of
precedence, the environment winning).

Every setting (TOML key = field name; environment variable = ``RCPKG_`` + upper-case name):

================== ========================= =================================================================
key                default                   meaning
================== ========================= =================================================================
base_iri           https://w3id.org/rcpkg/   IRI base of the data (the dataset's IRIs are minted under it)
public_url         (from the request)        where the server is reachable, e.g. https://rcp.example.org/;
                                             used in the service description, VoID and dump links
dataset            data/dumps/rcp.trig       the TriG file the store loads
query_timeout      20                        seconds before a query is stopped (answered 503)
max_rows           100000                    solutions / triples written at most; more: header
                                             ``X-SPARQL-Truncated: true``
max_query_bytes    131072                    longest query text accepted (longer: 413)
max_query_depth    128                       deepest nesting of { ( [ accepted in a query (deeper: 400)
max_query_memory   1073741824                bytes of memory one query's evaluation may add (more: 503)
max_client_queries 2                         queries of one client address evaluated at once by one
                                             worker process (more: 429); 0 for no limit
cache              true                      result cache on or off
cache_entries      2048                      cache size in entries, per worker process
cache_bytes        67108864                  cache size in bytes of bodies, per worker process
max_age            60                        ``Cache-Control: max-age`` of query results, seconds
service_allowlist  (none)                    SERVICE endpoints queries may call (space- or comma-separated
                                             in the environment, a list in TOML); all others: 403
cors_origin        *                         ``Access-Control-Allow-Origin`` of the endpoint and dumps
gzip_min_bytes     1024                      responses at least this long are gzipped when accepted
workers            2 x cores                 worker processes (``rcpkg serve --workers`` wins)
threads            4                         threads per worker process, and query evaluators per worker
store              auto                      ``memory`` (parse the dataset at start), ``disk`` (the on-disk
                                             store made from it once, opened read-only by every process)
                                             or ``auto``: disk above 64 MiB of dataset file
                                             (``rcpkg.store.disk``)
================== ========================= =================================================================

The defaults of the query limits are the store's (``rcpkg.store.limits``).
The TOML file is ``$RCPKG_CONFIG`` if set, else none; keys may also sit under a ``[server]`` table.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from rcpkg import paths
from rcpkg.errors import RcpkgError
from rcpkg.namespaces import BASE
from rcpkg.store.disk import MODES
from rcpkg.store.limits import (
    MAX_QUERY_BYTES,
    MAX_QUERY_DEPTH,
    MAX_QUERY_MEMORY,
    MAX_ROWS,
    QUERY_TIMEOUT,
    Limits,
)


def _default_workers() -> int:
    return max(2, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Config:
    base_iri: str = BASE
    public_url: str | None = None
    dataset: Path = field(default_factory=paths.dataset_file)
    query_timeout: float = QUERY_TIMEOUT
    max_rows: int = MAX_ROWS
    max_query_bytes: int = MAX_QUERY_BYTES
    max_query_depth: int = MAX_QUERY_DEPTH
    max_query_memory: int = MAX_QUERY_MEMORY
    max_client_queries: int = 2
    cache: bool = True
    cache_entries: int = 2048
    cache_bytes: int = 64 * 1024 * 1024
    max_age: int = 60
    service_allowlist: tuple[str, ...] = ()
    cors_origin: str = "*"
    gzip_min_bytes: int = 1024
    workers: int = field(default_factory=_default_workers)
    threads: int = 4
    store: str = "auto"

    @property
    def limits(self) -> Limits:
        """The store's limits as configured."""
        return Limits(
            query_timeout=self.query_timeout,
            max_rows=self.max_rows,
            max_query_bytes=self.max_query_bytes,
            max_query_depth=self.max_query_depth,
            max_query_memory=self.max_query_memory,
            evaluators=self.threads,
        )

    def with_overrides(self, **changes: object) -> Config:
        """A copy with some settings changed (values given as Python values or as strings)."""
        return replace(self, **{k: _convert(k, v) for k, v in changes.items()})


_TYPES = {f.name: f.type for f in fields(Config)}
_POSITIVE = ("workers", "threads", "max_query_bytes", "max_query_depth", "max_query_memory")


def _convert(name: str, value: object) -> object:
    if name not in _TYPES:
        raise RcpkgError(f"unknown setting {name!r}; settings: {', '.join(_TYPES)}")
    kind = _TYPES[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if kind == "int":
            number = int(value)  # type: ignore[arg-type]
            if number < 0 or (
                number == 0 and name in ("workers", "threads", "max_query_bytes", "max_query_depth", "max_query_memory")
            ):
                raise ValueError("expected a positive integer")
            return number
        if kind == "float":
            number = float(value)  # type: ignore[arg-type]
            if number <= 0:
                raise ValueError("expected a positive number of seconds")
            return number
        if kind == "Path":
            return Path(str(value))
        if kind == "tuple[str, ...]":
            if isinstance(value, str):
                items = value.replace(",", " ").split()
            else:
                items = [str(v) for v in value]  # type: ignore[union-attr]
            return tuple(items)
        if kind == "str | None":
            return str(value) if value not in (None, "") else None
        if name == "store" and str(value) not in MODES:
            raise ValueError(f"expected one of {', '.join(MODES)}")
        if name in ("base_iri",) and not str(value).endswith(("/", "#")):
            raise ValueError("an IRI base ends with / or #")
        return str(value)
    except (TypeError, ValueError) as exc:
        raise RcpkgError(f"setting {name}: {exc} (got {value!r})") from None


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the TOML file (``path`` or ``$RCPKG_CONFIG``), then ``RCPKG_*`` variables."""
    environ = os.environ if environ is None else environ
    config = Config()
    path = path or environ.get("RCPKG_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except FileNotFoundError:
            raise RcpkgError(f"{path}: configuration file not found") from None
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise RcpkgError(f"{path}: not a valid TOML file: {exc}") from None
        table = {**{k: v for k, v in table.items() if not isinstance(v, dict)}, **table.get("server", {})}
        config = config.with_overrides(**table)
    changes = {}
    for name in _TYPES:
        key = "RCPKG_" + name.upper()
        if key in environ:
            changes[name] = environ[key]
    return config.with_overrides(**changes) if changes else config
