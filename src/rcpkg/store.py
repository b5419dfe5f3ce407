"""The loaded knowledge base behind one small interface; the only module that talks to the query engine.

The engine is pyoxigraph (in memory), chosen by measurement (see ``bench/RESULTS.md``). The dataset file
(``paths.dataset_file()``, TriG) holds the named graphs data, ontology, inferred and metadata; the default
graph of every query is their union.

Interface (everything the web layer and the pages use)::

    store = Store.load(path=None)         # TriG file, paths.dataset_file() by default; DataError if unusable
    store = Store.from_bytes(data, format="trig")   # same, from bytes (tests, notebooks)
    store.data_hash        # str: SHA-256 (hex) of the loaded bytes: ETags and cache keys
    store.last_modified    # datetime (UTC) | None: the dcterms:modified the data states for the dataset
                           # (recorded by ``rcpkg build``, see ``rcpkg.void.build_date``); None if it states none
    store.max_depth        # deepest bracket nesting accepted (``Config.max_query_depth``)
    store.max_query_bytes  # longest query the query threads are sized for (``Config.max_query_bytes``)
    store.graphs           # tuple[str, ...]: IRIs of the named graphs, sorted
    store.triple_count     # int: distinct triples of the union default graph

    # SPARQL protocol: text in, bytes out
    body, media_type = store.query(text, accept="*/*", default_graph_uris=(), named_graph_uris=())
    answer = store.execute(text, media_type, default_graph_uris=(), named_graph_uris=(),
                           max_rows=None, timeout=None)
                           # -> Answer (body, media_type, form, rows, truncated)
    info = inspect_query(text, max_depth) # -> QueryInfo: form, SERVICE IRIs, FROM graphs, deterministic;
                                          #    QueryTooComplex when { ( [ nest deeper than max_depth
    negotiate(accept, form) -> str        # the media type to answer with; NotAcceptable if none

    # Python values, for HTML pages (rdflib terms: URIRef, Literal, BNode)
    store.select(text, bindings=None) -> list[dict[str, Term]]   # unbound variables are absent from a row
    store.ask(text, bindings=None) -> bool
    store.construct(text) -> rdflib.Graph                       # CONSTRUCT or DESCRIBE
    store.describe(iri, incoming=False) -> rdflib.Graph
        # triples with iri as subject (and blank nodes reached from it); incoming=True: also as object
    store.quads(subject=None, predicate=None, object=None, graph=None) -> list[tuple[s, p, o, graph IRI]]
    store.contains(iri) -> bool                           # iri is the subject or object of some triple

``bindings`` maps variable names (without "?") to rdflib terms or IRIs given as strings; they are
substituted before evaluation (no string splicing of user input into query text).

Errors (all subclasses of ``rcpkg.errors.QueryError``; the web layer maps them to statuses):
``QueryError`` (malformed query: 400), ``QueryTooComplex`` (brackets nested too deep, or a query too long to
evaluate safely: 400), ``QueryRefused`` (update, SERVICE or a graph not in the dataset: 403 or 400),
``NotAcceptable`` (no requested format fits the query form, or the result cannot be written in the requested
XML format: 406), ``QueryTimeout`` (503).

Stack depth: the engine's parser and evaluator recurse over the query's structure, and a thread that runs
out of stack takes the whole process down (SIGSEGV), which no Python code can catch. Two guards, both here:
``inspect_query`` refuses brackets nested deeper than ``max_depth``, and every evaluation runs on a thread
whose stack is sized for the length of the query (long flat chains such as ``1+1+...``, ``!!!...``, a list
of thousands of triple patterns also recurse: measured at most about 1 KiB of stack per byte of query, so
``_STACK_PER_QUERY_BYTE`` is twice that). The query threads of the web server are sized for
``max_query_bytes``; a longer query (``rcpkg query``) gets a thread of its own, up to ``_STACK_MAX``.

Timeouts: pyoxigraph cannot be interrupted from Python. ``execute(..., timeout=)`` runs the query on a
thread of this process and stops waiting after ``timeout`` seconds; the evaluation then keeps a core busy
until the process ends, so the store marks itself ``tainted`` and the server (``rcpkg.web.server``) ends
that worker process once its in-flight responses are sent; gunicorn starts a fresh one from the preloaded
master in milliseconds.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import threading
import traceback
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin
from xml.parsers import expat

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from rcpkg import paths
from rcpkg.config import MAX_QUERY_BYTES, MAX_QUERY_DEPTH
from rcpkg.dump import output_graph, prefixes_of
from rcpkg.errors import DataError, QueryError
from rcpkg.namespaces import BASE, PREFIXES

# --------------------------------------------------------------------------------------------- errors


class QueryRefused(QueryError):
    """The query is well-formed but not allowed here: an update, SERVICE to an address not allow-listed,
    or FROM / FROM NAMED / default-graph-uri / named-graph-uri naming a graph this dataset does not hold."""

    def __init__(self, message: str, reason: str = "policy"):
        self.reason = reason  # "update" | "service" | "graph" | "size"
        super().__init__(message)


class NotAcceptable(QueryError):
    """None of the requested media types can express the result of this query form."""

    def __init__(self, message: str, available: Sequence[str] = ()):
        self.available = tuple(available)
        super().__init__(message)


class QueryTimeout(QueryError):
    """The query ran longer than the configured timeout and was abandoned."""


class QueryTooComplex(QueryError):
    """The query nests brackets deeper than the limit, or is too long to evaluate without risking the
    engine's stack."""


