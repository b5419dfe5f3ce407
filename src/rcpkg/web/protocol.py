"""``/sparql``: the SPARQL 1.1 Protocol (query operation), read-only.

Requests: GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``), POST
``application/sparql-query`` (the body); ``default-graph-uri`` and ``named-graph-uri`` (repeatable);
``format=`` (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, html, or a media type) overrides Accept.

Statuses: 200; 304 (If-None-Match / If-Modified-Since); 400 malformed query, missing or repeated
``query``, brackets nested deeper than ``max_query_depth``, unknown graph, unknown ``format``; 403 SPARQL
Update (any route) and SERVICE not allow-listed; 405 other methods; 406 no acceptable format (also: a result
XML cannot hold, asked for as XML); 413 query longer than ``max_query_bytes``; 415 other POST bodies; 503
query stopped at ``query_timeout``. GET without ``query`` answers the service description.
See docs/endpoint.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs

from flask import Blueprint, Response, render_template_string, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from rcpkg.config import Config
from rcpkg.dump import output_graph
from rcpkg.errors import QueryError
from rcpkg.store import (
    ASK,
    CONSTRUCT,
    DESCRIBE,
    GRAPH_TYPES,
    RESULT_TYPES,
    SELECT,
    Answer,
    NotAcceptable,
    QueryInfo,
    QueryRefused,
    QueryTimeout,
    Store,
    inspect_query,
    negotiate,
    parse_accept,
    with_charset,
)
from rcpkg.web.app import accepts_gzip, error_response, get_config, get_store, public_base

bp = Blueprint("protocol", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SERVICE = Namespace("https://w3id.org/rcpkg/service#")
HTML = "text/html"

FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    # name: (media type for SELECT/ASK, media type for CONSTRUCT/DESCRIBE)
    "json": ("application/sparql-results+json", "application/ld+json"),
    "srj": ("application/sparql-results+json", None),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "srx": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "rdf+xml": (None, "application/rdf+xml"),
    "n3": (None, "text/turtle"),
    "html": (HTML, HTML),
}

FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
}

CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-SPARQL-Truncated, X-SPARQL-Max-Rows, X-Cache",
    "Access-Control-Max-Age": "86400",
}


class ProtocolError(Exception):
    """A request the protocol refuses, with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status, self.message, self.headers = status, message, headers or {}
        super().__init__(message)


# ------------------------------------------------------------------------------------- result cache


@dataclass(frozen=True)
class Cached:
    body: bytes
    media_type: str
    truncated: bool
    rows: int | None
    gzipped: bool = False  # body is gzip-compressed


class ResultCache:
    """Least-recently-used cache of serialised answers, bounded in entries and bytes (per process)."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[str, Cached] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Cached | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: str, item: Cached) -> None:
        size = len(item.body)
        if size > self.max_bytes // 4 or self.max_entries == 0:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = item
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._items)


_caches: dict[int, ResultCache] = {}
_caches_lock = threading.Lock()


def result_cache(config: Config) -> ResultCache | None:
    """The process's cache for this configuration, or None when the cache is switched off."""
    if not config.cache:
        return None
    with _caches_lock:
        cache = _caches.get(id(config))
        if cache is None:
            cache = _caches[id(config)] = ResultCache(config.cache_entries, config.cache_bytes)
        return cache


# ------------------------------------------------------------------------------------------- views


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    if request.method == "OPTIONS":
        response = Response(status=204)
        return _cors(response)
    try:
        response = _answer()
    except ProtocolError as exc:
        response = error_response(exc.status, exc.message, exc.headers)
    return _cors(response)


