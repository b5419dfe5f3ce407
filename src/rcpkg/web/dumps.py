"""``/dumps/``: the dump files written by ``rcpkg build`` (``rcpkg.dump.write_dumps``), with a listing of
their sizes and SHA-256 checksums; ``/.well-known/void`` (and ``/dataset``): the VoID / DCAT description.

The dumps live next to the dataset file the server loads (``Config.dataset``'s folder). Only the files
named in ``rcpkg.void.DUMP_FILES`` and ``SHA256SUMS`` are served; anything else there is 404.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from rdflib import Dataset
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file

from rcpkg.dump import output_graph
from rcpkg.errors import DataError
from rcpkg.formats import GRAPHS, by_name
from rcpkg.namespaces import METADATA_GRAPH
from rcpkg.store import CONSTRUCT, NotAcceptable
from rcpkg.store import load as loading
from rcpkg.void import DUMP_FILES, describe
from rcpkg.web.cache import conditional, etag, ranged
from rcpkg.web.context import error_response, get_config, get_store, public_base
from rcpkg.web.negotiation import for_query, wants_json

bp = Blueprint("dumps", __name__)

CHECKSUMS = "SHA256SUMS"
MEDIA_TYPES = {d.name: (d.compression or d.media_type) for d in DUMP_FILES} | {CHECKSUMS: "text/plain"}


def _directory() -> Path:
    return Path(get_config().dataset).parent


def _checksums(directory: Path) -> dict[str, str]:
    """name -> SHA-256: the build's SHA256SUMS as it is now (the store verified the files against it when it
    loaded, ``Store.load``; a build published since brings its own); computed from the files for a dataset
    given without one."""
    try:
        written = loading.checksums(directory)
    except DataError:
        written = None
    if written:
        return written
    sums: dict[str, str] = {}
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
    if wants_json(request.headers.get("Accept")):
        body = json.dumps({"dumps": entries, "checksums": f"{public_base()}dumps/{CHECKSUMS}"}, indent=1)
        return _cors(Response(body, content_type="application/json; charset=utf-8"))
    body = render_template("dumps.html", entries=entries, checksums=CHECKSUMS)
    return _cors(Response(body, content_type="text/html; charset=utf-8"))


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    if name not in MEDIA_TYPES:
        return error_response(404, f"no dump named {name!r}; see {public_base()}dumps/")
    path = _directory() / name
    if not path.is_file():
        return error_response(404, f"{name} has not been written; run `rcpkg build` or `rcpkg dump`")
    media_type = MEDIA_TYPES[name]
    environ = request.environ
    if "HTTP_RANGE" in environ and not _satisfiable_syntax(environ["HTTP_RANGE"]):
        # RFC 9110, 14.2: a Range header that is not a valid single byte range is ignored (200, whole body).
        environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    response = send_file(
        path, environ, mimetype=media_type, conditional=False, etag=False, max_age=3600, response_class=Response
    )
    # the whole header, once: werkzeug appends a charset to text/* types only, and again to one given with it
    response.content_type = media_type if media_type == "application/gzip" else f"{media_type}; charset=utf-8"
    sums = _checksums(path.parent)
    digest = sums.get(name)
    if digest:
        response.headers["Digest"] = "sha-256=" + _b64(digest)
    # Last-Modified: the date the data states (never the file's mtime), when these dumps are those of the
    # loaded dataset (its rcp.trig has the loaded bytes' digest); otherwise none, the ETag still validates.
    store = get_store()
    same_build = sums.get("rcp.trig") == store.data_hash
    ranged(response, environ, digest, store.last_modified if same_build else None, path.stat().st_size)
    return _cors(response)


def _satisfiable_syntax(header: str) -> bool:
    """True when a Range header is one well-formed byte range (which may still lie beyond the file: 416).
    Anything else (not parsable, another unit, several ranges, which this server does not combine) is
    ignored."""
    parsed = parse_range_header(header)
    return parsed is not None and parsed.units == "bytes" and len(parsed.ranges) == 1


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


@bp.route("/.well-known/void")
@bp.route("/dataset")
def void_description() -> Response:
    store = get_store()
    graph = output_graph()
    for s, p, o, _ in store.quads(graph=str(METADATA_GRAPH)):
        graph.add((s, p, o))
    if not len(graph):
        dataset = Dataset()
        for s, p, o, g in store.quads():
            dataset.graph(g).add((s, p, o)) if g else dataset.add((s, p, o))
        graph = describe(dataset, modified=store.last_modified)
    name = request.args.get("format")
    if name and by_name(name.lower(), GRAPHS) is None:
        return _cors(error_response(400, f"unknown format {name!r}: turtle, nt, jsonld, rdfxml"))
    try:
        fmt = for_query(CONSTRUCT, request.headers.get("Accept"), name, html=False)
    except NotAcceptable as exc:
        return _cors(error_response(406, str(exc)))
    body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    conditional(response, request, etag(store.data_hash + fmt.media_type, length=40), store.last_modified)
    return _cors(response)
