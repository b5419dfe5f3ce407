"""What a process that evaluates queries may do: no network, bounded memory.

``confine(memory)`` is called once by each evaluator process (``rcpkg.store.isolation``) before its first
query, and cannot be undone:

- **No way out.** A seccomp filter (libseccomp, through ``pyseccomp``) makes every ``socket()`` call of
  another family than ``AF_UNIX`` fail with ``EACCES``, and refuses ``io_uring_setup`` (io_uring can open
  sockets without the system call). The evaluator talks to its caller over a Unix socket it inherited; it
  can open no connection to any address. So no query, however it is spelt and however the engine reads it
  (``SERVICE``, with or without ``SILENT``, to an IRI, a prefixed name, a relative IRI or a variable),
  makes this server connect anywhere: the decision is not taken by reading the query, but by the kernel
  on what the engine does. The filter also sets ``no_new_privs``.
- **Bounded memory.** ``RLIMIT_AS`` is set to the address space the process has now plus ``memory``
  bytes: an evaluation that wants more fails (Python's ``MemoryError``, or the engine's allocator ends
  the process); either way only that query is lost.

The one exception: a query whose every ``SERVICE`` names an endpoint the operator allow-listed
(``service_allowlist``, empty by default), as read both by the store's check and by rdflib's SPARQL parser,
runs in an evaluator with the network (``network=True``); a query the two readings disagree on, or that
rdflib cannot read, is refused. With the default empty allow-list no evaluator has the network.

``SandboxUnavailable`` when the platform has no seccomp (not Linux, or libseccomp missing): ``rcpkg serve``
refuses to start (``available()``), and a query elsewhere gets that error rather than run unconfined.
"""

from __future__ import annotations

import errno
import resource
import socket

from rcpkg.store.errors import QueryCrashed


class SandboxUnavailable(QueryCrashed):
    """The process cannot be confined (no seccomp here): queries are not evaluated (503)."""


def available() -> str | None:
    """None when evaluators can be confined here, else why not (the server refuses to start)."""
    try:
        import pyseccomp as seccomp

        seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError from loading libseccomp, its own errors
        return f"seccomp is unavailable ({exc}): query evaluators could not be kept off the network"
    return None


def _address_space() -> int:
    """Bytes of address space the process has mapped now."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[0])
    return pages * resource.getpagesize()


def confine(memory: int | None, network: bool = False) -> None:
    """Forbid internet sockets to this process from now on (unless ``network``: the evaluators of queries
    whose every SERVICE the operator allow-listed), and bound its address space to what it has plus
    ``memory`` bytes (None: no bound)."""
    if memory is not None:
        limit = _address_space() + memory
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if network:
        return
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:  # pyseccomp loads libseccomp.so when imported
        raise SandboxUnavailable(f"cannot confine the query evaluator: seccomp is unavailable ({exc})") from None
    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "io_uring_setup")
        rules.load()
    except (OSError, RuntimeError, ValueError) as exc:
        raise SandboxUnavailable(f"cannot confine the query evaluator: {exc}") from None
