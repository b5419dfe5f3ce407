"""``/sparql``: the SPARQL 1.1 Protocol (query operation), read-only.

Requests: GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``), POST
``application/sparql-query`` (the body); ``default-graph-uri`` and ``named-graph-uri`` (repeatable);
``format=`` (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, html, or a media type) overrides Accept.

Statuses: 200; 304 (If-None-Match / If-Modified-Since); 400 malformed query, a query the engine refuses to
evaluate (a function or cast it does not implement), missing or repeated ``query``, brackets nested deeper
than ``max_query_depth``, unknown graph, unknown ``format``, text that is not UTF-8; 403 SPARQL
Update (any route) and SERVICE not allow-listed; 405 other methods; 406 no acceptable format (also: a result
XML cannot hold, asked for as XML); 413 query longer than ``max_query_bytes``; 415 other POST bodies, a
charset other than UTF-8; 429 the client already has ``max_client_queries`` queries running in this worker;
503 query stopped at ``query_timeout`` or at ``max_query_memory``, or no evaluator free in time. GET without
``query`` answers the service description (``rcpkg.web.service_description``). Answers are cached
(``rcpkg.web.results``, ``rcpkg.web.fastpath``). Relative IRIs in a query resolve against the endpoint's IRI.
See docs/endpoint.md.
"""

from __future__ import annotations

import gzip

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from rcpkg.config import Config
from rcpkg.errors import QueryError
from rcpkg.formats import HTML, JSON, TURTLE, Format
from rcpkg.store import CONSTRUCT, DESCRIBE, FORMS, Answer, NotAcceptable, QueryInfo, QueryRefused, QueryTimeout, Store
from rcpkg.store.errors import QueryBusy, QueryCrashed
from rcpkg.web.admission import ClientOverLimit
from rcpkg.web.cache import not_modified, validator_headers
from rcpkg.web.context import OUTCOME, caches, client_slots, endpoint_iri, error_response, get_config, get_store
from rcpkg.web.negotiation import UnknownFormat, accepts_gzip, for_query
from rcpkg.web.results import CORS_HEADERS, Cached, cache_key, etag_of, render_html, response_headers
from rcpkg.web.service_description import service_description

bp = Blueprint("protocol", __name__)


class ProtocolError(Exception):
    """A request the protocol refuses, with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status, self.message, self.headers = status, message, headers or {}
        super().__init__(message)


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    if request.method == "OPTIONS":
        return _cors(Response(status=204))
    try:
        outcome = request.environ.get(OUTCOME)
        if outcome is not None:  # decided on the event loop (``rcpkg.web.fastpath``); rendered here
            raise ProtocolError(*outcome)
        response = _answer()
    except ProtocolError as exc:
        response = error_response(exc.status, exc.message, exc.headers)
    except HTTPException as exc:  # werkzeug's refusals while reading the request (text that is not UTF-8, ...)
        response = error_response(exc.code or 400, f"{exc.code} {exc.name}: {exc.description}")
    return _cors(response)  # a browser's client sees the message of every refusal, not a network error


def _refused(exc: QueryRefused) -> ProtocolError:
    return ProtocolError(403 if exc.reason in ("update", "service") else 400, str(exc))


def _answer() -> Response:
    config = get_config()
    store = get_store()
    params = _request_parameters(config)
    if params is None:
        return service_description(store, config)
    text, default_graphs, named_graphs, format_name = params

    try:
        info = store.check(text, default_graphs, named_graphs, config.service_allowlist)
    except QueryRefused as exc:
        raise _refused(exc) from None
    except QueryError as exc:
        raise ProtocolError(400, str(exc)) from None

    form = info.form if info.form in FORMS else ""
    fmt = _choose_format(form, format_name) if form else JSON
    base = endpoint_iri(config, request.environ)
    etag = key = None
    if info.deterministic:
        key = cache_key(store, config, text, default_graphs, named_graphs, fmt.media_type, base)
        etag = etag_of(key)
        if not_modified(request, etag, store.last_modified):
            response = Response(status=304)
            for name, value in validator_headers(etag, store.last_modified, config.max_age):
                response.headers[name] = value
            return response

    cache = caches().results if key else None
    gz = accepts_gzip(request.headers.get("Accept-Encoding"))
    if cache is not None and key is not None:
        hit = cache.get(key + (":gz" if gz else ""))
        if hit is not None:
            return _response(hit, etag, store, config, gzipped=hit.gzipped, cache_state="hit")

    answer = _execute(store, config, text, info, fmt, default_graphs, named_graphs, base)
    if fmt is HTML:
        item = Cached(render_html(answer, text, config).encode("utf-8"), HTML.media_type, answer.truncated, answer.rows)
    else:
        item = Cached(answer.body, answer.media_type, answer.truncated, answer.rows)
    item = kept(item, config, gz, cache, key)
    return _response(item, etag, store, config, gzipped=item.gzipped, cache_state="miss" if cache else None)


def kept(item: Cached, config: Config, gz: bool, cache, key: str | None) -> Cached:
    """``item`` gzipped when the client accepts it and it is long enough, and put in the result cache (when
    there is one and the answer is deterministic)."""
    compressed = gz and len(item.body) >= config.gzip_min_bytes
    if compressed:
        item = Cached(
            gzip.compress(item.body, compresslevel=5, mtime=0), item.media_type, item.truncated, item.rows, True
        )
    if cache is not None and key is not None:
        cache.put(key + (":gz" if compressed else ""), item)
        if gz and not compressed:
            cache.put(key + ":gz", item)
    return item


def _request_parameters(config: Config) -> tuple[str, list[str], list[str], str | None] | None:
    """(query, default graphs, named graphs, format) of the request, or None for no query (GET)."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        queries = args.getlist("query")
        if not queries:
            return None
        fields = args
    else:
        mimetype = (request.mimetype or "").lower()
        length = request.content_length
        if length is not None and length > config.max_query_bytes * 4:
            raise ProtocolError(413, f"request body too long: at most {config.max_query_bytes} bytes of query")
        if mimetype == "application/sparql-update":
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        charset = request.mimetype_params.get("charset")
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"the request's charset must be UTF-8 (SPARQL 1.1 Protocol), not {charset!r}")
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            if "update" in form or "update" in args:
                raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            queries = form.getlist("query") + args.getlist("query")
            fields = form
        elif mimetype == "application/sparql-query":
            if "query" in args:
                raise ProtocolError(400, "a query in the body and in the URL: send one")
            try:
                queries = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query body is not UTF-8 text") from None
            fields = args
        else:
            raise ProtocolError(
                415,
                f"POST needs Content-Type application/x-www-form-urlencoded or application/sparql-query, "
                f"not {request.mimetype or 'none'}",
            )
        if not queries:
            raise ProtocolError(400, "no query: send the query in the 'query' parameter")
    if len(queries) > 1:
        raise ProtocolError(400, "more than one 'query' parameter: send one query")
    text = queries[0]
    if not text.strip():
        raise ProtocolError(400, "empty query")
    if len(text.encode("utf-8")) > config.max_query_bytes:
        raise ProtocolError(413, f"query too long: at most {config.max_query_bytes} bytes")
    default_graphs = fields.getlist("default-graph-uri") + (
        args.getlist("default-graph-uri") if fields is not args else []
    )
    named_graphs = fields.getlist("named-graph-uri") + (args.getlist("named-graph-uri") if fields is not args else [])
    format_name = fields.get("format") or args.get("format")
    return text, default_graphs, named_graphs, format_name