def _answer() -> Response:
    config = get_config()
    store = get_store()
    params = _request_parameters(config)
    if params is None:
        return service_description(store, config)
    text, default_graphs, named_graphs, format_name = params

    try:
        info = inspect_query(text, config.max_query_depth)
        info = store.check(text, default_graphs, named_graphs, config.service_allowlist, info)
    except QueryRefused as exc:
        raise ProtocolError(403 if exc.reason in ("update", "service") else 400, str(exc)) from None
    except QueryError as exc:
        raise ProtocolError(400, str(exc)) from None

    form = info.form if info.form in (SELECT, ASK, CONSTRUCT, DESCRIBE) else ""
    media_type = _choose_media_type(form, format_name) if form else "application/sparql-results+json"
    etag = None
    key = None
    if info.deterministic:
        key = _cache_key(store, config, text, default_graphs, named_graphs, media_type)
        etag = f'"{key[:40]}"'
        if _not_modified(etag, store):
            response = Response(status=304)
            _common_headers(response, etag, store, config, cacheable=True)
            return response

    cache = result_cache(config) if key else None
    gz = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    if cache is not None and key is not None:
        hit = cache.get(key + (":gz" if gz else ""))
        if hit is not None:
            return _response(hit, etag, store, config, gzipped=hit.gzipped, cache_state="hit")

    answer = _execute(store, config, text, info, media_type, default_graphs, named_graphs)
    if media_type == HTML:
        body = _render_html(answer, text, config).encode("utf-8")
        item = Cached(body, HTML, answer.truncated, answer.rows)
    else:
        item = Cached(answer.body, answer.media_type, answer.truncated, answer.rows)
    compressed = False
    if gz and len(item.body) >= config.gzip_min_bytes:
        item = Cached(
            gzip.compress(item.body, compresslevel=5, mtime=0), item.media_type, item.truncated, item.rows, True
        )
        compressed = True
    if cache is not None and key is not None:
        cache.put(key + (":gz" if compressed else ""), item)
        if gz and not compressed:
            cache.put(key + ":gz", item)
    return _response(item, etag, store, config, gzipped=compressed, cache_state="miss" if cache else None)


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
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            if "update" in form or "update" in args:
                raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            queries = form.getlist("query") + args.getlist("query")
            fields = form
        elif mimetype == "application/sparql-query":
            if "query" in args:
                raise ProtocolError(400, "a query in the body and in the URL: send one")
            raw = request.get_data(cache=False)
            charset = request.mimetype_params.get("charset", "utf-8")
            try:
                queries = [raw.decode(charset)]
            except (UnicodeDecodeError, LookupError):
                raise ProtocolError(400, f"the query body is not valid {charset} text") from None
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


def _choose_media_type(form: str, format_name: str | None) -> str:
    select_like = form in (SELECT, ASK)
    if format_name:
        name = format_name.strip().lower()
        if "/" in name:
            accept = name
        elif name in FORMAT_NAMES:
            chosen = FORMAT_NAMES[name][0 if select_like else 1]
            if chosen is None:
                raise ProtocolError(406, f"format={format_name} cannot express a {form} result; " + _available(form))
            return chosen
        else:
            raise ProtocolError(
                400,
                f"unknown format {format_name!r}; formats: {', '.join(sorted(FORMAT_NAMES))} or a media type",
            )
    else:
        accept = request.headers.get("Accept")
    try:
        return negotiate(accept, form, extra=(HTML,))
    except NotAcceptable as exc:
        raise ProtocolError(406, str(exc)) from None


def _available(form: str) -> str:
    types = list(RESULT_TYPES if form in (SELECT, ASK) else GRAPH_TYPES) + [HTML]
    return "available: " + ", ".join(types)


def _execute(
    store: Store,
    config: Config,
    text: str,
    info: QueryInfo,
    media_type: str,
    default_graphs: list[str],
    named_graphs: list[str],
) -> Answer:
    run_type = media_type
    if media_type == HTML:
        run_type = "text/turtle" if info.form in (CONSTRUCT, DESCRIBE) else "application/sparql-results+json"
    try:
        return store.execute(
            text,
            run_type,
            default_graphs,
            named_graphs,
            max_rows=config.max_rows,
            timeout=config.query_timeout,
            allowed_services=config.service_allowlist,
            info=info,
        )
    except QueryTimeout as exc:
        raise ProtocolError(503, f"{exc}; the limit is {config.query_timeout:g} s", {"Retry-After": "60"}) from None
    except NotAcceptable as exc:
        raise ProtocolError(406, str(exc)) from None
    except QueryRefused as exc:
        raise ProtocolError(403 if exc.reason in ("update", "service") else 400, str(exc)) from None
    except QueryError as exc:
        raise ProtocolError(400, str(exc)) from None


