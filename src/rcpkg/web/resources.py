"""Dereferencing: every IRI the knowledge base mints answers on this server (see docs/pages.md).

The rule, one for every IRI under the configured base (``id/...``, ``graph/...``, ``ontology``, ...):

* ``GET /{path}`` (the IRI of a thing: a process, a country, a membership, a named graph, the ontology)
  answers **303 See Other** to a document about it, chosen by the ``Accept`` header (``Vary: Accept``):
  ``/doc/{path}.html``, ``.ttl``, ``.jsonld``, ``.nt`` or ``.rdf``. No ``Accept`` or ``*/*``: HTML. Nothing
  acceptable: 406 with the list of formats. An IRI the knowledge base does not know: 404.
* ``GET /doc/{path}.{ext}`` answers 200 with the document in that one format (no negotiation; the
  extension is the format). ``/doc/{path}`` without an extension negotiates like the IRI (303).
* A hash IRI (``ontology#Term``) is fetched without its fragment, so ``/ontology`` answers for all the
  terms: its document holds every ``ontology#...`` description.

The server answers for ``{base_iri}{path}`` under its own host: a local server on 127.0.0.1 answers for
``https://w3id.org/rcpkg/id/...`` at ``/id/...``; links between pages stay on the server.

The RDF documents hold the triples about the IRI (outgoing, blank nodes followed, and incoming), from the
union of the named graphs, plus ``foaf:primaryTopic`` from the document to the thing. The HTML pages are
generated from the same graph (label, types, every property, what points here, links out, provenance,
and tables of the role-qualified memberships), not written per class.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from rdflib.namespace import OWL

from rcpkg.store import Store
from rcpkg.web.cache import conditional, etag
from rcpkg.web.context import base_iri, caches, doc_href, get_config, get_store, page_language, public_base
from rcpkg.web.documents import BY_EXTENSION, DOCUMENT_FORMATS, document_graph, known, serialize
from rcpkg.web.negotiation import for_document
from rcpkg.web.ontology_docs import render_ontology
from rcpkg.web.profiles import country_map, process_profile
from rcpkg.web.views import build_view

bp = Blueprint("resources", __name__)

_SAFE_IRI = re.compile(r"^[^\s<>\"{}|\\^`]+$")


def _caching(response: Response, store: Store, key: str) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={get_config().max_age}"
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    return conditional(response, request, etag(store.data_hash, key), store.last_modified)


def not_found(iri: str) -> Response:
    """404 for an IRI the knowledge base does not know: a page for browsers, one line for others."""
    if for_document(request.headers.get("Accept"), DOCUMENT_FORMATS) is DOCUMENT_FORMATS[0]:
        guess = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        body = render_template("not_found.html", iri=iri, guess=guess)
        return _negotiated(body, 404, "text/html")
    return _negotiated(f"404 Not Found: {iri} is not an IRI of this knowledge base\n", 404)


def not_acceptable() -> Response:
    names = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
    return _negotiated(f"406 Not Acceptable: documents are available as {names}\n", 406)


def _negotiated(body: str, status: int, media_type: str = "text/plain") -> Response:
    """An answer whose form depends on Accept."""
    response = Response(body, status=status, content_type=f"{media_type}; charset=utf-8")
    response.vary.add("Accept")
    return response


def _see_other(iri: str) -> Response:
    store = get_store()
    if not known(store, iri):
        return not_found(iri)
    fmt = for_document(request.headers.get("Accept"), DOCUMENT_FORMATS)
    if fmt is None:
        return not_acceptable()
    target = doc_href(iri, fmt.extension)
    if fmt is DOCUMENT_FORMATS[0]:  # the page's own parameters go along: ?lang=fr, ?view=statements
        lang = page_language() if "lang" in request.args else None
        kept = [("lang", lang)] if lang and request.args["lang"].lower().startswith(lang) else []
        kept += [("view", STATEMENTS)] if request.args.get("view") == STATEMENTS else []
        target += ("?" + urlencode(kept)) if kept else ""
    response = redirect(target, code=303)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = f"public, max-age={get_config().max_age}"
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    return response


@bp.route("/doc/<path:rest>", methods=["GET", "HEAD"])
def document(rest: str) -> Response:
    stem, dot, ext = rest.rpartition(".")
    if not dot or ext not in BY_EXTENSION or "/" in ext:
        return _see_other(base_iri() + rest)
    iri = base_iri() + stem
    store = get_store()
    if not stem or not known(store, iri):
        return not_found(iri)
    fmt = BY_EXTENSION[ext]
    doc_iri = public_base().rstrip("/") + request.path
    html = fmt is DOCUMENT_FORMATS[0]
    lang = page_language() if html else "en"
    statements = html and request.args.get("view") == STATEMENTS
    key = (store.data_hash, base_iri(), request.script_root, doc_iri, lang, statements)
    body = caches().documents.get(key)
    if body is None:
        if html:
            body = render_page(store, iri, lang, statements).encode("utf-8")
        else:
            body = serialize(document_graph(store, iri, doc_iri), fmt)
        caches().documents.put(key, body)
    response = Response(body, content_type=fmt.content_type)
    links = [
        f'<{doc_href(iri, f.extension)}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_FORMATS
        if f is not fmt
    ]
    response.headers["Link"] = ", ".join([f'<{iri}>; rel="describes"', *links])
    if html:  # the labels' language follows ?lang= or Accept-Language
        response.vary.add("Accept-Language")
    return _caching(response, store, f"{request.path} {lang} {statements}")


STATEMENTS = "statements"  # ?view=statements: the generic page of a thing that has a profile


def render_page(store: Store, iri: str, lang: str = "en", statements: bool = False) -> str:
    """The HTML page of ``iri``: a process's profile (its generic view of every statement at
    ``?view=statements``), a country's with its locator map, the ontology's, or the generic page."""
    view = build_view(store, iri, lang)
    if any(t.iri == str(OWL.Ontology) for t in view.types):
        page = render_ontology(store, iri, view)
        if page is not None:
            return page
    kinds = {t.iri.rsplit("#", 1)[-1] for t in view.types if t.iri.startswith(base_iri() + "ontology#")}
    profile = process_profile(store, view) if "RegionalConsultativeProcess" in kinds and not statements else None
    locator = country_map(store, view) if kinds & {"Country", "Territory"} else None
    has_profile = "RegionalConsultativeProcess" in kinds
    return render_template(
        "resource.html", view=view, profile=profile, locator=locator, statements=statements, has_profile=has_profile
    )


@bp.route("/<path:rest>", methods=["GET", "HEAD"])
def any_iri(rest: str) -> Response:
    """The IRI of a thing: 303 to its document."""
    if not _SAFE_IRI.match(rest):
        return not_found(base_iri() + rest)
    return _see_other(base_iri() + rest)