# ------------------------------------------------------------------------------------- media types

SELECT, ASK, CONSTRUCT, DESCRIBE = "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"

#: media type -> pyoxigraph format, for SELECT and ASK, in order of preference when the client has none.
RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: media type -> pyoxigraph format, for CONSTRUCT and DESCRIBE, in order of preference.
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: Other names clients use for the same formats.
ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/n-triples": "application/n-triples",
    "text/plain": "application/n-triples",
    "application/x-ntriples": "application/n-triples",
}
# The aliases for RDF graphs (application/xml -> RDF/XML for CONSTRUCT).
GRAPH_ALIASES: dict[str, str] = {
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
    "application/x-turtle": "text/turtle",
    "text/n-triples": "application/n-triples",
    "text/plain": "application/n-triples",
    "application/x-ntriples": "application/n-triples",
}


def media_types_for(form: str) -> list[str]:
    """The media types this store writes for a query form, preferred first."""
    return list(RESULT_TYPES if form in (SELECT, ASK) else GRAPH_TYPES)


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, best first (stable for ties, more
    specific ranges first). Malformed parts are ignored; an empty header means ``*/*``."""
    if not accept or not accept.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int, int]] = []
    for index, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        mtype = pieces[0].lower()
        if not mtype or "/" not in mtype:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        specificity = 0 if mtype == "*/*" else 1 if mtype.endswith("/*") else 2
        ranges.append((mtype, q, specificity, index))
    ranges.sort(key=lambda r: (-r[1], -r[2], r[3]))
    return [(m, q) for m, q, _, _ in ranges]


def negotiate(accept: str | None, form: str, extra: Sequence[str] = ()) -> str:
    """The media type to answer a query of ``form`` with, given an Accept header.

    ``extra`` lists further media types the caller can produce (the web layer adds ``text/html``); they
    are chosen only when named explicitly (not through ``*/*``). Raises ``NotAcceptable``."""
    own = media_types_for(form)
    aliases = ALIASES if form in (SELECT, ASK) else GRAPH_ALIASES
    ranges = parse_accept(accept)
    best: tuple[float, int, str] | None = None
    for position, (mtype, q) in enumerate(ranges):
        if q <= 0:
            continue
        if mtype in own or mtype in extra:
            candidate = mtype
        elif mtype in aliases:
            candidate = aliases[mtype]
        elif mtype.endswith("/*"):
            major = "" if mtype == "*/*" else mtype[:-1]
            matches = [m for m in own if m.startswith(major) and not _excluded(m, ranges)]
            if not matches:
                continue
            candidate = matches[0]
        else:
            continue
        if _excluded(candidate, ranges):
            continue
        key = (q, -position, candidate)
        if best is None or (key[0], key[1]) > (best[0], best[1]):
            best = key
    if best is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept}) can express a {form} result; available: "
            + ", ".join(own + list(extra)),
            available=own + list(extra),
        )
    return best[2]


def _excluded(candidate: str, ranges: list[tuple[str, float]]) -> bool:
    """True when the client gave this exact media type q=0."""
    return any(m == candidate and q <= 0 for m, q in ranges)


def with_charset(media_type: str) -> str:
    """The Content-Type header value: every format here is UTF-8 text."""
    return f"{media_type}; charset=utf-8"


# ------------------------------------------------------------------------------------- query analysis

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_FORMS = {SELECT, ASK, CONSTRUCT, DESCRIBE}
_NONDETERMINISTIC = {"NOW", "RAND", "UUID", "STRUUID"}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:
              (?:[\w\-.:%\\\u00b7\u00c0-\uffff]*[\w\-:%\u00b7\u00c0-\uffff])?)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryInfo:
    """What a query asks for, read from its tokens before any evaluation."""

    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE | UPDATE | "" (no form keyword found)
    services: tuple[str, ...] = ()  # IRIs of SERVICE clauses; "?var" for a variable endpoint
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    deterministic: bool = True  # no NOW(), RAND(), UUID(), STRUUID(): the answer can be cached


def _unescape(text: str) -> str:
    """SPARQL applies \\u and \\U escapes to the whole query string before parsing (SPARQL 1.1 §19.2)."""

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        try:
            return chr(code)
        except ValueError:
            return m.group(0)

    return _UNICODE_ESCAPE.sub(repl, text)


_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")


@functools.lru_cache(maxsize=4096)
def inspect_query(text: str, max_depth: int = MAX_QUERY_DEPTH) -> QueryInfo:
    """Read the query form, SERVICE endpoints and FROM graphs from the tokens of ``text``.

    This is deliberately conservative: a word SERVICE anywhere outside strings, IRIs and comments counts,
    so a query cannot hide a SERVICE clause from this check and still reach the engine.

    Raises ``QueryTooComplex`` when brackets ``{ ( [`` (outside strings, IRIs and comments) nest deeper than
    ``max_depth``: the engine would recurse once per level and can exhaust its stack. Every query goes
    through here before it reaches the engine (the CLI, the protocol and ``Store.check``)."""
    source = _unescape(text)
    tokens: list[tuple[str, str]] = []
    depth = 0
    for m in _TOKEN.finditer(source):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "other":
            if value in _OPENING:
                depth += 1
                if depth > max_depth:
                    line = source.count("\n", 0, m.start()) + 1
                    raise QueryTooComplex(
                        f"brackets {{ ( [ nest more than {max_depth} levels deep (line {line}); "
                        f"at most {max_depth} levels are accepted: flatten the query"
                    )
            elif value in _CLOSING:
                depth = max(0, depth - 1)
        tokens.append((kind, value))
    prefixes: dict[str, str] = {}
    base = ""
    form = ""
    services: list[str] = []
    from_graphs: list[str] = []
    from_named: list[str] = []
    deterministic = True

    def resolve(tok: tuple[str, str]) -> str | None:
        kind, value = tok
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + local.replace("\\", "")
            return value
        if kind == "var":
            return value
        return None

    i = 0
    n = len(tokens)
    while i < n:
        kind, value = tokens[i]
        upper = value.upper() if kind in ("word", "pname") else ""
        if upper == "PREFIX" and i + 2 < n and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1][:-1]] = resolve(tokens[i + 2]) or ""
            i += 3
            continue
        if upper == "BASE" and i + 1 < n and tokens[i + 1][0] == "iri":
            base = resolve(tokens[i + 1]) or ""
            i += 2
            continue
        if not form and kind == "word":
            if upper in _FORMS:
                form = upper
            elif upper in _UPDATE_WORDS:
                form = "UPDATE"
        if upper == "SERVICE":
            j = i + 1
            if j < n and tokens[j][1].upper() == "SILENT":
                j += 1
            target = resolve(tokens[j]) if j < n else None
            services.append(target or "?")
        elif upper == "FROM" and i + 1 < n:
            if tokens[i + 1][1].upper() == "NAMED" and i + 2 < n:
                from_named.append(resolve(tokens[i + 2]) or tokens[i + 2][1])
                i += 3
                continue
            from_graphs.append(resolve(tokens[i + 1]) or tokens[i + 1][1])
        elif upper in _NONDETERMINISTIC and i + 1 < n and tokens[i + 1][1] == "(":
            deterministic = False
        i += 1
    return QueryInfo(form, tuple(services), tuple(from_graphs), tuple(from_named), deterministic)


# ---------------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """A serialised query result."""

    body: bytes
    media_type: str  # without parameters; the Content-Type adds "; charset=utf-8"
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    rows: int | None = None  # solutions (SELECT) or triples (CONSTRUCT / DESCRIBE); None for ASK
    truncated: bool = False  # True when max_rows cut the result


# Minimum bytes one solution takes in each results format: a body shorter than max_rows times this
# cannot hold more than max_rows solutions, so it needs no counting.
_MIN_ROW_BYTES = {
    ox.QueryResultsFormat.JSON: 2,
    ox.QueryResultsFormat.XML: 17,
    ox.QueryResultsFormat.CSV: 2,
    ox.QueryResultsFormat.TSV: 1,
}


@dataclass
class Store:
    """The knowledge base, loaded for querying. Create with ``Store.load`` or ``Store.from_bytes``."""

    engine: ox.Store
    data_hash: str
    last_modified: datetime | None
    graphs: tuple[str, ...]
    triple_count: int
    source: str = ""
    tainted: bool = False  # a query outlived its timeout: this process should be replaced
    max_depth: int = MAX_QUERY_DEPTH
    max_query_bytes: int = MAX_QUERY_BYTES
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- loading

    @classmethod
    def load(cls, path: Path | str | None = None) -> Store:
        """Load a TriG (or N-Quads, Turtle, N-Triples: by extension) file, ``paths.dataset_file()`` by
        default."""
        path = Path(path) if path is not None else paths.dataset_file()
        _format_from_name(path.name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DataError(f"{path}: no such file; run `rcpkg build` to write the dataset") from None
        except OSError as exc:
            raise DataError(f"{path}: cannot read: {exc.strerror}") from None
        return cls.from_bytes(data, path.suffix.lstrip("."), source=str(path))

    @classmethod
    def from_bytes(
        cls, data: bytes, format: str = "trig", last_modified: datetime | None = None, source: str = "<bytes>"
    ) -> Store:
        """Load RDF bytes in ``format`` ("trig", "nq", "ttl", "nt").

        ``last_modified`` defaults to the ``dcterms:modified`` the data states for the dataset (never a file
        time or the clock: the same bytes give the same value, on every machine)."""
        fmt = _format_from_name("x." + format)
        engine = ox.Store()
        try:
            engine.bulk_load(data, format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise DataError(f"{source}: not valid {format}: {exc}") from None
        graphs = tuple(sorted(g.value for g in engine.named_graphs() if isinstance(g, ox.NamedNode)))
        count = int(
            next(iter(engine.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", use_default_graph_as_union=True)))["n"].value
        )
        if last_modified is None:
            last_modified = _stated_modified(engine)
        return cls(
            engine=engine,
            data_hash=hashlib.sha256(data).hexdigest(),
            last_modified=last_modified.astimezone(UTC).replace(microsecond=0) if last_modified else None,
            graphs=graphs,
            triple_count=count,
            source=source,
        )

    # ---- SPARQL protocol

    def query(
        self,
        text: str,
        accept: str | None = "*/*",
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> tuple[bytes, str]:
        """Run ``text`` and serialise the result in the best format for ``accept``: (bytes, media type)."""
        info = inspect_query(text, self.max_depth)
        media_type = negotiate(accept, info.form if info.form in _FORMS else SELECT)
        answer = self.execute(text, media_type, default_graph_uris, named_graph_uris, info=info)
        return answer.body, answer.media_type

    def check(
        self,
        text: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        allowed_services: Iterable[str] = (),
        info: QueryInfo | None = None,
    ) -> QueryInfo:
        """Refuse what this read-only, no-outbound-traffic endpoint does not run (``QueryRefused``); return
        the query's ``QueryInfo``. Syntax errors are left to the engine's parser."""
        info = info or inspect_query(text, self.max_depth)
        if info.form == "UPDATE":
            raise QueryRefused("this endpoint is read-only: SPARQL Update is not accepted", reason="update")
        allowed = set(allowed_services)
        for service in info.services:
            if service not in allowed:
                raise QueryRefused(
                    f"SERVICE <{service}> is not allowed: this endpoint sends no requests elsewhere "
                    "unless its operator allow-lists the endpoint",
                    reason="service",
                )
        known = set(self.graphs)
        for label, iris in (
            ("FROM", info.from_graphs),
            ("FROM NAMED", info.from_named_graphs),
            ("default-graph-uri", tuple(default_graph_uris)),
            ("named-graph-uri", tuple(named_graph_uris)),
        ):
            for iri in iris:
                if iri not in known:
                    raise QueryRefused(
                        f"{label} <{iri}> is not a graph of this dataset (graphs are loaded, never fetched); "
                        "graphs: " + ", ".join(f"<{g}>" for g in self.graphs),
                        reason="graph",
                    )
        return info

    def execute(
        self,
        text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        max_rows: int | None = None,
        timeout: float | None = None,
        allowed_services: Iterable[str] = (),
        info: QueryInfo | None = None,
    ) -> Answer:
        """Check (``check``), run and serialise ``text`` as ``media_type`` (one of ``media_types_for``).

        At most ``max_rows`` solutions or triples are written; ``Answer.truncated`` says when more existed.
        With ``timeout`` (seconds) the evaluation is abandoned after that long (``QueryTimeout``) and the
        store becomes ``tainted``."""
        info = self.check(text, default_graph_uris, named_graph_uris, allowed_services, info)
        job = _releasing(
            functools.partial(self._run, text, info, media_type, default_graph_uris, named_graph_uris, max_rows)
        )
        size = len(text.encode("utf-8"))
        if timeout is not None and size <= min(self.max_query_bytes, _LONGEST_QUERY):
            future = self._submit(job)
        else:
            future = _run_on_own_thread(job, _stack_bytes(size))
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            if not future.cancel():
                self.tainted = True
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from None

    def _submit(self, job) -> Future:
        """Run ``job`` on the pool of query threads, whose stacks fit any query of ``max_query_bytes``."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="rcpkg-query")
            # The pool starts its threads inside submit(): give them the stack size a query needs.
            with _stack_size(_stack_bytes(min(self.max_query_bytes, _LONGEST_QUERY))):
                return self._pool.submit(job)

    def _evaluate(
        self,
        text: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        info: QueryInfo | None = None,
    ):
        kwargs: dict = {}
        if default_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris]
        elif info is None or not (info.from_graphs or info.from_named_graphs):
            # the union default graph, unless the query names its own dataset (FROM / FROM NAMED)
            kwargs["use_default_graph_as_union"] = True
        if named_graph_uris:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris]
        try:
            return self.engine.query(text, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc}") from None
        except (ValueError, OSError, TypeError) as exc:
            raise QueryError(f"cannot run the query: {exc}") from None

    def _run(
        self,
        text: str,
        info: QueryInfo,
        media_type: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        max_rows: int | None,
    ) -> Answer:
        form = info.form
        result = self._evaluate(text, default_graph_uris, named_graph_uris, info)
        try:
            if isinstance(result, ox.QueryBoolean):
                fmt = _results_format(media_type, ASK)
                return Answer(result.serialize(format=fmt), media_type, ASK)
            if isinstance(result, ox.QuerySolutions):
                return self._serialize_solutions(result, media_type, max_rows)
            return self._serialize_triples(form, result, media_type, max_rows)
        except (ValueError, OSError, SyntaxError) as exc:
            # Evaluation errors surface while serialising (results are computed lazily).
            raise QueryError(f"cannot run the query: {exc}") from None

    def _serialize_solutions(self, result: ox.QuerySolutions, media_type: str, max_rows: int | None) -> Answer:
        fmt = _results_format(media_type, SELECT)
        body = result.serialize(format=fmt)
        if fmt is ox.QueryResultsFormat.XML:
            _check_xml_characters(body, media_type, RESULT_TYPES)
        if max_rows is None:
            return Answer(body, media_type, SELECT, None, False)
        if len(body) < max_rows * _MIN_ROW_BYTES[fmt]:
            return Answer(body, media_type, SELECT, None, False)
        if fmt is ox.QueryResultsFormat.CSV:  # lossy, so not parsable by the engine: count CSV records
            records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
            if len(records) - 1 <= max_rows:
                return Answer(body, media_type, SELECT, len(records) - 1, False)
            out = io.StringIO(newline="")
            csv.writer(out, lineterminator="\r\n").writerows(records[: max_rows + 1])
            return Answer(out.getvalue().encode("utf-8"), media_type, SELECT, max_rows, True)
        # Large answer: count its solutions exactly through TSV (one line per solution; lossless).
        if fmt is ox.QueryResultsFormat.TSV:
            tsv = body
        else:
            tsv = ox.parse_query_results(body, format=fmt).serialize(format=ox.QueryResultsFormat.TSV)
        lines = tsv.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        rows = len(lines) - 1
        if rows <= max_rows:
            return Answer(body, media_type, SELECT, rows, False)
        cut = b"\n".join(lines[: max_rows + 1]) + b"\n"
        if fmt is not ox.QueryResultsFormat.TSV:
            cut = ox.parse_query_results(cut, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
        return Answer(cut, media_type, SELECT, max_rows, True)

    def _serialize_triples(self, form: str, result: ox.QueryTriples, media_type: str, max_rows: int | None) -> Answer:
        fmt = GRAPH_TYPES.get(media_type)
        if fmt is None:
            raise NotAcceptable(f"{media_type} cannot express a graph", available=list(GRAPH_TYPES))
        form = DESCRIBE if form == DESCRIBE else CONSTRUCT
        triples = []
        truncated = False
        for triple in result:
            if max_rows is not None and len(triples) >= max_rows:
                truncated = True
                break
            triples.append(triple)
        if fmt is ox.RdfFormat.N_TRIPLES:
            body = ox.serialize(triples, format=fmt)
        else:
            body = ox.serialize(triples, format=fmt, prefixes=_used_prefixes(triples))
        if fmt is ox.RdfFormat.RDF_XML:
            _check_rdf_xml(triples, body, media_type)
        return Answer(body, media_type, form, len(triples), truncated)

    # ---- Python values for pages

    @staticmethod
    def _bind(text: str, bindings: Mapping[str, object] | None) -> str:
        """Append a VALUES block binding the given variables (terms written by the engine, so input
        cannot change the query's structure)."""
        if not bindings:
            return text
        names = list(bindings)
        for name in names:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise QueryError(f"not a variable name: {name!r}")
        try:
            terms = " ".join(str(_to_ox(bindings[name])) for name in names)
        except ValueError as exc:
            raise QueryError(f"not a valid RDF term: {exc}") from None
        return f"{text}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }}"

    def select(self, text: str, bindings: Mapping[str, object] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables are absent)."""
        info = self.check(text)
        result = self._evaluate(self._bind(text, bindings), (), (), info)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        try:
            for solution in result:
                row = {}
                for name in names:
                    term = solution[name]
                    if term is not None:
                        row[name] = _to_rdflib(term)
                rows.append(row)
        except (ValueError, OSError) as exc:
            raise QueryError(f"cannot run the query: {exc}") from None
        return rows

    def ask(self, text: str, bindings: Mapping[str, object] | None = None) -> bool:
        """The answer of an ASK query."""
        info = self.check(text)
        result = self._evaluate(self._bind(text, bindings), (), (), info)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(result)

    def construct(self, text: str) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query, as an rdflib Graph with the project's prefixes."""
        info = self.check(text)
        result = self._evaluate(text, (), (), info)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        return _graph((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)) for t in result)

    def describe(self, iri: str, incoming: bool = False) -> Graph:
        """Triples (union of all graphs) with ``iri`` as subject, following blank-node objects; with
        ``incoming`` also the triples with ``iri`` as object."""
        node = ox.NamedNode(str(iri))
        seen: set = set()
        triples = []
        todo: list = [node]
        while todo:
            subject = todo.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for q in self.engine.quads_for_pattern(subject, None, None, None):
                triples.append((q.subject, q.predicate, q.object))
                if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                    todo.append(q.object)
        if incoming:
            for q in self.engine.quads_for_pattern(None, None, node, None):
                triples.append((q.subject, q.predicate, q.object))
        return _graph((_to_rdflib(s), _to_rdflib(p), _to_rdflib(o)) for s, p, o in triples)

    def quads(
        self, subject: object = None, predicate: object = None, object: object = None, graph: object = None
    ) -> list[tuple[Node, Node, Node, str | None]]:
        """Quads matching a pattern (None is a wildcard), as rdflib terms and the graph IRI (None for the
        default graph). Use it to tell asserted from inferred triples."""
        pattern = [None if x is None else _to_ox(x) for x in (subject, predicate, object, graph)]
        out = []
        for q in self.engine.quads_for_pattern(*pattern):
            g = q.graph_name
            out.append(
                (
                    _to_rdflib(q.subject),
                    _to_rdflib(q.predicate),
                    _to_rdflib(q.object),
                    g.value if isinstance(g, ox.NamedNode) else None,
                )
            )
        return out

    def contains(self, iri: str) -> bool:
        """True when ``iri`` is the subject or the object of a triple in some graph."""
        node = ox.NamedNode(str(iri))
        for _ in self.engine.quads_for_pattern(node, None, None, None):
            return True
        for _ in self.engine.quads_for_pattern(None, None, node, None):
            return True
        return False


# ------------------------------------------------------------------------------------------ helpers

_MIB = 1024 * 1024
#: Stack of a query thread: a base, plus this much per byte of query text (measured: at most about 1 KiB per
#: byte, for a list of numbers; 0.1-0.9 KiB for chains of operators, paths, patterns, groups), up to a maximum.
_STACK_BASE = 16 * _MIB
_STACK_PER_QUERY_BYTE = 2048
_STACK_MAX = 1024 * _MIB
_STACK_LOCK = threading.Lock()
_LONGEST_QUERY = (_STACK_MAX - _STACK_BASE) // _STACK_PER_QUERY_BYTE


def _stack_bytes(query_bytes: int) -> int:
    """The stack a query of ``query_bytes`` bytes is evaluated with (whole MiB); QueryTooComplex over the
    maximum."""
    if query_bytes > _LONGEST_QUERY:
        raise QueryTooComplex(
            f"the query is too long to evaluate safely: {query_bytes} bytes, at most {_LONGEST_QUERY}"
        )
    size = _STACK_BASE + _STACK_PER_QUERY_BYTE * query_bytes
    return -(-size // _MIB) * _MIB


@contextmanager
def _stack_size(size: int):
    """Threads started inside this block get a stack of ``size`` bytes (``threading.stack_size`` is
    process-wide, hence the lock)."""
    with _STACK_LOCK:
        previous = threading.stack_size(size)
        try:
            yield
        finally:
            threading.stack_size(previous)


def _releasing(job):
    """``job``, made to release the engine's objects on the thread that ran it when it fails: the frames
    of an exception's traceback hold result iterators, which pyoxigraph refuses to drop on another thread
    (the Future hands the exception to the waiting thread)."""

    def run():
        try:
            return job()
        except BaseException as exc:
            seen: set[int] = set()
            todo: list[BaseException | None] = [exc]
            while todo:
                e = todo.pop()
                if e is None or id(e) in seen:
                    continue
                seen.add(id(e))
                traceback.clear_frames(e.__traceback__)
                todo += [e.__cause__, e.__context__]
            raise

    return run


def _run_on_own_thread(job, stack: int) -> Future:
    """Run ``job`` on a new daemon thread with a ``stack``-byte stack; its result as a Future."""
    future: Future = Future()

    def target() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(job())
        except BaseException as exc:
            future.set_exception(exc)

    thread = threading.Thread(target=target, name="rcpkg-query-long", daemon=True)
    try:
        with _stack_size(stack):
            thread.start()
    except (RuntimeError, ValueError, MemoryError) as exc:
        raise QueryError(f"cannot start a thread to evaluate the query: {exc}") from None
    return future


def _stated_modified(engine: ox.Store) -> datetime | None:
    """The ``dcterms:modified`` (xsd:dateTime or xsd:date) of the dataset description, in any graph."""
    dataset = ox.NamedNode(BASE + "dataset")
    modified = ox.NamedNode("http://purl.org/dc/terms/modified")
    found = []
    for quad in engine.quads_for_pattern(dataset, modified, None, None):
        if isinstance(quad.object, ox.Literal):
            try:
                value = datetime.fromisoformat(quad.object.value)
            except ValueError:
                continue
            found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return max(found) if found else None


def _format_from_name(name: str) -> ox.RdfFormat:
    lowered = name.lower()
    for ext, fmt in (
        (".trig", ox.RdfFormat.TRIG),
        (".nq", ox.RdfFormat.N_QUADS),
        (".ttl", ox.RdfFormat.TURTLE),
        (".turtle", ox.RdfFormat.TURTLE),
        (".nt", ox.RdfFormat.N_TRIPLES),
    ):
        if lowered.endswith(ext):
            return fmt
    raise DataError(f"{name}: unknown RDF format (use .trig, .nq, .ttl or .nt)")


# Characters XML 1.0 cannot hold, not even as character references (C0 controls other than tab, line feed
# and carriage return; U+FFFE, U+FFFF), as UTF-8 bytes.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")

# An XML NCName: pyoxigraph writes a predicate as an element named by the longest NCName ending its IRI.
_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_END = re.compile(f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*$")


def _check_xml_characters(body: bytes, media_type: str, types: Mapping[str, object]) -> None:
    """NotAcceptable when ``body`` holds a character XML 1.0 cannot represent (it would not parse)."""
    found = _NOT_XML.search(body)
    if found is not None:
        char = found.group().decode("utf-8")
        others = ", ".join(t for t in types if t != media_type)
        raise NotAcceptable(
            f"the result holds the character U+{ord(char):04X}, which XML 1.0 cannot represent, so it cannot be "
            f"written as {media_type}; ask for {others}",
            available=[t for t in types if t != media_type],
        )


def _check_rdf_xml(triples: Sequence[ox.Triple], body: bytes, media_type: str) -> None:
    """NotAcceptable when the RDF/XML of ``triples`` would not be well-formed XML: a predicate whose IRI
    does not end in an XML name (``http://example.org/1``) has no element name in RDF/XML, and some
    characters have no XML representation."""
    for predicate in sorted({t.predicate.value for t in triples}):
        if not _NAME_END.search(predicate):
            others = [t for t in GRAPH_TYPES if t != media_type]
            raise NotAcceptable(
                f"RDF/XML cannot write the predicate <{predicate}>: its IRI does not end in a name an XML element "
                f"can have; ask for {', '.join(others)}",
                available=others,
            )
    _check_xml_characters(body, media_type, GRAPH_TYPES)
    # Last guard: anything else the writer could get wrong is caught by a namespace-aware XML parser.
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        others = [t for t in GRAPH_TYPES if t != media_type]
        raise NotAcceptable(
            f"the result cannot be written as well-formed RDF/XML ({exc}); ask for {', '.join(others)}",
            available=others,
        ) from None


def _used_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The project's prefixes that some IRI of ``triples`` starts with (documents name no others)."""
    iris = (
        term.value if isinstance(term, ox.NamedNode) else term.datatype.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode | ox.Literal)
    )
    return prefixes_of(iris, {p: str(ns) for p, ns in PREFIXES.items()})


def _results_format(media_type: str, form: str) -> ox.QueryResultsFormat:
    fmt = RESULT_TYPES.get(media_type)
    if fmt is None:
        raise NotAcceptable(f"{media_type} cannot express a {form} result", available=list(RESULT_TYPES))
    return fmt


def _to_rdflib(term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"unsupported term {term!r}")


def _to_ox(value: object):
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value
    if isinstance(value, URIRef) or (isinstance(value, str) and not isinstance(value, Literal | BNode)):
        return ox.NamedNode(str(value))
    if isinstance(value, BNode):
        return ox.BlankNode(str(value))
    if isinstance(value, Literal):
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype is not None:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    raise QueryError(f"cannot use {value!r} as an RDF term")


def _graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    g = output_graph()
    for t in triples:
        g.add(t)
    return g
