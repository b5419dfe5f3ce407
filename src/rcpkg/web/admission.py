"""How many queries one client may have evaluated at once by this process: ``max_client_queries``.

A client is the address its connection comes from (behind a proxy, every client has the proxy's address:
raise the limit or set it to 0 there). A query beyond the limit is answered 429 at once, with Retry-After,
and costs nothing else; the limit is per worker process, so a client has at most ``max_client_queries``
times the number of workers evaluated at once, and the other threads of every worker stay free for others.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class ClientOverLimit(Exception):
    """The client already has as many queries in evaluation here as one client may (429)."""


class ClientSlots:
    """Queries in evaluation per client address, in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit  # 0: no limit
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, client: str | None) -> Iterator[None]:
        """Hold one of ``client``'s slots while the block runs; ``ClientOverLimit`` when it has none left."""
        self.take(client)
        try:
            yield
        finally:
            self.give_back(client)

    def take(self, client: str | None) -> None:
        """Take one of ``client``'s slots (give it back with ``give_back``); ``ClientOverLimit`` when it has
        none left."""
        key = client or ""
        with self._lock:
            if self.limit and self._running[key] >= self.limit:
                raise ClientOverLimit(
                    f"this client already has {self.limit} queries running here, the most one client may; "
                    "send the next one when one of them has answered"
                )
            self._running[key] += 1

    def give_back(self, client: str | None) -> None:
        key = client or ""
        with self._lock:
            self._running[key] -= 1
            if not self._running[key]:
                del self._running[key]
