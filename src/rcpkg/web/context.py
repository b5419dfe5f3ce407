"""The request context every blueprint takes what it needs from: the loaded store, the settings, the
caches, where this server answers, links to IRIs, and error answers. ``rcpkg.web.app`` puts the store,
settings and caches on the application; nothing here imports a blueprint.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, current_app, render_template, request
from werkzeug.wsgi import get_current_url

from rcpkg.config import Config
from rcpkg.store import Store
from rcpkg.web.admission import ClientSlots
from rcpkg.web.cache import Caches
from rcpkg.web.negotiation import wants_html

STORE, CONFIG, CACHES, CLIENTS = "rcpkg.store", "RCPKG", "rcpkg.caches", "rcpkg.clients"


def get_store() -> Store:
    """The store of the running application."""
    return current_app.extensions[STORE]


def get_config() -> Config:
    """The settings of the running application."""
    return current_app.config[CONFIG]


def caches() -> Caches:
    """The caches of the running application."""
    return current_app.extensions[CACHES]


def client_slots() -> ClientSlots:
    """The running application's count of queries in evaluation per client."""
    return current_app.extensions[CLIENTS]


def public_base() -> str:
    """Where this server answers, ending in /: ``public_url`` if configured, else from the request."""
    return base_of(get_config(), request.environ)


def base_of(config: Config, environ: dict) -> str:
    """``public_base`` from a WSGI environ (the result cache's fast path has no request object)."""
    configured = config.public_url
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return get_current_url(environ, root_only=True)


def endpoint_iri(config: Config, environ: dict) -> str:
    """The IRI of the SPARQL endpoint: relative IRIs in a query resolve against it."""
    return base_of(config, environ) + "sparql"


def base_iri() -> str:
    """The IRI base of the data (``Config.base_iri``)."""
    return get_config().base_iri


def local_href(iri: str) -> str:
    """The link to an IRI from a page: on this server when the IRI is under the base, else the IRI."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return iri


def doc_href(iri: str, extension: str) -> str:
    """The document about an IRI under the base, in the format of ``extension``."""
    rest = iri[len(base_iri()) :].split("#", 1)[0]
    return f"{request.script_root}/doc/{rest}.{extension}"


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text error (HTML for browsers) with ``status``."""
    if wants_html(request.headers.get("Accept")):
        body = render_template("error.html", status=status, reason=reason(status), message=message)
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
