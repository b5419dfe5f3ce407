"""Running an evaluation on a thread with a stack large enough for the query, and giving up after a timeout.

Stack depth: the engine's parser and evaluator recurse over the query's structure, and a thread that runs
out of stack takes the whole process down (SIGSEGV), which no Python code can catch. Two guards:
``inspect_query`` refuses brackets nested deeper than ``max_query_depth``, and every evaluation runs on a
thread whose stack is sized for the length of the query (long flat chains such as ``1+1+...``, ``!!!...``, a
list of thousands of triple patterns also recurse: measured at most about 1 KiB of stack per byte of query,
so ``_STACK_PER_QUERY_BYTE`` is twice that). The pool's threads are sized for ``max_query_bytes``; a longer
query (``rcpkg query``) gets a thread of its own, up to ``_STACK_MAX``.

Timeouts: pyoxigraph cannot be interrupted from Python. ``Runner.run(job, size, timeout)`` stops waiting
after ``timeout`` seconds; the evaluation then keeps a core busy until the process ends, so the runner marks
itself ``tainted`` and the server (``rcpkg.web.server``) ends that worker process once its in-flight
responses are sent; gunicorn starts a fresh one from the preloaded master in milliseconds.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import TypeVar

from rcpkg.errors import QueryError
from rcpkg.store.errors import QueryTimeout, QueryTooComplex

T = TypeVar("T")

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


class Runner:
    """Evaluations on a pool of threads sized for queries of ``max_query_bytes`` (or on a thread of their
    own), abandoned after a timeout. One per store, for its whole life: ``tainted`` is never lost."""

    def __init__(self) -> None:
        self.tainted = False  # a query outlived its timeout: this process should be replaced
        self._pool: ThreadPoolExecutor | None = None
        self._pool_query_bytes = 0  # the longest query the pool's thread stacks are sized for
        self._lock = threading.Lock()

    def run(self, job: Callable[[], T], query_bytes: int, timeout: float | None, max_query_bytes: int) -> T:
        """The result of ``job``, a query of ``query_bytes`` bytes; QueryTimeout after ``timeout`` seconds. The
        pool's threads are sized for queries of ``max_query_bytes`` (the store's limit); a longer query gets a
        thread of its own."""
        job = _releasing(job)
        if timeout is not None and query_bytes <= min(max_query_bytes, _LONGEST_QUERY):
            future = self._submit(job, min(max_query_bytes, _LONGEST_QUERY))
        else:
            future = _run_on_own_thread(job, _stack_bytes(query_bytes))
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            if not future.cancel():
                self.tainted = True
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from None

    def _submit(self, job: Callable[[], T], query_bytes: int) -> Future:
        with self._lock:
            if self._pool is None or self._pool_query_bytes < query_bytes:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)  # its threads end once their evaluations do
                self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="rcpkg-query")
                self._pool_query_bytes = query_bytes
            # The pool starts its threads inside submit(): give them the stack size a query needs.
            with _stack_size(_stack_bytes(self._pool_query_bytes)):
                return self._pool.submit(job)
