"""``/dumps/``: the dump files written by ``rcpkg build`` (``rcpkg.dump.write_dumps``), with a listing of
their sizes and SHA-256 checksums; ``/.well-known/void`` (and ``/dataset``): the VoID / DCAT description.

The dumps live next to the dataset file the server loads (``Config.dataset``'s folder). Only the files
named in ``rcpkg.void.DUMP_FILES`` and ``SHA256SUMS`` are served; anything else there is 404.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from flask import Blueprint, Response, request
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file

from rcpkg.dump import output_graph
from rcpkg.namespaces import METADATA_GRAPH
from rcpkg.store import NotAcceptable, negotiate, with_charset
from rcpkg.void import DUMP_FILES
from rcpkg.web.app import error_response, get_config, get_store, public_base, set_last_modified, wants_html

bp = Blueprint("dumps", __name__)

CHECKSUMS = "SHA256SUMS"
MEDIA_TYPES = {d.name: (d.compression or d.media_type) for d in DUMP_FILES} | {CHECKSUMS: "text/plain"}
RDF_WRITERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def _directory() -> Path:
    return Path(get_config().dataset).parent


def _checksums(directory: Path) -> dict[str, str]:
    """name -> SHA-256 from SHA256SUMS (computed from the files when SHA256SUMS is missing)."""
    sums: dict[str, str] = {}
    try:
        for line in (directory / CHECKSUMS).read_text("ascii").splitlines():
            digest, _, name = line.partition("  ")
            if digest and name:
                sums[name.strip()] = digest.strip()
    except (OSError, UnicodeDecodeError):
        for dump in DUMP_FILES:
            path = directory / dump.name
            if path.is_file():
                sums[dump.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = get_config().cors_origin
    return response


@bp.route("/dumps/")
def listing() -> Response:
    directory = _directory()
    sums = _checksums(directory)
    entries = []
    for dump in DUMP_FILES:
        path = directory / dump.name
        if not path.is_file():
            continue
        entries.append(
            {
                "name": dump.name,
                "url": f"{public_base()}dumps/{dump.name}",
                "title": dump.title,
                "mediaType": dump.media_type,
                "compression": dump.compression,
                "bytes": path.stat().st_size,
                "sha256": sums.get(dump.name),
            }
        )
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and not wants_html():
        body = json.dumps({"dumps": entries, "checksums": f"{public_base()}dumps/{CHECKSUMS}"}, indent=1)
        return _cors(Response(body, content_type="application/json; charset=utf-8"))
    rows = "".join(
        f'<tr><td><a href="{html.escape(e["name"])}">{html.escape(e["name"])}</a></td>'
        f"<td>{html.escape(e['title'])}</td><td>{html.escape(e['mediaType'])}"
        f"{' (gzip)' if e['compression'] else ''}</td><td>{e['bytes']}</td>"
        f"<td><code>{html.escape(e['sha256'] or '')}</code></td></tr>"
        for e in entries
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Dumps</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:1rem}td,th{border:1px solid #ccc;"
        "padding:.2rem .4rem;text-align:left}table{border-collapse:collapse}</style></head><body><main>"
        "<h1>Dumps of the knowledge base</h1>"
        '<p>Licence: <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>. '
        f'Checksums: <a href="{CHECKSUMS}">{CHECKSUMS}</a> (<code>sha256sum -c {CHECKSUMS}</code>). '
        'Description: <a href="../.well-known/void">VoID</a>.</p>'
        '<table><thead><tr><th scope="col">File</th><th scope="col">Content</th><th scope="col">Media type</th>'
        '<th scope="col">Bytes</th><th scope="col">SHA-256</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></main></body></html>"
    )
    return _cors(Response(body, content_type="text/html; charset=utf-8"))


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    if name not in MEDIA_TYPES:
        return error_response(404, f"no dump named {name!r}; see {public_base()}dumps/")
    path = _directory() / name
    if not path.is_file():
        return error_response(404, f"{name} has not been written; run `rcpkg build` or `rcpkg dump`")
    media_type = MEDIA_TYPES[name]
    mimetype = media_type if media_type == "application/gzip" else with_charset(media_type)
    environ = request.environ
    if "HTTP_RANGE" in environ and not _satisfiable_syntax(environ["HTTP_RANGE"]):
        # RFC 9110, 14.2: a Range header that is not a valid single byte range is ignored (200, whole body).
        environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    response = send_file(
        path, environ, mimetype=mimetype, conditional=False, etag=False, max_age=3600, response_class=Response
    )
    sums = _checksums(path.parent)
    digest = sums.get(name)
    if digest:
        response.set_etag(digest)
        response.headers["Digest"] = "sha-256=" + _b64(digest)
    # Last-Modified: the date the data states (never the file's mtime), when these dumps are those of the
    # loaded dataset (its rcp.trig has the loaded bytes' digest); otherwise none, the ETag still validates.
    store = get_store()
    same_build = sums.get("rcp.trig") == store.data_hash
    set_last_modified(response, store.last_modified if same_build else None)
    response.make_conditional(environ, accept_ranges=True, complete_length=path.stat().st_size)
    return _cors(response)


def _satisfiable_syntax(header: str) -> bool:
    """True when a Range header is one well-formed byte range (which may still lie beyond the file: 416).
    Anything else (not parsable, another unit, several ranges, which this server does not combine) is
    ignored."""
    parsed = parse_range_header(header)
    return parsed is not None and parsed.units == "bytes" and len(parsed.ranges) == 1


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


@bp.route("/.well-known/void")
@bp.route("/dataset")
def void_description() -> Response:
    store = get_store()
    graph = output_graph()
    for s, p, o, _ in store.quads(graph=str(METADATA_GRAPH)):
        graph.add((s, p, o))
    if not len(graph):
        from rdflib import Dataset

        from rcpkg.void import describe

        dataset = Dataset()
        for s, p, o, g in store.quads():
            dataset.graph(g).add((s, p, o)) if g else dataset.add((s, p, o))
        graph = describe(dataset, modified=store.last_modified)
    fmt = request.args.get("format")
    accept = {
        "turtle": "text/turtle",
        "ttl": "text/turtle",
        "nt": "application/n-triples",
        "jsonld": "application/ld+json",
        "json-ld": "application/ld+json",
        "rdfxml": "application/rdf+xml",
    }.get((fmt or "").lower(), request.headers.get("Accept"))
    if fmt and fmt.lower() not in ("turtle", "ttl", "nt", "jsonld", "json-ld", "rdfxml"):
        return _cors(error_response(400, f"unknown format {fmt!r}: turtle, nt, jsonld, rdfxml"))
    try:
        media_type = negotiate(accept, "CONSTRUCT")
    except NotAcceptable as exc:
        return _cors(error_response(406, str(exc)))
    body = graph.serialize(format=RDF_WRITERS[media_type], encoding="utf-8")
    response = Response(body, content_type=with_charset(media_type))
    response.headers["Vary"] = "Accept"
    response.set_etag(hashlib.sha256(store.data_hash.encode() + media_type.encode()).hexdigest()[:40])
    set_last_modified(response, store.last_modified)
    response.make_conditional(request)
    return _cors(response)
