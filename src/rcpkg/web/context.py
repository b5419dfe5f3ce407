"""The request context every blueprint takes what it needs from: the loaded store, the settings, the
caches, where this server answers, links to IRIs, and error answers. ``rcpkg.web.app`` puts the store,
settings and caches on the application; nothing here imports a blueprint.

Requests as werkzeug reads them, made safe where its reading would fail: ``Request`` parses the query
string and form bodies as strict UTF-8 (a 400 for bytes that are not, where werkzeug would keep them
percent-encoded and pass on a query the client did not write); ``SafeInput`` (WSGI middleware) drops the
conditional dates werkzeug's
``parse_date`` cannot read (a year past 9999 raises ``OverflowError`` there; RFC 9110 says an invalid date is
ignored).
"""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import parse_qsl

import flask
from flask import Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_date, parse_if_range_header
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_current_url

from rcpkg.config import Config
from rcpkg.store import Store
from rcpkg.web.admission import ClientSlots
from rcpkg.web.cache import Caches
from rcpkg.web.negotiation import label_language, wants_html

STORE, CONFIG, CACHES, CLIENTS = "rcpkg.store", "RCPKG", "rcpkg.caches", "rcpkg.clients"
FAST_ANSWER = "rcpkg.fast_answer"  # plain queries answered before the WSGI call (``rcpkg.web.app``)
OUTCOME = "rcpkg.outcome"  # environ: a refusal decided before the WSGI call, for the view to render


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


def page_language() -> str:
    """The language of a page's labels: ``?lang=``, else ``Accept-Language``, else English (answers that use
    it say ``Vary: Accept-Language``)."""
    return label_language(request.args.get("lang"), request.headers.get("Accept-Language"))


def base_iri() -> str:
    """The IRI base of the data (``Config.base_iri``)."""
    return get_config().base_iri


def local_href(iri: str) -> str:
    """The link to an IRI from a page: on this server when the IRI is under the base, else the IRI if it is
    an http(s) IRI, else "" (no link: a ``javascript:`` or ``data:`` IRI from the data never becomes one)."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return iri if is_web_iri(iri) else ""


def is_web_iri(iri: str) -> bool:
    """True for an http or https IRI: the only IRIs from data or from a query that become links."""
    return _WEB_IRI.match(iri) is not None


_WEB_IRI = re.compile(r"https?://", re.IGNORECASE)


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


def _strict_pairs(text: str, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"{where} is not percent-encoded UTF-8") from None


class _StrictFormParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):  # type: ignore[override]
        try:
            text = stream.read().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the form body is not UTF-8") from None
        return stream, self.cls(_strict_pairs(text, "the form body")), self.cls()


class Request(flask.Request):
    """Flask's request, reading the query string and url-encoded forms as UTF-8 or refusing them (400)."""

    form_data_parser_class = _StrictFormParser

    @cached_property
    def args(self):  # type: ignore[override]
        try:
            text = self.query_string.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query string is not UTF-8") from None
        return self.parameter_storage_class(_strict_pairs(text, "the query string"))


#: Headers of every HTML page (and SVG picture): the pages load their stylesheet and pictures from this server
#: only, run no script, submit forms only here, and are never framed; links send no Referer (a query's text
#: is in the URL of its results page).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_PAGE_TYPES = ("text/html", "image/svg+xml")


class SecurityHeaders:
    """WSGI middleware: ``X-Content-Type-Options: nosniff`` on every answer, ``PAGE_HEADERS`` on HTML and
    SVG answers, whichever path made them (views, errors, redirects, the result cache's fast path)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, self.secure(headers), exc_info)

        return self.wsgi_app(environ, start)

    @staticmethod
    def secure(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``headers`` with the security headers their content type calls for, after them."""
        names = {name.lower() for name, _ in headers}
        added = [("X-Content-Type-Options", "nosniff")]
        content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
        if content_type.split(";")[0].strip().lower() in _PAGE_TYPES:
            added += PAGE_HEADERS.items()
        return list(headers) + [(name, value) for name, value in added if name.lower() not in names]


_DATES = {"HTTP_IF_MODIFIED_SINCE": parse_date, "HTTP_IF_UNMODIFIED_SINCE": parse_date}


class SafeInput:
    """WSGI middleware: conditional dates werkzeug cannot parse are dropped (an unreadable ``If-Range``
    drops ``Range`` too: the whole representation is sent)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for key, parse in _DATES.items():
            if key in environ and not _parses(parse, environ[key]):
                del environ[key]
        if "HTTP_IF_RANGE" in environ and not _parses(parse_if_range_header, environ["HTTP_IF_RANGE"]):
            del environ["HTTP_IF_RANGE"]
            environ.pop("HTTP_RANGE", None)
        return self.wsgi_app(environ, start_response)


def _parses(parse, value: str) -> bool:
    try:
        parse(value)
    except (OverflowError, ValueError, TypeError):
        return False
    return True
