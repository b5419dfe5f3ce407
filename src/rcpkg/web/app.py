"""The Flask application: ``create_app(config=None, store=None) -> Flask``.

This module only assembles: it puts the store, the settings and the caches on the application (views reach
them through ``rcpkg.web.context``), registers the blueprints, the error handlers and compression, and wraps
the application in the result cache's fast path. Errors become a short plain-text (or, for browsers, HTML)
answer with the right status; nothing a client sends produces a traceback in a response.
"""

from __future__ import annotations

import gzip
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from rcpkg.config import Config, load_config
from rcpkg.formats import COMPRESSIBLE
from rcpkg.store import Store
from rcpkg.web import context, dumps, pages, protocol, resources, search
from rcpkg.web.admission import ClientSlots
from rcpkg.web.cache import Caches
from rcpkg.web.context import Request, SafeInput, SecurityHeaders, error_response, get_config
from rcpkg.web.fastpath import CacheFastPath
from rcpkg.web.negotiation import accepts_gzip

log = logging.getLogger("rcpkg.web")


def create_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """The application over ``store`` (default: ``Store.load(config.dataset)``)."""
    config = config or load_config()
    app = Flask("rcpkg.web")
    app.request_class = Request
    app.config[context.CONFIG] = config
    app.config["MAX_CONTENT_LENGTH"] = max(config.max_query_bytes * 4, 1 << 16)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    store = store if store is not None else Store.load(config.dataset, mode=config.store)
    store.limits = config.limits
    caches = Caches(config)
    app.extensions[context.STORE] = store
    app.extensions[context.CACHES] = caches

    app.register_blueprint(protocol.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(resources.bp)  # last: its /<path> answers for every IRI under the base
    slots = ClientSlots(config.max_client_queries)
    app.extensions[context.CLIENTS] = slots
    fastpath = CacheFastPath(app.wsgi_app, store, config, caches.results, slots)
    app.wsgi_app = fastpath  # type: ignore[method-assign]
    app.wsgi_app = SafeInput(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]

    app.extensions[context.FAST_ANSWER] = fastpath.early  # the server's event loop asks it first
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_compress)
    return app


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
        or not accepts_gzip(request.headers.get("Accept-Encoding"))
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
