"""The HTTP server's door to the application: an RSGI application (granian's native interface) around the
WSGI application, so that a slow or silent client costs a coroutine, never a thread.

granian (``rcpkg.web.server``) reads request lines and headers in Rust, whatever their pace (idle
connections and trickled headers hold no Python thread; headers must be complete within the server's
header timeout). The body is this module's: it is read here, on the worker's event loop, up to
``max_body`` bytes and within ``body_timeout`` seconds (413 and 408 otherwise), and only a complete request
is handed to the WSGI application, on a pool of ``threads`` threads. So the pool, and the query evaluators
behind it, only ever work on requests that are entirely here. The answer is sent back by granian, however
slowly the client reads it. A plain query (``rcpkg.web.fastpath``: a cache hit, or a query an idle evaluator
takes at once) is answered on the event loop itself, with the headers the WSGI path would give, byte for byte.

The WSGI environment is what PEP 3333 asks for: ``PATH_INFO`` the percent-decoded path (granian decodes it
as UTF-8; a byte that is not UTF-8 arrives as U+FFFD, so such a path never names a resource),
``QUERY_STRING`` as sent, headers as ``HTTP_*`` (repeated ones joined by ", ", ``Cookie`` by "; "); the
scheme is ``https`` when a trusted proxy (``FORWARDED_ALLOW_IPS``) says so in ``X-Forwarded-Proto``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("rcpkg.web.gateway")

#: Answers this module gives itself (the application never sees such a request).
_PLAIN = [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]
_STREAM_CHUNK = 1 << 16


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _status_code(status: str) -> int:
    return int(status.split(" ", 1)[0])


class Gateway:
    """``__rsgi__(scope, protocol)`` over ``wsgi_app``. ``fast(environ)``, a coroutine, may answer a request
    on the event loop without holding a thread (``(status, headers, body)``) or decline (None): plain queries
    (``rcpkg.web.fastpath``)."""

    def __init__(
        self,
        wsgi_app: Callable,
        threads: int,
        max_body: int,
        body_timeout: float,
        fast: Callable[[dict], Awaitable[tuple[str, list[tuple[str, str]], bytes] | None]] | None = None,
        trusted_proxies: frozenset[str] = frozenset(),
    ) -> None:
        self.wsgi_app = wsgi_app
        self.threads = threads
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.fast = fast
        self.trusted_proxies = trusted_proxies
        self._pool: ThreadPoolExecutor | None = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        """This worker's threads (made in the worker: a pool made before the fork would have none)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="rcpkg-request")
        return self._pool

    def __rsgi_init__(self, loop) -> None:
        """In each worker, before its first request."""
        self._pool = None

    def __rsgi_del__(self, loop) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        try:
            body = await self._body(scope, protocol)
        except _Refused as refused:
            protocol.response_bytes(refused.status, list(_PLAIN), refused.message.encode("utf-8") + b"\n")
            return
        except Exception:  # the client went away while sending
            return
        environ = self._environ(scope, body)
        if self.fast is not None:
            try:
                early = await self.fast(environ)
            except Exception:  # a fault of the early path: the application answers instead
                log.exception("the early answer failed on %s %s", scope.method, scope.path)
                environ = self._environ(scope, body)
                early = None
            if early is not None:
                status, headers, content = early
                protocol.response_bytes(_status_code(status), headers, content)
                return
        loop = asyncio.get_running_loop()
        try:
            status, headers, first, rest = await loop.run_in_executor(self.pool, self._call, environ)
        except Exception:
            log.exception("the application failed on %s %s", scope.method, scope.path)
            protocol.response_bytes(500, list(_PLAIN), b"Internal Server Error\n")
            return
        if rest is None:
            protocol.response_bytes(_status_code(status), headers, first)
            return
        await self._stream(loop, protocol, status, headers, first, rest)

    async def _body(self, scope: Any, protocol: Any) -> bytes:
        headers = scope.headers
        length = headers.get("content-length")
        chunked = "chunked" in (headers.get("transfer-encoding") or "").lower()
        if length is None and not chunked:
            return b""
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise _Refused(400, "Bad Request: Content-Length is not a number") from None
            if declared > self.max_body:
                raise _Refused(413, f"Payload Too Large: the body may have at most {self.max_body} bytes")
            if declared == 0:
                return b""
        received = bytearray()

        async def read() -> None:
            async for chunk in protocol:
                received.extend(chunk)
                if len(received) > self.max_body:
                    raise _Refused(413, f"Payload Too Large: the body may have at most {self.max_body} bytes")

        try:
            await asyncio.wait_for(read(), self.body_timeout)
        except TimeoutError:
            raise _Refused(408, f"Request Timeout: the body was not received within {self.body_timeout:g} s") from None
        return bytes(received)

    def _environ(self, scope: Any, body: bytes) -> dict[str, Any]:
        host, _, port = scope.server.rpartition(":")
        client, _, client_port = scope.client.rpartition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string.encode("utf-8").decode("latin-1"),
            "SERVER_NAME": host.strip("[]"),
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": "HTTP/" + scope.http_version,
            "REMOTE_ADDR": client.strip("[]"),
            "REMOTE_PORT": client_port,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in scope.headers.items():
            value = value.encode("utf-8", "surrogateescape").decode("latin-1")
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
                continue
            if name == "content-length":
                environ["CONTENT_LENGTH"] = str(len(body))
                continue
            if name == "transfer-encoding":
                continue  # the body is whole: the application reads CONTENT_LENGTH bytes
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in environ:
                environ[key] += ("; " if key == "HTTP_COOKIE" else ", ") + value
            else:
                environ[key] = value
        if body and "CONTENT_LENGTH" not in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        if environ["REMOTE_ADDR"] in self.trusted_proxies and environ.get("HTTP_X_FORWARDED_PROTO") == "https":
            environ["wsgi.url_scheme"] = "https"  # a proxy this server trusts says the client used TLS
        return environ

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes, Iterable[bytes] | None]:
        """On a pool thread: run the WSGI application; the status, the headers and the body when it is one
        piece (``rest`` None), else its first piece and the iterator of the others."""
        started: list = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return lambda data: (_ for _ in ()).throw(RuntimeError("write() is not supported"))

        result = self.wsgi_app(environ, start_response)
        if isinstance(result, list) and len(result) <= 1:
            try:
                return started[0], started[1], result[0] if result else b"", None
            finally:
                _close(result)
        iterator = iter(result)
        try:
            first = next(iterator, b"")
        except BaseException:
            _close(result)
            raise
        if not started:
            _close(result)
            raise RuntimeError("the application did not start a response")
        return started[0], started[1], first, _Closing(iterator, result)

    async def _stream(self, loop, protocol: Any, status: str, headers, first: bytes, rest: _Closing) -> None:
        transport = protocol.response_stream(_status_code(status), headers)
        try:
            if first:
                await transport.send_bytes(first)
            while True:
                chunk = await loop.run_in_executor(self.pool, rest.next)
                if chunk is None:
                    break
                if chunk:
                    await transport.send_bytes(chunk)
        except Exception:  # the client went away: stop reading the body
            pass
        finally:
            await loop.run_in_executor(self.pool, rest.close)


class _Closing:
    def __init__(self, iterator, result) -> None:
        self.iterator, self.result = iterator, result

    def next(self) -> bytes | None:
        return next(self.iterator, None)

    def close(self) -> None:
        _close(self.result)


def _close(result) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("closing a response body failed")
