"""WSGI middleware that answers ``GET /sparql`` from the result cache without Flask's request machinery (a
cache hit costs a dictionary look-up, not a request object). Anything it is not sure of (conditional
requests, ``format=``, a miss, a parameter it does not know) goes to Flask, which gives the same answer with
the same headers (``rcpkg.web.results.response_headers``)."""

from __future__ import annotations

from urllib.parse import parse_qs

from rcpkg.config import Config
from rcpkg.errors import QueryError
from rcpkg.store import FORMS, NotAcceptable, Store
from rcpkg.web.cache import LRUCache
from rcpkg.web.context import endpoint_iri
from rcpkg.web.negotiation import accepts_gzip, for_query
from rcpkg.web.results import cache_key, etag_of, response_headers


class CacheFastPath:
    _KNOWN = frozenset({"query", "default-graph-uri", "named-graph-uri"})

    def __init__(self, wsgi_app, store: Store, config: Config, cache: LRUCache | None):
        self.wsgi_app, self.store, self.config, self.cache = wsgi_app, store, config, cache

    def __call__(self, environ, start_response):
        hit = self.answer(environ)
        if hit is not None:
            headers, body = hit
            start_response("200 OK", headers)
            return [body]
        return self.wsgi_app(environ, start_response)

    def answer(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        """The headers and body of a cache hit for this request, or None (Flask answers it). Never blocks:
        the server calls it on its event loop (``rcpkg.web.gateway``)."""
        if (
            self.cache is not None
            and environ.get("REQUEST_METHOD") == "GET"
            and environ.get("PATH_INFO") == "/sparql"
            and "HTTP_IF_NONE_MATCH" not in environ
            and "HTTP_IF_MODIFIED_SINCE" not in environ
        ):
            hit = self._lookup(environ)
            if hit is not None:
                headers, body = hit
                headers.append(("Content-Length", str(len(body))))
                return headers, body
        return None

    def _lookup(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        assert self.cache is not None
        try:
            params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if not params.keys() <= self._KNOWN or len(params.get("query", ())) != 1:
            return None
        text = params["query"][0]
        if len(text) > self.config.max_query_bytes:
            return None
        try:
            info = self.store.inspect(text)
        except QueryError:
            return None  # Flask answers it (400)
        if not info.deterministic or info.form not in FORMS:
            return None
        try:
            fmt = for_query(info.form, environ.get("HTTP_ACCEPT"))
        except NotAcceptable:
            return None
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        base = endpoint_iri(self.config, environ)
        key = cache_key(self.store, self.config, text, default_graphs, named_graphs, fmt.media_type, base)
        gz = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        item = self.cache.get(key + (":gz" if gz else ""))
        if item is None:
            return None
        return response_headers(item, etag_of(key), self.store, self.config, item.gzipped, "hit"), item.body