def _choose_format(form: str, format_name: str | None) -> Format:
    try:
        return for_query(form, request.headers.get("Accept"), format_name)
    except UnknownFormat as exc:
        raise ProtocolError(400, str(exc)) from None
    except NotAcceptable as exc:
        raise ProtocolError(406, str(exc)) from None


def _execute(
    store: Store,
    config: Config,
    text: str,
    info: QueryInfo,
    fmt: Format,
    default_graphs: list[str],
    named_graphs: list[str],
    base: str,
) -> Answer:
    if fmt is HTML:  # the page is rendered from SPARQL JSON results, or from Turtle for graphs
        fmt = TURTLE if info.form in (CONSTRUCT, DESCRIBE) else JSON
    try:
        with client_slots().slot(request.remote_addr):
            return store.execute(
                text,
                fmt,
                default_graph_uris=default_graphs,
                named_graph_uris=named_graphs,
                max_rows=config.max_rows,
                timeout=config.query_timeout,
                allowed_services=config.service_allowlist,
                info=info,
                base_iri=base,
            )
    except REFUSALS as exc:
        raise refusal(exc, config) from None


#: What evaluating a query may raise that is the client's answer, not a fault (``refusal``).
REFUSALS = (ClientOverLimit, QueryTimeout, QueryBusy, QueryCrashed, NotAcceptable, QueryRefused, QueryError)


def refusal(exc: Exception, config: Config) -> ProtocolError:
    """The status, message and headers that answer one of ``REFUSALS``."""
    if isinstance(exc, ClientOverLimit):
        return ProtocolError(429, str(exc), {"Retry-After": "5"})
    if isinstance(exc, QueryTimeout):
        return ProtocolError(503, f"{exc}; the limit is {config.query_timeout:g} s", {"Retry-After": "60"})
    if isinstance(exc, QueryBusy):
        return ProtocolError(503, f"{exc}; try again shortly", {"Retry-After": "5"})
    if isinstance(exc, QueryCrashed):
        return ProtocolError(503, str(exc))
    if isinstance(exc, NotAcceptable):
        return ProtocolError(406, str(exc))
    if isinstance(exc, QueryRefused):
        return _refused(exc)
    return ProtocolError(400, str(exc))


def _response(
    item: Cached, etag: str | None, store: Store, config: Config, gzipped: bool, cache_state: str | None
) -> Response:
    response = Response(item.body, status=200)
    for key, value in response_headers(item, etag, store, config, gzipped, cache_state):
        response.headers[key] = value
    return response


def answered(item: Cached, etag: str | None, store: Store, config: Config, cache_state: str | None) -> Response:
    """The 200 answer of ``item`` as this view sends it (the event loop's path builds it with this too)."""
    return _cors(_response(item, etag, store, config, item.gzipped, cache_state), config)


def _cors(response: Response, config: Config | None = None) -> Response:
    response.headers["Access-Control-Allow-Origin"] = (config or get_config()).cors_origin
    for key, value in CORS_HEADERS.items():
        response.headers[key] = value
    return response