def _cache_key(
    store: Store,
    config: Config,
    text: str,
    default_graphs: list[str],
    named_graphs: list[str],
    media_type: str,
) -> str:
    h = hashlib.sha256()
    for part in (
        store.data_hash,
        str(config.max_rows),
        media_type,
        text,
        *default_graphs,
        "|",
        *named_graphs,
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def _not_modified(etag: str, store: Store) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = request.headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None or store.last_modified is None:
            return False
        return store.last_modified <= since
    return False


def _response(
    item: Cached, etag: str | None, store: Store, config: Config, gzipped: bool, cache_state: str | None
) -> Response:
    response = Response(item.body, status=200)
    for key, value in response_headers(item, etag, store, config, gzipped, cache_state):
        response.headers[key] = value
    return response


def response_headers(
    item: Cached, etag: str | None, store: Store, config: Config, gzipped: bool, cache_state: str | None
) -> list[tuple[str, str]]:
    """Headers of a 200 answer (the same on Flask's path and on the cache's fast path)."""
    headers = [("Content-Type", with_charset(item.media_type))]
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    if item.truncated:
        headers += [("X-SPARQL-Truncated", "true"), ("X-SPARQL-Max-Rows", str(config.max_rows))]
    if cache_state:
        headers.append(("X-Cache", cache_state))
    headers.append(("Vary", "Accept, Accept-Encoding"))
    if etag:
        headers.append(("ETag", etag))
        if store.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(store.last_modified, usegmt=True)))
        headers.append(("Cache-Control", f"public, max-age={config.max_age}"))
    else:
        headers.append(("Cache-Control", "no-store"))
    headers.append(("Access-Control-Allow-Origin", config.cors_origin))
    headers += list(CORS_HEADERS.items())
    return headers


def _common_headers(response: Response, etag: str | None, store: Store, config: Config, cacheable: bool) -> None:
    response.headers["Vary"] = "Accept, Accept-Encoding"
    if cacheable and etag:
        response.headers["ETag"] = etag
        if store.last_modified is not None:
            response.headers["Last-Modified"] = format_datetime(store.last_modified, usegmt=True)
        response.headers["Cache-Control"] = f"public, max-age={config.max_age}"
    else:
        response.headers["Cache-Control"] = "no-store"


