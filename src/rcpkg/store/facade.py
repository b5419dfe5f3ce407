"""The ``Store``: the loaded knowledge base behind one small interface (see ``rcpkg.store``)."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from rcpkg import formats, paths
from rcpkg.dump import output_graph
from rcpkg.errors import QueryError
from rcpkg.formats import GRAPHS, RESULTS, Format
from rcpkg.store import disk, serialize
from rcpkg.store import load as loading
from rcpkg.store.errors import NotAcceptable, QueryRefused
from rcpkg.store.execute import LONGEST_QUERY, on_sized_stack, stack_bytes
from rcpkg.store.inspect import FORMS, SELECT, QueryInfo, inspect_query, services_read_by_parser
from rcpkg.store.isolation import NOT_NOW, Evaluators
from rcpkg.store.limits import Limits
from rcpkg.store.serialize import Answer
from rcpkg.terms import to_oxigraph, to_rdflib

_OPENING = threading.Lock()


@dataclass
class Store:
    """The knowledge base, loaded for querying. Create with ``Store.load`` or ``Store.from_bytes``."""

    engine: ox.Store | None = field(repr=False)  # the in-memory store; None when served from disk
    data_hash: str
    last_modified: datetime | None
    graphs: tuple[str, ...]
    triple_count: int
    source: str = ""
    limits: Limits = field(default_factory=Limits)
    checksums: dict[str, str] = field(default_factory=dict)  # name -> SHA-256 of the files beside the dataset
    on_disk: Path | None = None  # the on-disk store each process opens read-only (``rcpkg.store.disk``)
    _opened: tuple[int, ox.Store] | None = field(default=None, repr=False)
    _evaluators: Evaluators | None = field(default=None, repr=False)
    _federating: Evaluators | None = field(default=None, repr=False)

    # ---- loading

    @classmethod
    def load(cls, path: Path | str | None = None, limits: Limits | None = None, mode: str = "auto") -> Store:
        """Load a TriG (or N-Quads, Turtle, N-Triples: by extension) file, ``paths.dataset_file()`` by
        default, into memory or as the on-disk store made from it (``mode``, see ``rcpkg.store.disk``). When
        the build's ``SHA256SUMS`` lies beside it, the file and every dump it lists must match it
        (``DataError`` otherwise)."""
        path = Path(path) if path is not None else paths.dataset_file()
        fmt = loading.format_of(path.name)
        if disk.chosen(mode, path) == "disk":
            data_hash = loading.file_hash(path)
            checksums = loading.verify(path, data_hash)  # before anything is read: the clearer error
            manifest = disk.prepare(path, data_hash, fmt, loading.describe)
            store = cls(
                engine=None,
                on_disk=disk.location(path),
                data_hash=data_hash,
                last_modified=manifest.last_modified,
                graphs=manifest.graphs,
                triple_count=manifest.triple_count,
                source=str(path),
                limits=limits or Limits(),
            )
        else:
            data = loading.read(path)
            checksums = loading.verify(path, hashlib.sha256(data).hexdigest())  # before parsing: the clearer error
            store = cls._of(loading.load(data, fmt, None, str(path)), str(path), limits)
        store.checksums = checksums
        return store

    def _db(self) -> ox.Store:
        """The engine: the in-memory store, or this process's read-only handle on the on-disk one (opened on
        first use in each process: a handle is never shared across a fork)."""
        if self.engine is not None:
            return self.engine
        assert self.on_disk is not None
        opened = self._opened
        if opened is None or opened[0] != os.getpid():
            with _OPENING:
                opened = self._opened
                if opened is None or opened[0] != os.getpid():
                    opened = self._opened = (os.getpid(), disk.open_read_only(self.on_disk))
        return opened[1]

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        format: str = "trig",
        last_modified: datetime | None = None,
        source: str = "<bytes>",
        limits: Limits | None = None,
    ) -> Store:
        """Load RDF bytes in ``format`` ("trig", "nq", "ttl", "nt")."""
        fmt = loading.format_of("x." + format)
        return cls._of(loading.load(data, fmt, last_modified, source), source, limits)

    @classmethod
    def _of(cls, loaded: loading.Loaded, source: str, limits: Limits | None) -> Store:
        return cls(
            engine=loaded.engine,
            data_hash=loaded.data_hash,
            last_modified=loaded.last_modified,
            graphs=loaded.graphs,
            triple_count=loaded.triple_count,
            source=source,
            limits=limits or Limits(),
        )

    # ---- isolation

    @property
    def evaluators(self) -> Evaluators:
        """The processes that evaluate this store's queries (``rcpkg.store.isolation``), without network,
        following the store's current limits."""
        self._evaluators = self._configured(self._evaluators, network=False)
        return self._evaluators

    @property
    def federating(self) -> Evaluators:
        """The evaluators of queries whose every SERVICE is allow-listed: with network."""
        self._federating = self._configured(self._federating, network=True)
        return self._federating

    def _configured(self, evaluators: Evaluators | None, network: bool) -> Evaluators:
        stack = stack_bytes(min(self.limits.max_query_bytes, LONGEST_QUERY))
        if evaluators is None:
            return Evaluators(self._serve, self.limits.evaluators, self.limits.max_query_memory, stack, network=network)
        evaluators.configure(self.limits.evaluators, self.limits.max_query_memory, stack)
        return evaluators

    def start_evaluators(self, federating: bool = False) -> None:
        """Fork the evaluators' zygote now (and the federating one, when SERVICE is allow-listed): the server
        does so in its master, before forking its workers."""
        self.evaluators.start()
        if federating:
            self.federating.start()

    def _serve(self, job: tuple) -> Answer:
        """In an evaluator process: run one job of ``execute``."""
        text, info, media_type, default_graph_uris, named_graph_uris, max_rows, base_iri = job
        run = functools.partial(
            self._run, text, info, formats.of(media_type), default_graph_uris, named_graph_uris, max_rows, base_iri
        )
        # The evaluator's loop runs on a thread sized for max_query_bytes (Evaluators' ``stack``).
        return on_sized_stack(run, len(text.encode("utf-8")), min(self.limits.max_query_bytes, LONGEST_QUERY))

    # ---- SPARQL protocol

    def inspect(self, text: str) -> QueryInfo:
        """``inspect_query`` with this store's depth limit."""
        return inspect_query(text, self.limits.max_query_depth)

    def query(
        self,
        text: str,
        format: Format | str | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> tuple[bytes, str]:
        """Run ``text`` and serialise the result in ``format`` (default: the first of ``RESULTS`` or
        ``GRAPHS`` that fits the query form): (bytes, media type)."""
        info = self.inspect(text)
        if format is None:
            format = (RESULTS if info.form in (SELECT, "ASK") or info.form not in FORMS else GRAPHS)[0]
        answer = self.execute(text, format, default_graph_uris, named_graph_uris, info=info)
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
        info = info or self.inspect(text)
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
        format: Format | str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        max_rows: int | None = None,
        timeout: float | None = None,
        allowed_services: Iterable[str] = (),
        info: QueryInfo | None = None,
        base_iri: str | None = None,
    ) -> Answer:
        """Check (``check``), run and serialise ``text`` in ``format`` (one of ``RESULTS`` or ``GRAPHS``, or its
        media type), in an evaluator process of its own (``rcpkg.store.isolation``): it cannot reach the
        network, its memory is bounded, and stopping it stops nothing else. Relative IRIs in the query resolve
        against ``base_iri`` (the endpoint's IRI), if given.

        At most ``max_rows`` solutions or triples are written; ``Answer.truncated`` says when more existed.
        With ``timeout`` (seconds) the evaluation is stopped after that long (``QueryTimeout``)."""
        try:
            fmt = formats.of(format)
        except ValueError as exc:
            raise NotAcceptable(str(exc), available=[f.media_type for f in (*RESULTS, *GRAPHS)]) from None
        info = self.check(text, default_graph_uris, named_graph_uris, allowed_services, info)
        job = (text, info, fmt.media_type, tuple(default_graph_uris), tuple(named_graph_uris), max_rows, base_iri)
        if not info.services:
            return self.evaluators.run(job, timeout)
        # Every SERVICE is allow-listed as the check reads the query; the network is given only when an
        # independent parser reads the same endpoints.
        second = services_read_by_parser(text)
        if second is None or sorted(set(second)) != sorted(set(info.services)):
            raise QueryRefused(
                "the query's SERVICE clauses cannot be read unambiguously (read as "
                + ", ".join(f"<{s}>" for s in info.services)
                + " and as "
                + (", ".join(f"<{s}>" for s in second) if second is not None else "unreadable")
                + "): refused, since this endpoint sends requests only to endpoints its operator allow-lists",
                reason="service",
            )
        return self.federating.run(job, timeout)

    async def execute_async(
        self,
        text: str,
        format: Format,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        max_rows: int | None,
        timeout: float | None,
        info: QueryInfo,
        base_iri: str | None,
    ) -> Answer | None:
        """``execute`` of a query already checked (``info``, no SERVICE) on the running event loop, holding no
        thread while an evaluator works; None when no evaluator is idle now (``execute`` then waits for one)."""
        if info.services:
            return None
        job = (text, info, format.media_type, tuple(default_graph_uris), tuple(named_graph_uris), max_rows, base_iri)
        answer = await self.evaluators.run_async(job, timeout)
        return None if answer is NOT_NOW else answer

    def _evaluate(
        self,
        text: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        info: QueryInfo | None = None,
        base_iri: str | None = None,
    ):
        kwargs: dict = {}
        if base_iri is not None:
            kwargs["base_iri"] = base_iri
        if default_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris]
        elif info is None or not (info.from_graphs or info.from_named_graphs):
            # the union default graph, unless the query names its own dataset (FROM / FROM NAMED)
            kwargs["use_default_graph_as_union"] = True
        if named_graph_uris:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris]
        try:
            return self._db().query(text, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {exc}") from None
        except (ValueError, OSError, TypeError, RuntimeError) as exc:
            # RuntimeError: what the engine parses but refuses to evaluate (a function or cast it does not
            # implement, such as <http://example.org/f>(1) or xsd:byte(...), SERVICE on an unbound variable)
            raise QueryError(f"cannot run the query: {exc}") from None

    def _run(
        self,
        text: str,
        info: QueryInfo,
        format: Format,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        max_rows: int | None,
        base_iri: str | None = None,
    ) -> Answer:
        result = self._evaluate(text, default_graph_uris, named_graph_uris, info, base_iri)
        try:
            if isinstance(result, ox.QueryBoolean):
                return serialize.boolean(result, format)
            if isinstance(result, ox.QuerySolutions):
                return serialize.solutions(result, format, max_rows)
            return serialize.triples(info.form, result, format, max_rows)
        except (ValueError, OSError, SyntaxError, RuntimeError) as exc:
            # Evaluation errors surface while serialising (results are computed lazily): the engine's
            # refusals (RuntimeError) too, such as SERVICE on a variable that is unbound.
            raise QueryError(f"cannot run the query: {exc}") from None

    # ---- Python values for pages

    def _bound(self, text: str, bindings: Mapping[str, object] | None):
        """Evaluate ``text`` with a VALUES block binding the given variables appended (terms written by the
        engine, so input cannot change the query's structure). pyoxigraph's ``substitutions=`` would need
        every bound variable projected, which the pages' queries do not do."""
        info = self.check(text)
        if not bindings:
            return self._evaluate(text, (), (), info)
        names = list(bindings)
        for name in names:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise QueryError(f"not a variable name: {name!r}")
        try:
            terms = " ".join(str(to_oxigraph(bindings[name])) for name in names)
        except ValueError as exc:
            raise QueryError(f"not a valid RDF term: {exc}") from None
        bound = f"{text}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }}"
        return self._evaluate(bound, (), (), info)

    def select(self, text: str, bindings: Mapping[str, object] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables are absent)."""
        result = self._bound(text, bindings)
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
                        row[name] = to_rdflib(term)
                rows.append(row)
        except (ValueError, OSError) as exc:
            raise QueryError(f"cannot run the query: {exc}") from None
        return rows

    def ask(self, text: str, bindings: Mapping[str, object] | None = None) -> bool:
        """The answer of an ASK query."""
        result = self._bound(text, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(result)

    def construct(self, text: str, bindings: Mapping[str, object] | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query, as an rdflib Graph with the project's prefixes."""
        result = self._bound(text, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        return _graph((t.subject, t.predicate, t.object) for t in result)

    def describe(self, iri: str, incoming: bool = False) -> Graph:
        """Triples (union of all graphs) with ``iri`` as subject, following blank-node objects; with
        ``incoming`` also the triples with ``iri`` as object."""
        node = ox.NamedNode(str(iri))
        seen: set = set()
        found = []
        todo: list = [node]
        while todo:
            subject = todo.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for q in self._db().quads_for_pattern(subject, None, None, None):
                found.append((q.subject, q.predicate, q.object))
                if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                    todo.append(q.object)
        if incoming:
            for q in self._db().quads_for_pattern(None, None, node, None):
                found.append((q.subject, q.predicate, q.object))
        return _graph(found)

    def quads(
        self, subject: object = None, predicate: object = None, object: object = None, graph: object = None
    ) -> list[tuple[Node, Node, Node, str | None]]:
        """Quads matching a pattern (None is a wildcard), as rdflib terms and the graph IRI (None for the
        default graph). Use it to tell asserted from inferred triples."""
        pattern = [None if x is None else to_oxigraph(x) for x in (subject, predicate, object, graph)]
        out = []
        for q in self._db().quads_for_pattern(*pattern):
            g = q.graph_name
            out.append(
                (
                    to_rdflib(q.subject),
                    to_rdflib(q.predicate),
                    to_rdflib(q.object),
                    g.value if isinstance(g, ox.NamedNode) else None,
                )
            )
        return out

    def contains(self, iri: str) -> bool:
        """True when ``iri`` is the subject or the object of a triple in some graph."""
        node = ox.NamedNode(str(iri))
        for _ in self._db().quads_for_pattern(node, None, None, None):
            return True
        for _ in self._db().quads_for_pattern(None, None, node, None):
            return True
        return False

    def iris(self, prefix: str) -> set[str]:
        """Every IRI starting with ``prefix`` that is a subject, object or graph name of some quad."""
        found: set[str] = set()
        for q in self._db().quads_for_pattern(None, None, None, None):
            for term in (q.subject, q.object, q.graph_name):
                if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
                    found.add(term.value)
        return found


def _graph(found: Iterable[tuple[object, object, object]]) -> Graph:
    g = output_graph()
    for s, p, o in found:
        g.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return g
