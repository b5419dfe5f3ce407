"""Each query evaluated in a process of its own, so that stopping it costs nobody else anything.

pyoxigraph cannot be interrupted from Python, and one evaluation can grow without bound. So the store never
evaluates a caller's query in the process that serves requests: it hands it to an *evaluator*.

- **Zygote.** ``Evaluators.start()`` forks a zygote from the process that loaded the store (the server's
  master, before it forks its workers; else the first process that runs a query). The zygote stays
  single-threaded all its life and does one thing: fork evaluators. A process asks for one by sending it
  one end of a new socket pair over the control socket (``SCM_RIGHTS``); the zygote forks, the child keeps
  that end and is the evaluator. Forked from the zygote, an evaluator has the loaded store without loading
  anything, and a fork of a single-threaded process holds no lock another thread took.
- **Evaluator.** It confines itself (``sandbox.confine``: no internet socket, bounded address space),
  says its pid, then answers jobs on its socket, one at a time, until the other end closes, on one thread
  whose stack is sized for the longest query accepted (``execute``).
- **Deadline, kept twice.** The caller stops waiting at the timeout and kills the evaluator (SIGKILL);
  the evaluator's own alarm ends it a few seconds later should its caller be gone. Either way only that
  query's evaluation ends; the caller's process and every other query go on.
- **Reuse.** A process keeps its idle evaluators for the next queries (a query then costs one round trip
  over a Unix socket). At most ``size`` evaluate at once for one process; a caller beyond that waits up
  to ``wait`` seconds for one to be free, then gets ``QueryBusy``.
- **Lifetimes.** The zygote ends when every process that could ask it for an evaluator has ended (its
  control socket reads end-of-file); an evaluator ends when its caller closes its socket, and is killed
  when the zygote ends (even mid-evaluation). Both ignore SIGINT (a Ctrl-C in a terminal reaches the whole
  process group): their caller decides.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from rcpkg.errors import QueryError
from rcpkg.store.errors import QueryBusy, QueryCrashed, QueryTimeout
from rcpkg.store.execute import stack_size
from rcpkg.store.sandbox import SandboxUnavailable, confine

_LENGTH = struct.Struct("!Q")
#: The evaluator's own alarm goes off this long after the caller's deadline.
_GRACE = 5
#: What ``run_async`` returns when no evaluator is idle.
NOT_NOW = object()
#: How long a caller waits for a new evaluator to say it is ready.
_START_TIMEOUT = 30.0


def _frame(message: object) -> bytes:
    """``message`` as sent: its length, then its pickle, in one piece (one write: a length sent apart would
    wake the reader for eight bytes, then again for the rest)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def _send(channel: socket.socket, message: object) -> None:
    channel.sendall(_frame(message))


def _receive_exactly(channel: socket.socket, size: int, deadline: float | None) -> bytes | None:
    """``size`` bytes, or None at end-of-file; ``TimeoutError`` past ``deadline`` (a ``time.monotonic``)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            channel.settimeout(left)
        else:
            channel.settimeout(None)
        count = channel.recv_into(view[got:])
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def _receive(channel: socket.socket, deadline: float | None = None) -> object | None:
    """The next message, or None at end-of-file."""
    header = _receive_exactly(channel, _LENGTH.size, deadline)
    if header is None:
        return None
    (size,) = _LENGTH.unpack(header)
    data = _receive_exactly(channel, size, deadline)
    return None if data is None else pickle.loads(data)


async def _receive_async(channel: socket.socket) -> object | None:
    """The next message on a non-blocking ``channel``, read by the running event loop; None at end-of-file."""
    loop = asyncio.get_running_loop()

    async def exactly(size: int) -> bytes | None:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            count = await loop.sock_recv_into(channel, view[got:])
            if count == 0:
                return None
            got += count
        return bytes(buffer)

    header = await exactly(_LENGTH.size)
    if header is None:
        return None
    data = await exactly(_LENGTH.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _die_with_parent() -> None:
    """Be killed (SIGKILL) when the parent process ends (Linux's PR_SET_PDEATHSIG): an evaluator must not
    outlive its zygote, which ends when the server does, even in the middle of an evaluation."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(0)


def _close_other_descriptors(keep: tuple[int, ...]) -> None:
    """Close every descriptor above stderr but ``keep``: a forked process must not hold the sockets of the
    server (listening or accepted) or of other evaluators."""
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 65536)


def _timed_out(timeout: float | None) -> QueryTimeout:
    return QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")


class _Evaluator:
    """The caller's end of one evaluator process."""

    def __init__(self, channel: socket.socket, pid: int, generation: int) -> None:
        self.channel, self.pid, self.generation = channel, pid, generation

    def alive(self) -> bool:
        """False once the process has ended: an idle evaluator's socket has nothing to read until its end is
        closed (then it reads end-of-file)."""
        try:
            readable, _, _ = select.select([self.channel], [], [], 0)
            return not readable or self.channel.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.channel.close()