class CacheFastPath:
    """WSGI middleware that answers ``GET /sparql`` from the result cache without Flask's request
    machinery (a cache hit costs a dictionary look-up, not a request object). Anything it is not sure
    of (conditional requests, ``format=``, a miss, a parameter it does not know) goes to Flask, which
    gives the same answer with the same headers."""

    _KNOWN = frozenset({"query", "default-graph-uri", "named-graph-uri"})

    def __init__(self, wsgi_app, store: Store, config: Config):
        self.wsgi_app, self.store, self.config = wsgi_app, store, config
        self.cache = result_cache(config)

    def __call__(self, environ, start_response):
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
                start_response("200 OK", headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _lookup(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
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
            info = inspect_query(text, self.config.max_query_depth)
        except QueryError:
            return None  # Flask answers it (400)
        if not info.deterministic or info.form not in (SELECT, ASK, CONSTRUCT, DESCRIBE):
            return None
        try:
            media_type = negotiate(environ.get("HTTP_ACCEPT"), info.form, extra=(HTML,))
        except NotAcceptable:
            return None
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        key = _cache_key(self.store, self.config, text, default_graphs, named_graphs, media_type)
        gz = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        item = self.cache.get(key + (":gz" if gz else ""))
        if item is None:
            return None
        return response_headers(item, f'"{key[:40]}"', self.store, self.config, item.gzipped, "hit"), item.body


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    for key, value in CORS_HEADERS.items():
        response.headers[key] = value
    return response


# ----------------------------------------------------------------------------------- HTML results

_RESULTS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL results</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:100rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}
textarea{width:100%;font-family:monospace}pre{white-space:pre-wrap}</style></head>
<body><main>
<h1>SPARQL results</h1>
<form method="get" action="sparql">
<label for="query">Query</label><br>
<textarea id="query" name="query" rows="10">{{ query }}</textarea><br>
<label for="format">Format</label>
<select id="format" name="format">{% for f in formats %}
<option{% if f == 'html' %} selected{% endif %}>{{ f }}</option>{% endfor %}</select>
<button type="submit">Run query</button>
</form>
{% if truncated %}
<p role="status"><strong>Only the first {{ max_rows }} results are shown.</strong></p>{% endif %}
{% if kind == 'ask' %}<p id="result">Answer: <strong>{{ 'yes' if boolean else 'no' }}</strong></p>
{% elif kind == 'select' %}<p>{{ rows|length }} result{{ '' if rows|length == 1 else 's' }}</p>
<table id="result"><thead><tr>{% for v in vars %}<th scope="col">{{ v }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for v in vars %}<td>{% set t = row.get(v) %}{% if t %}
{%- if t.type == 'uri' %}<a href="{{ t.value }}">{{ t.value }}</a>{% else %}{{ t.value }}
{%- if t.get('xml:lang') %}<small>@{{ t['xml:lang'] }}</small>{% endif %}{% endif %}{% endif -%}
</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% else %}<pre id="result">{{ graph }}</pre>{% endif %}
</main></body></html>
"""


def _render_html(answer: Answer, text: str, config: Config) -> str:
    formats = (
        ["html", "json", "xml", "csv", "tsv"]
        if answer.form in (SELECT, ASK)
        else ["html", "turtle", "ntriples", "jsonld", "rdfxml"]
    )
    context = {"query": text, "formats": formats, "truncated": answer.truncated, "max_rows": config.max_rows}
    if answer.form == ASK:
        return render_template_string(_RESULTS_PAGE, kind="ask", boolean=json.loads(answer.body)["boolean"], **context)
    if answer.form == SELECT:
        data = json.loads(answer.body)
        return render_template_string(
            _RESULTS_PAGE,
            kind="select",
            vars=data["head"]["vars"],
            rows=data["results"]["bindings"],
            **context,
        )
    return render_template_string(_RESULTS_PAGE, kind="graph", graph=answer.body.decode("utf-8"), **context)


# ---------------------------------------------------------------------------------- service description


def service_description_graph(store: Store, config: Config, endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint, limits included."""
    g = output_graph({"sd": str(SD), "formats": str(FORMATS), "rcpsd": str(SERVICE)})
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for iri in FORMAT_IRIS.values():
        g.add((service, SD.resultFormat, iri))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if config.service_allowlist:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add(
        (
            service,
            DCTERMS.title,
            Literal("SPARQL endpoint of the Regional Consultative Processes knowledge base", lang="en"),
        )
    )
    g.add(
        (
            service,
            DCTERMS.description,
            Literal(
                f"Read-only SPARQL 1.1 query endpoint. The default graph is the union of the named graphs. "
                f"Limits: queries longer than {config.query_timeout:g} s are stopped (status 503); at most "
                f"{config.max_rows} solutions or triples per answer (header X-SPARQL-Truncated: true when "
                f"cut); queries of at most {config.max_query_bytes} bytes, with brackets {{ ( [ nested at most "
                f"{config.max_query_depth} levels deep (status 400 otherwise); SPARQL Update is refused (403); "
                f"SERVICE only to allow-listed endpoints ({len(config.service_allowlist)}).",
                lang="en",
            ),
        )
    )
    g.add((service, SERVICE.queryTimeout, Literal(config.query_timeout, datatype=XSD.decimal)))
    g.add((service, SERVICE.timeoutStatus, Literal(503)))
    g.add((service, SERVICE.maxResultRows, Literal(config.max_rows)))
    g.add((service, SERVICE.maxQueryBytes, Literal(config.max_query_bytes)))
    g.add((service, SERVICE.maxQueryDepth, Literal(config.max_query_depth)))
    for allowed in config.service_allowlist:
        g.add((service, SERVICE.allowedService, URIRef(allowed)))
    for term, label, comment in (
        (SERVICE.queryTimeout, "query timeout", "Seconds after which a query is stopped."),
        (SERVICE.timeoutStatus, "timeout status", "HTTP status of an answer to a query that was stopped."),
        (SERVICE.maxResultRows, "maximum result rows", "Most solutions or triples written in one answer."),
        (SERVICE.maxQueryBytes, "maximum query size", "Longest query text accepted, in bytes (UTF-8)."),
        (
            SERVICE.maxQueryDepth,
            "maximum query nesting",
            "Deepest nesting of brackets { ( [ accepted in a query; deeper queries are refused (status 400).",
        ),
        (SERVICE.allowedService, "allowed service", "A remote endpoint that SERVICE clauses may call."),
    ):
        g.add((term, RDFS.label, Literal(label, lang="en")))
        g.add((term, RDFS.comment, Literal(comment, lang="en")))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode("default")
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(store.triple_count)))
    for index, name in enumerate(store.graphs):
        named = BNode(f"named{index}")
        graph = BNode(f"graph{index}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(_graph_size(store, name))))
    return g


_sizes: dict[tuple[str, str], int] = {}


def _graph_size(store: Store, name: str) -> int:
    key = (store.data_hash, name)
    if key not in _sizes:
        rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        _sizes[key] = int(rows[0]["n"])
    return _sizes[key]


_SD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL endpoint</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}
textarea{width:100%;font-family:monospace}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}table{border-collapse:collapse}</style></head>
<body><main>
<h1>SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 query endpoint at <code>{{ endpoint }}</code>. The default graph is the union of the
named graphs listed below. The service description is also available as
<a href="sparql?format=turtle">Turtle</a>.</p>
<form method="get" action="sparql">
<label for="query">Query</label><br>
<textarea id="query" name="query" rows="10">SELECT ?process ?name WHERE {
  ?process a &lt;https://w3id.org/rcpkg/ontology#RegionalConsultativeProcess&gt; ;
           &lt;http://www.w3.org/2000/01/rdf-schema#label&gt; ?name .
} ORDER BY ?name</textarea><br>
<label for="format">Format</label>
<select id="format" name="format">{% for f in formats %}<option>{{ f }}</option>{% endfor %}</select>
<button type="submit">Run query</button>
</form>
<h2>Limits</h2>
<ul><li>Queries running longer than {{ config.query_timeout }} s are stopped: status 503.</li>
<li>At most {{ config.max_rows }} solutions or triples per answer; a cut answer carries the header
<code>X-SPARQL-Truncated: true</code>.</li>
<li>Queries of at most {{ config.max_query_bytes }} bytes, with brackets <code>{ ( [</code> nested at most
{{ config.max_query_depth }} levels deep.</li>
<li>SPARQL Update is refused (403). SERVICE calls only to allow-listed endpoints
({{ config.service_allowlist|length }}).</li></ul>
<h2>Graphs</h2>
<table><thead><tr><th scope="col">Graph</th><th scope="col">Triples</th></tr></thead><tbody>
<tr><td>default graph (union)</td><td>{{ store.triple_count }}</td></tr>
{% for name, size in graphs %}<tr><td><code>{{ name }}</code></td><td>{{ size }}</td></tr>{% endfor %}
</tbody></table>
</main></body></html>
"""

_SD_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def service_description(store: Store, config: Config) -> Response:
    endpoint = public_base() + "sparql"
    format_name = request.args.get("format")
    if format_name:
        name = format_name.lower()
        media_type = "text/html" if name == "html" else FORMAT_NAMES.get(name, (None, None))[1]
        if media_type is None:
            raise ProtocolError(400, f"unknown format {format_name!r} for the service description")
    else:
        media_type = "text/turtle"
        for mtype, q in parse_accept(request.headers.get("Accept")):
            if q <= 0:
                continue
            if mtype in ("text/html", "application/xhtml+xml"):
                media_type = HTML
                break
            if mtype in _SD_TYPES:
                media_type = mtype
                break
            if mtype in ("*/*", "text/*"):
                break
        else:
            raise ProtocolError(406, "the service description is available as " + ", ".join([*_SD_TYPES, HTML]))
    if media_type == HTML:
        body = render_template_string(
            _SD_PAGE,
            endpoint=endpoint,
            config=config,
            store=store,
            formats=["html", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"],
            graphs=[(name, _graph_size(store, name)) for name in store.graphs],
        ).encode("utf-8")
    else:
        graph = service_description_graph(store, config, endpoint)
        body = graph.serialize(format=_SD_TYPES[media_type], encoding="utf-8")
    response = Response(body, content_type=with_charset(media_type))
    response.headers["Vary"] = "Accept"
    return response
