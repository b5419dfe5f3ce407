"""The Flask application: ``create_app(config=None) -> Flask``.

Blueprints register here, one line each. Every view reaches the loaded knowledge base and the settings
through ``get_store()`` and ``get_config()``. Errors become a short plain-text (or, for browsers, HTML)
answer with the right status; nothing a client sends produces a traceback in a response.
"""

from __future__ import annotations

import gzip
import html
import logging
from datetime import datetime

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from rcpkg.config import Config, load_config
from rcpkg.store import Store, parse_accept

log = logging.getLogger("rcpkg.web")

COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/sparql-results",
    "application/n-triples",
    "application/n-quads",
    "application/rdf+xml",
    "application/trig",
    "application/xml",
    "image/svg+xml",
)


def create_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """The application over ``store`` (default: ``Store.load(config.dataset)``)."""
    config = config or load_config()
    app = Flask("rcpkg.web")
    app.config["RCPKG"] = config
    app.config["MAX_CONTENT_LENGTH"] = max(config.max_query_bytes * 4, 1 << 16)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    store = store if store is not None else Store.load(config.dataset)
    store.max_depth, store.max_query_bytes = config.max_query_depth, config.max_query_bytes
    app.extensions["rcpkg.store"] = store

    from rcpkg.web import dumps, protocol

    app.register_blueprint(protocol.bp)
    app.register_blueprint(dumps.bp)
    app.wsgi_app = protocol.CacheFastPath(app.wsgi_app, app.extensions["rcpkg.store"], config)  # type: ignore
    app.register_blueprint(__import__("rcpkg.web.pages", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("rcpkg.web.search", fromlist=["bp"]).bp)
    app.register_blueprint(__import__("rcpkg.web.resources", fromlist=["bp"]).bp)

    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_compress)
    return app


def get_store() -> Store:
    """The store of the running application."""
    return current_app.extensions["rcpkg.store"]


def get_config() -> Config:
    """The settings of the running application."""
    return current_app.config["RCPKG"]


def public_base() -> str:
    """Where this server answers, ending in /: ``public_url`` if configured, else from the request."""
    configured = get_config().public_url
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return request.url_root


def set_last_modified(response: Response, when: datetime | None) -> Response:
    """``Last-Modified: when``, or no such header when the data states no date (werkzeug would write the
    current time for None)."""
    if when is None:
        response.headers.pop("Last-Modified", None)
    else:
        response.last_modified = when
    return response


def wants_html() -> bool:
    """True when the client ranks text/html above every other media type (a browser)."""
    for mtype, q in parse_accept(request.headers.get("Accept")):
        if q <= 0:
            continue
        return mtype in ("text/html", "application/xhtml+xml")
    return False


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text error (HTML for browsers) with ``status``."""
    if wants_html():
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            f"<title>{status} {html.escape(_reason(status))}</title>"
            f"<h1>{status} {html.escape(_reason(status))}</h1><pre>{html.escape(message)}</pre></html>"
        )
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_response(status, f"{status} {exc.name}: {exc.description}")
    for key, value in exc.get_headers():
        if key.lower() in ("allow", "content-range"):  # 405: the allowed methods; 416: the length
            response.headers[key] = value
    return response


def _unexpected_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "500 Internal Server Error: the server could not answer; the error is logged")


def _compress(response: Response) -> Response:
    """gzip bodies worth compressing when the client accepts it (views may have done it already)."""
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not accepts_gzip(request.headers.get("Accept-Encoding", ""))
    ):
        return response
    mimetype = response.mimetype or ""
    if not mimetype.startswith(COMPRESSIBLE):
        return response
    body = response.get_data()
    if len(body) < get_config().gzip_min_bytes:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def accepts_gzip(header: str) -> bool:
    """True when an Accept-Encoding header allows gzip."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = 1.0
            for param in params.split(";"):
                key, _, value = param.partition("=")
                if key.strip() == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            return q > 0
    return False
