"""Answers of the SPARQL endpoint as they are cached and sent: the cached item, its key, its headers (the
same on Flask's path and on the cache's fast path) and the HTML page of results."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import render_template

from rcpkg.config import Config
from rcpkg.formats import GRAPHS, HTML, RESULTS
from rcpkg.store import ASK, SELECT, Answer, Store
from rcpkg.web.cache import validator_headers
from rcpkg.web.context import is_web_iri

CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-SPARQL-Truncated, X-SPARQL-Max-Rows, X-Cache",
    "Access-Control-Max-Age": "86400",
}


@dataclass(frozen=True)
class Cached:
    body: bytes
    media_type: str
    truncated: bool
    rows: int | None
    gzipped: bool = False  # body is gzip-compressed


def cache_key(
    store: Store,
    config: Config,
    text: str,
    default_graphs: list[str],
    named_graphs: list[str],
    media_type: str,
    base: str,
) -> str:
    """The key of an answer in the result cache (its first 40 characters are the answer's ETag); ``base`` is
    the IRI the query's relative IRIs resolve against (the endpoint's)."""
    h = hashlib.sha256()
    parts = (store.data_hash, str(config.max_rows), media_type, base, text, *default_graphs, "|", *named_graphs)
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def etag_of(key: str) -> str:
    return key[:40]


def response_headers(
    item: Cached, etag: str | None, store: Store, config: Config, gzipped: bool, cache_state: str | None
) -> list[tuple[str, str]]:
    """Headers of a 200 answer (the same on Flask's path and on the cache's fast path)."""
    headers = [("Content-Type", f"{item.media_type}; charset=utf-8")]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    if item.truncated:
        headers += [("X-SPARQL-Truncated", "true"), ("X-SPARQL-Max-Rows", str(config.max_rows))]
    if cache_state:
        headers.append(("X-Cache", cache_state))
    headers += validator_headers(etag, store.last_modified, config.max_age)
    headers.append(("Access-Control-Allow-Origin", config.cors_origin))
    headers += list(CORS_HEADERS.items())
    return headers


def render_html(answer: Answer, text: str, config: Config) -> str:
    """The HTML page of an answer (the answer was written as SPARQL JSON results, or Turtle for graphs)."""
    group = RESULTS if answer.form in (SELECT, ASK) else GRAPHS
    context = {
        "query": text,
        "formats": [HTML.name, *(f.name for f in group)],
        "truncated": answer.truncated,
        "max_rows": config.max_rows,
    }
    if answer.form == ASK:
        return render_template("sparql_results.html", kind="ask", boolean=json.loads(answer.body)["boolean"], **context)
    if answer.form == SELECT:
        data = json.loads(answer.body)
        for row in data["results"]["bindings"]:
            for term in row.values():
                term["link"] = term["type"] == "uri" and is_web_iri(term["value"])
        return render_template(
            "sparql_results.html", kind="select", vars=data["head"]["vars"], rows=data["results"]["bindings"], **context
        )
    return render_template("sparql_results.html", kind="graph", graph=answer.body.decode("utf-8"), **context)
