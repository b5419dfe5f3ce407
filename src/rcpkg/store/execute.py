"""Running an evaluation on a thread with a stack large enough for the query.

The engine's parser and evaluator recurse over the query's structure, and a thread that runs out of stack
takes the whole process down (SIGSEGV), which no Python code can catch. Two guards: ``inspect_query``
refuses brackets nested deeper than ``max_query_depth``, and every evaluation runs on a thread whose stack is
sized for the length of the query (long flat chains such as ``1+1+...``, ``!!!...``, a list of thousands of
triple patterns also recurse: measured at most about 1 KiB of stack per byte of query, so
``_STACK_PER_QUERY_BYTE`` is twice that), up to ``_STACK_MAX``. The thread runs inside an evaluator process
(``rcpkg.store.isolation``), which is what a timeout stops.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TypeVar

from rcpkg.errors import QueryError
from rcpkg.store.errors import QueryTooComplex

T = TypeVar("T")

_MIB = 1024 * 1024
#: Stack of a query thread: a base, plus this much per byte of query text (measured: at most about 1 KiB per
#: byte, for a list of numbers; 0.1-0.9 KiB for chains of operators, paths, patterns, groups), up to a maximum.
_STACK_BASE = 16 * _MIB
_STACK_PER_QUERY_BYTE = 2048
_STACK_MAX = 1024 * _MIB
_STACK_LOCK = threading.Lock()
LONGEST_QUERY = (_STACK_MAX - _STACK_BASE) // _STACK_PER_QUERY_BYTE


def stack_bytes(query_bytes: int) -> int:
    """The stack a query of ``query_bytes`` bytes is evaluated with (whole MiB); QueryTooComplex over the
    maximum."""
    if query_bytes > LONGEST_QUERY:
        raise QueryTooComplex(f"the query is too long to evaluate safely: {query_bytes} bytes, at most {LONGEST_QUERY}")
    size = _STACK_BASE + _STACK_PER_QUERY_BYTE * query_bytes
    return -(-size // _MIB) * _MIB


@contextmanager
def stack_size(size: int):
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
        with stack_size(stack):
            thread.start()
    except (RuntimeError, ValueError, MemoryError) as exc:
        raise QueryError(f"cannot start a thread to evaluate the query: {exc}") from None
    return future


def on_sized_stack(job: Callable[[], T], query_bytes: int, capacity: int) -> T:
    """``job()`` with a stack large enough for a query of ``query_bytes`` bytes: on this thread when its stack
    was sized for queries of ``capacity`` bytes or more (an evaluator's loop thread, ``rcpkg.store.isolation``),
    else on a thread of its own (a longer query of ``rcpkg query``)."""
    if query_bytes <= capacity:
        return job()
    return _run_on_own_thread(_releasing(job), stack_bytes(query_bytes)).result()
