"""Plain ``GET /sparql`` requests answered before Flask's request machinery.

- ``CacheFastPath`` (WSGI middleware, and ``answer`` for the server's event loop): a result-cache hit costs a
  dictionary look-up, not a request object.
- ``early`` (the server's event loop, ``rcpkg.web.gateway``): a plain query that misses the cache is handed
  to an idle query evaluator from the event loop itself, so no thread waits while it is evaluated, and its
  answer is made by the protocol view's own functions (``rcpkg.web.protocol``): the same bytes and headers.
  A refusal found on the way (429, 503, a query the engine refuses) is rendered by the view, through
  ``OUTCOME``, as if it had found it itself.

Anything this module is not sure of (conditional requests, ``format=``, HTML, SERVICE, a parameter it does not
know, a query the store's check refuses, no idle evaluator) goes to Flask, which gives the same answer with
the same headers (``rcpkg.web.results.response_headers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from rcpkg.config import Config
from rcpkg.errors import QueryError
from rcpkg.formats import HTML, Format
from rcpkg.store import FORMS, NotAcceptable, QueryInfo, QueryRefused, Store
from rcpkg.web.admission import ClientSlots
from rcpkg.web.cache import LRUCache
from rcpkg.web.context import OUTCOME, SecurityHeaders, endpoint_iri
from rcpkg.web.negotiation import accepts_gzip, for_query
from rcpkg.web.results import Cached, cache_key, etag_of, response_headers


@dataclass(frozen=True)
class Plain:
    """A plain GET of a query: what the protocol view would read from it."""

    text: str
    default_graphs: list[str]
    named_graphs: list[str]
    info: QueryInfo
    format: Format
    base: str
    key: str | None  # in the result cache (deterministic queries only)
    gz: bool


class CacheFastPath:
    _KNOWN = frozenset({"query", "default-graph-uri", "named-graph-uri"})

    def __init__(self, wsgi_app, store: Store, config: Config, cache: LRUCache | None, slots: ClientSlots):
        self.wsgi_app, self.store, self.config, self.cache, self.slots = wsgi_app, store, config, cache, slots

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
        if self.cache is None:
            return None
        plain = self.plain(environ)
        return None if plain is None else self._hit(plain)

    def plain(self, environ) -> Plain | None:
        """The request read as the protocol view reads it, when it is a plain GET of a query the store
        accepts; None otherwise."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != "/sparql"
            or "HTTP_IF_NONE_MATCH" in environ
            or "HTTP_IF_MODIFIED_SINCE" in environ
        ):
            return None
        try:
            params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if not params.keys() <= self._KNOWN or len(params.get("query", ())) != 1:
            return None
        text = params["query"][0]
        if len(text.encode("utf-8")) > self.config.max_query_bytes or not text.strip():
            return None
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        try:
            info = self.store.check(text, default_graphs, named_graphs, self.config.service_allowlist)
        except (QueryError, QueryRefused):
            return None  # Flask answers it (400, 403, 413)
        if info.form not in FORMS or info.services:
            return None
        try:
            fmt = for_query(info.form, environ.get("HTTP_ACCEPT"))
        except (NotAcceptable, ValueError):
            return None
        if fmt is HTML:
            return None
        base = endpoint_iri(self.config, environ)
        key = (
            cache_key(self.store, self.config, text, default_graphs, named_graphs, fmt.media_type, base)
            if info.deterministic
            else None
        )
        gz = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        return Plain(text, default_graphs, named_graphs, info, fmt, base, key, gz)

    def _hit(self, plain: Plain) -> tuple[list[tuple[str, str]], bytes] | None:
        if self.cache is None or plain.key is None:
            return None
        item = self.cache.get(plain.key + (":gz" if plain.gz else ""))
        if item is None:
            return None
        headers = response_headers(item, etag_of(plain.key), self.store, self.config, item.gzipped, "hit")
        headers.append(("Content-Length", str(len(item.body))))
        return headers, item.body

    async def early(self, environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The answer to a plain query (a cache hit, or evaluated now by an idle evaluator), as the WSGI path
        would give it, or None: then the WSGI application answers (with ``OUTCOME`` set when a refusal was
        found here)."""
        from rcpkg.web.protocol import REFUSALS, answered, kept, refusal

        plain = self.plain(environ)
        if plain is None:
            return None
        hit = self._hit(plain)
        if hit is not None:
            headers, body = hit
            return "200 OK", SecurityHeaders.secure(headers), body
        client = environ.get("REMOTE_ADDR")
        config = self.config
        try:
            self.slots.take(client)
            try:
                answer = await self.store.execute_async(
                    plain.text,
                    plain.format,
                    plain.default_graphs,
                    plain.named_graphs,
                    max_rows=config.max_rows,
                    timeout=config.query_timeout,
                    info=plain.info,
                    base_iri=plain.base,
                )
            finally:
                self.slots.give_back(client)
        except REFUSALS as exc:
            refused = refusal(exc, config)
            environ[OUTCOME] = (refused.status, refused.message, refused.headers)
            return None
        if answer is None:
            return None  # no evaluator idle: a thread waits for one
        item = kept(
            Cached(answer.body, answer.media_type, answer.truncated, answer.rows),
            config,
            plain.gz,
            self.cache,
            plain.key,
        )
        etag = etag_of(plain.key) if plain.key else None
        response = answered(item, etag, self.store, config, "miss" if self.cache is not None and plain.key else None)
        return "200 OK", SecurityHeaders.secure(list(response.headers.items())), item.body
