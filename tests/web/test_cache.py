"""The web layer's cache (``rcpkg.web.cache.LRUCache``) and its conditional-request helpers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from flask import Flask, Response, request

from rcpkg.web.cache import LRUCache, conditional, etag, validator_headers


def test_least_recently_used_goes_first_when_entries_overflow():
    cache: LRUCache[bytes] = LRUCache(max_entries=2, max_bytes=100)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # a is now the most recent
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    assert len(cache) == 2


def test_bytes_bound_evicts_and_large_values_are_not_kept():
    cache: LRUCache[bytes] = LRUCache(max_entries=10, max_bytes=10, max_item_bytes=6)
    cache.put("big", b"x" * 7)
    assert cache.get("big") is None
    cache.put("a", b"x" * 5)
    cache.put("b", b"x" * 5)
    cache.put("c", b"x" * 5)  # 15 bytes: a goes
    assert cache.get("a") is None and cache.get("b") and cache.get("c")
    cache.put("b", b"y")  # replacing counts the new size only, and makes b the most recent
    cache.put("d", b"x" * 4)  # 10 bytes: all stay
    assert cache.get("b") == b"y" and cache.get("c") and cache.get("d")
    cache.put("e", b"x")  # 11 bytes: the least recent (b) goes
    assert cache.get("b") is None and cache.get("c") and cache.get("e")


def test_zero_entries_keeps_nothing_and_counts_hits_and_misses():
    cache: LRUCache[bytes] = LRUCache(max_entries=0)
    cache.put("a", b"1")
    assert cache.get("a") is None
    counted: LRUCache[bytes] = LRUCache(4)
    counted.put("a", b"1")
    counted.get("a")
    counted.get("b")
    assert (counted.hits, counted.misses) == (1, 1)


def test_get_or_make_makes_once_and_is_safe_across_threads():
    cache: LRUCache[str] = LRUCache(8, size=lambda _: 1)
    made = []
    assert cache.get_or_make("k", lambda: made.append(1) or "v") == "v"
    assert cache.get_or_make("k", lambda: made.append(1) or "w") == "v"
    assert made == [1]

    def work(n: int) -> None:
        for i in range(500):
            cache.put((n, i % 20), str(i))
            cache.get((n, (i + 1) % 20))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 8


def test_concurrent_misses_of_one_key_make_it_once():
    cache: LRUCache[str] = LRUCache(8, size=lambda _: 1)
    made = []
    started = threading.Barrier(8)

    def make() -> str:
        made.append(1)
        threading.Event().wait(0.2)  # a slow index: the other threads arrive while it is made
        return "index"

    def request() -> None:
        started.wait()
        assert cache.get_or_make("index", make) == "index"

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1]


def test_conditional_answers_304_for_the_same_etag_and_date():
    app = Flask(__name__)
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    tag = etag("data-hash", "/doc/x.ttl")

    @app.route("/")
    def view():
        return conditional(Response("body"), request, tag, when)

    client = app.test_client()
    first = client.get("/")
    assert first.status_code == 200 and first.headers["ETag"] == f'"{tag}"'
    assert first.headers["Last-Modified"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert client.get("/", headers={"If-None-Match": f'"{tag}"'}).status_code == 304
    assert client.get("/", headers={"If-None-Match": f'W/"{tag}"'}).status_code == 304
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/", headers={"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT"}).status_code == 304
    assert client.get("/", headers={"If-Modified-Since": "Tue, 30 Apr 2024 12:00:00 GMT"}).status_code == 200


def test_validator_headers_without_a_tag_say_no_store():
    assert ("Cache-Control", "no-store") in validator_headers(None, None, 60)
    headers = dict(validator_headers("abc", None, 60))
    assert headers["ETag"] == '"abc"' and "Last-Modified" not in headers
    assert headers["Cache-Control"] == "public, max-age=60"