class Evaluators:
    """Evaluator processes for one store. ``serve(job)`` is what an evaluator does with a job (in the
    evaluator: it must return a picklable value or raise ``QueryError``); ``memory`` is what one query may add
    to an evaluator's address space (bytes, None for no bound), ``stack`` what its thread's stack may take
    besides."""

    def __init__(
        self,
        serve: Callable[[Any], Any],
        size: int,
        memory: int | None,
        stack: int = 0,
        wait: float = 10.0,
        network: bool = False,
    ) -> None:
        self._serve = serve
        self.network = network  # evaluators may open internet sockets (allow-listed SERVICE only)
        self.size = size
        self.memory = memory
        self.stack = stack
        self.wait = wait
        self._control: socket.socket | None = None
        self._start_lock = threading.Lock()
        self._owner = 0  # the process whose evaluators these are (a forked child starts afresh)
        self._generation = 0  # idle evaluators made under other settings are not reused
        self._idle: list[_Evaluator] = []
        self._busy = 0
        self._free = threading.Condition()

    # ---- the caller's side

    def configure(self, size: int, memory: int | None, stack: int) -> None:
        """New settings: the evaluators made from now on follow them; idle ones made before are let go."""
        if (size, memory, stack) == (self.size, self.memory, self.stack):
            return
        with self._free:
            self.size, self.memory, self.stack = size, memory, stack
            self._generation += 1
            stale, self._idle = self._idle, []
            self._free.notify_all()
        for evaluator in stale:
            evaluator.kill()

    def start(self) -> None:
        """Fork the zygote now (call it before forking workers: they share it)."""
        with self._start_lock:
            if self._control is not None:
                return
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the zygote
                mine.close()
                self._zygote(theirs)
            theirs.close()
            self._control = mine

    def run(self, job: Any, timeout: float | None) -> Any:
        """What an evaluator's ``serve(job)`` returns (or raises); ``QueryTimeout`` after ``timeout``
        seconds (the evaluator is killed), ``QueryCrashed`` when the evaluator ended without answering
        (out of memory, or crashed), ``QueryBusy`` when no evaluator became free in time."""
        evaluator = self._acquire()
        healthy = False
        try:
            _send(evaluator.channel, (job, None if timeout is None else int(timeout) + _GRACE))
            deadline = None if timeout is None else time.monotonic() + timeout
            try:
                reply = _receive(evaluator.channel, deadline)
            except TimeoutError:
                raise _timed_out(timeout) from None
            if reply is None:
                raise self._ended()
            healthy = True
        except OSError as exc:
            raise QueryCrashed(f"the query's evaluation failed: {exc}") from None
        finally:
            self._release(evaluator, healthy)
        kind, value = reply  # type: ignore[misc]
        if kind == "error":
            raise value
        return value

    async def run_async(self, job: Any, timeout: float | None) -> Any:
        """``run`` on the running event loop, holding no thread while the evaluator works; ``NOT_NOW`` when
        no evaluator is idle (the caller then takes ``run``, which waits for one or starts one)."""
        evaluator = self._take_idle()
        if evaluator is None:
            return NOT_NOW
        healthy = False
        loop = asyncio.get_running_loop()
        try:
            channel = evaluator.channel
            channel.setblocking(False)  # ``run`` sets its own timeout again
            await loop.sock_sendall(channel, _frame((job, None if timeout is None else int(timeout) + _GRACE)))
            try:
                reply = await asyncio.wait_for(_receive_async(channel), timeout)
            except TimeoutError:
                raise _timed_out(timeout) from None
            if reply is None:
                raise self._ended()
            healthy = True
        except OSError as exc:
            raise QueryCrashed(f"the query's evaluation failed: {exc}") from None
        finally:  # also when the caller is cancelled (its client went away): the evaluator is killed
            if healthy:
                evaluator.channel.setblocking(True)
            self._release(evaluator, healthy)
        kind, value = reply  # type: ignore[misc]
        if kind == "error":
            raise value
        return value

    def _ended(self) -> QueryCrashed:
        return QueryCrashed(
            "the query's evaluation ended before it answered: it needed more memory than one query may "
            f"use ({self.memory // 2**20 if self.memory else 'unbounded'} MiB) or crashed the engine"
        )

    def _take_idle(self) -> _Evaluator | None:
        """An idle evaluator that is still there, marked busy, or None (none idle, or ``size`` busy)."""
        if self._control is None:
            return None
        with self._start_lock:
            self._reset_if_forked()
        free = self._free
        with free:
            while self._idle and self._busy < self.size:
                evaluator = self._idle.pop()
                if evaluator.alive():
                    self._busy += 1
                    return evaluator
                evaluator.kill()
        return None

    def _reset_if_forked(self) -> None:
        if self._owner != os.getpid():
            self._owner = os.getpid()
            self._idle = []  # the parent's: never used here
            self._busy = 0
            self._free = threading.Condition()

    def _acquire(self) -> _Evaluator:
        """An idle evaluator that is still there, or a new one while fewer than ``size`` are busy."""
        self.start()
        with self._start_lock:
            self._reset_if_forked()
        free = self._free
        with free:
            deadline = time.monotonic() + self.wait
            while not self._idle and self._busy >= self.size:
                left = deadline - time.monotonic()
                if left <= 0 or not free.wait(left):
                    if not self._idle and self._busy >= self.size:
                        raise QueryBusy(
                            f"all {self.size} query evaluators of this server process stayed busy for {self.wait:g} s"
                        )
            self._busy += 1
            while self._idle:
                evaluator = self._idle.pop()
                if evaluator.alive():
                    return evaluator
                evaluator.kill()  # ended while idle (killed from outside): its socket reads end-of-file
        try:
            return self._spawn()
        except BaseException:
            with free:
                self._busy -= 1
                free.notify()
            raise

    def _release(self, evaluator: _Evaluator, healthy: bool) -> None:
        free = self._free
        with free:
            self._busy -= 1
            healthy = healthy and evaluator.generation == self._generation
            if healthy:
                self._idle.append(evaluator)
            free.notify()
        if not healthy:
            evaluator.kill()

    def _spawn(self) -> _Evaluator:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        generation = self._generation
        memory = -1 if self.memory is None else self.memory + self.stack
        try:
            assert self._control is not None
            socket.send_fds(self._control, [_LENGTH.pack(memory + 1)], [theirs.fileno()])  # memory, or 0
        except OSError as exc:
            mine.close()
            raise QueryCrashed(f"cannot start a query evaluator: {exc}") from None
        finally:
            theirs.close()
        try:
            hello = _receive(mine, time.monotonic() + _START_TIMEOUT)
        except (TimeoutError, OSError):
            hello = None
        if not isinstance(hello, tuple) or hello[0] not in ("ready", "unavailable"):
            mine.close()
            raise QueryCrashed("cannot start a query evaluator: it did not answer")
        if hello[0] == "unavailable":
            mine.close()
            raise SandboxUnavailable(hello[1])
        return _Evaluator(mine, hello[1], generation)

    # ---- the zygote's and the evaluators' side (forked processes; they never return)

    def _zygote(self, control: socket.socket) -> None:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps evaluators
            _close_other_descriptors((control.fileno(),))
            while True:
                try:
                    message, fds, _flags, _address = socket.recv_fds(control, 64, 1)
                except InterruptedError:
                    continue
                if not message and not fds:
                    os._exit(0)  # every process that could ask is gone
                for fd in fds[1:]:
                    os.close(fd)
                if not fds or len(message) != _LENGTH.size:
                    for fd in fds[:1]:
                        os.close(fd)
                    continue
                memory = _LENGTH.unpack(message)[0] - 1
                try:
                    pid = os.fork()
                except OSError:
                    os.close(fds[0])  # the caller reads end-of-file: it cannot start one
                    continue
                if pid == 0:
                    control.close()
                    self._evaluator(fds[0], None if memory < 0 else memory, self.network)
                os.close(fds[0])
        except BaseException:
            os._exit(1)

    def _evaluator(self, fd: int, memory: int | None, network: bool) -> None:
        try:
            _die_with_parent()
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the alarm ends the process
            _close_other_descriptors((fd,))
            channel = socket.socket(fileno=fd)
            os.environ["RUST_BACKTRACE"] = "0"  # an allocation that fails ends the process in one line
            try:
                confine(memory, network)
            except SandboxUnavailable as exc:
                _send(channel, ("unavailable", str(exc)))
                os._exit(1)
            _send(channel, ("ready", os.getpid()))
            # The loop runs on one thread whose stack is sized for the longest query accepted (``stack``):
            # no thread is started per query (a hand-over between threads costs a quarter of a millisecond).
            loop = threading.Thread(target=self._loop, args=(channel,), name="rcpkg-evaluator", daemon=True)
            with stack_size(max(self.stack, 1 << 20)):
                loop.start()
            loop.join()
            os._exit(1)  # the loop only returns by ending the process
        except BaseException:
            os._exit(1)

    def _loop(self, channel: socket.socket) -> None:
        try:
            while True:
                message = _receive(channel)
                if message is None:
                    os._exit(0)
                job, alarm = message  # type: ignore[misc]
                if alarm:
                    signal.alarm(alarm)
                try:
                    reply: tuple[str, object] = ("ok", self._serve(job))
                except QueryError as exc:
                    reply = ("error", exc)
                except MemoryError:
                    os._exit(3)  # the caller reads end-of-file: QueryCrashed
                signal.alarm(0)
                _send(channel, reply)
        except BaseException:
            os._exit(1)
