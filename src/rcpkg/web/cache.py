"""The web layer's one cache abstraction, and its conditional requests (ETag, Last-Modified, 304).

``LRUCache``: least recently used out first, bounded in entries and in bytes, thread-safe. The loaded
knowledge base never changes, so an entry stays right for as long as the store it was made from: every key
holds ``store.data_hash``. ``Caches`` holds one cache per kind of thing, per application (``create_app``
makes them; ``rcpkg.web.context.caches()`` hands them out): query results, documents, pages and pictures,
page indexes, search indexes, graph sizes.

Conditional requests go through werkzeug: ``etag(*parts)`` names a representation, ``not_modified``
(``werkzeug.http.is_resource_modified``) answers before any work is done, ``conditional`` sets the
validators and lets ``Response.make_conditional`` turn a 200 into a 304 (or a 206 for ranges).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Generic, TypeVar

from flask import Request, Response
from werkzeug.http import http_date, is_resource_modified, quote_etag

from rcpkg.config import Config

V = TypeVar("V")


class LRUCache(Generic[V]):
    """Least-recently-used cache bounded by ``max_entries`` and by ``max_bytes`` of values as ``size``
    measures them (``len`` by default); a value larger than ``max_item_bytes`` is not kept."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int = 1 << 62,
        size: Callable[[V], int] = len,  # type: ignore[assignment]
        max_item_bytes: int | None = None,
    ):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.max_item_bytes = max_bytes if max_item_bytes is None else max_item_bytes
        self._size = size
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}  # a lock per key being made
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: V) -> None:
        size = self._size(value)
        if size > self.max_item_bytes or self.max_entries == 0:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value of ``key``, made and kept on a miss. Concurrent misses of one key wait for the one
        thread that makes it (an index or a page is made once, not once per waiting request); other keys are not
        held up."""
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        try:
            with making:
                found = self.get(key)
                if found is None:
                    found = make()
                    self.put(key, found)
        finally:
            with self._lock:
                self._making.pop(key, None)
        return found

    def __len__(self) -> int:
        return len(self._items)


def _one(_value: object) -> int:
    return 0


class Caches:
    """The caches of one application, sized from its configuration (results: ``cache``, ``cache_entries``,
    ``cache_bytes``; the others are small and fixed)."""

    def __init__(self, config: Config):
        self.results: LRUCache | None = (
            LRUCache(config.cache_entries, config.cache_bytes, _body_size, config.cache_bytes // 4)
            if config.cache
            else None
        )
        self.documents: LRUCache[bytes] = LRUCache(2048, 64 << 20, len, (64 << 20) // 8)
        self.pages: LRUCache[str] = LRUCache(64, 32 << 20)
        self.indexes: LRUCache = LRUCache(4, size=_one)
        self.sizes: LRUCache[int] = LRUCache(256, size=_one)


def _body_size(item: object) -> int:
    return len(item.body)  # type: ignore[attr-defined]


def etag(*parts: str, length: int = 32) -> str:
    """An entity tag naming a representation: a digest of ``parts`` (the store's data hash among them)."""
    return hashlib.sha256(" ".join(parts).encode("utf-8")).hexdigest()[:length]


def validator_headers(tag: str | None, last_modified: datetime | None, max_age: int) -> list[tuple[str, str]]:
    """Vary, and the validators and Cache-Control of a cacheable answer (``no-store`` without ``tag``), as
    header pairs: the result cache's fast path writes them without a response object."""
    headers = [("Vary", "Accept, Accept-Encoding")]
    if tag:
        headers.append(("ETag", quote_etag(tag)))
        if last_modified is not None:
            headers.append(("Last-Modified", http_date(last_modified)))
        headers.append(("Cache-Control", f"public, max-age={max_age}"))
    else:
        headers.append(("Cache-Control", "no-store"))
    return headers


def not_modified(request: Request, tag: str, last_modified: datetime | None) -> bool:
    """True when the request's If-None-Match / If-Modified-Since show the client holds this version."""
    return not is_resource_modified(request.environ, etag=tag, last_modified=last_modified)


def validators(response: Response, tag: str, last_modified: datetime | None) -> Response:
    """``ETag: tag`` and ``Last-Modified``, or no Last-Modified when the data states no date (werkzeug
    would write the current time for None)."""
    response.set_etag(tag)
    set_last_modified(response, last_modified)
    return response


def set_last_modified(response: Response, when: datetime | None) -> Response:
    if when is None:
        response.headers.pop("Last-Modified", None)
    else:
        response.last_modified = when
    return response


def conditional(response: Response, request: Request, tag: str, last_modified: datetime | None) -> Response:
    """The response with its validators, made conditional on the request (304 when the client has it)."""
    validators(response, tag, last_modified)
    return response.make_conditional(request)


def ranged(response: Response, environ: dict, tag: str | None, last_modified: datetime | None, length: int) -> Response:
    """A file's response with its validators (no ETag when ``tag`` is None), conditional on the request and
    answering byte ranges (206, 416)."""
    if tag:
        response.set_etag(tag)
    set_last_modified(response, last_modified)
    return response.make_conditional(environ, accept_ranges=True, complete_length=length)
