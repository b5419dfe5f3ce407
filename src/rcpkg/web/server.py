"""``rcpkg serve``: the production server (granian), ``run(host, port, workers)``.

- The application and the store are created once in the main process; worker processes are forked from it
  (granian's ``fork`` start method on Linux), sharing the loaded dataset's memory, so a new worker is ready
  in milliseconds and the server answers about a second after start.
- granian reads requests in Rust: an idle connection, or one that trickles its request line and headers,
  costs a few kilobytes and no Python thread; headers not complete within ``HEADER_TIMEOUT`` seconds end the
  connection. The body is read on each worker's event loop (``rcpkg.web.gateway``) and only complete
  requests reach the WSGI application, on ``threads`` threads a worker.
- Queries are evaluated in processes of their own (``rcpkg.store.isolation``), forked from a zygote that
  the main process forks once the store is loaded: a query past ``query_timeout`` (503) or
  ``max_query_memory`` (503) is ended by killing its evaluator, and nothing else is touched: the worker, its
  other requests and every other worker go on. Evaluators cannot open internet sockets
  (``rcpkg.store.sandbox``).
- Queues are bounded: a worker holds at most ``CONNECTIONS`` requests in progress (granian's backpressure),
  the listen backlog ``BACKLOG`` more connections; one client address has at most ``max_client_queries``
  queries in evaluation per worker (429 beyond).
- A worker that dies is replaced. SIGTERM (or SIGINT) stops the server: workers get ``GRACE`` seconds to
  finish, then are killed.

The command line is ``rcpkg serve [--host H] [--port P] [--workers N]`` (``rcpkg.cli``), the only entry.
"""

from __future__ import annotations

import logging
import os
import sys

from rcpkg.config import Config, load_config
from rcpkg.errors import RcpkgError
from rcpkg.store import sandbox
from rcpkg.web.context import FAST_ANSWER
from rcpkg.web.gateway import Gateway

log = logging.getLogger("rcpkg.server")

#: Requests in progress per worker (reading a body, queued for a thread, answered); beyond, granian waits.
CONNECTIONS = 2048
BACKLOG = 2048
#: Seconds within which a request's line and headers must have arrived.
HEADER_TIMEOUT = 30
#: Seconds within which a request's body must have arrived (408 otherwise).
BODY_TIMEOUT = 30
#: Seconds the workers have to finish at SIGTERM.
GRACE = 5
ACCESS_FORMAT = '%(addr)s - - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).3f'


def gateway(app, config: Config) -> Gateway:
    """The RSGI application over the Flask ``app``: complete requests on ``threads`` threads a worker, cache
    hits answered on the event loop."""
    return Gateway(
        app.wsgi_app,
        threads=config.threads,
        max_body=app.config["MAX_CONTENT_LENGTH"],
        body_timeout=BODY_TIMEOUT,
        fast=app.extensions.get(FAST_ANSWER),
        trusted_proxies=frozenset(
            address.strip() for address in os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
        ),
    )


def _logging() -> dict:
    """granian's logging: its messages on standard error; the access log (``RCPKG_ACCESS_LOG``: a file, or
    ``-`` for standard output) when asked for."""
    access = os.environ.get("RCPKG_ACCESS_LOG") or None
    handlers: dict = {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}}
    if access == "-":
        handlers["access"] = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "bare"}
    elif access:
        handlers["access"] = {"class": "logging.FileHandler", "filename": access, "formatter": "bare"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s"},
            "bare": {"format": "%(message)s"},
        },
        "handlers": handlers,
        "loggers": {
            "_granian": {
                "handlers": ["console"],
                "level": os.environ.get("RCPKG_LOG_LEVEL", "info").upper(),
                "propagate": False,
            },
            "granian.access": {"handlers": ["access"] if access else [], "level": "INFO", "propagate": False},
        },
    }


def run(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None, config: Config | None = None) -> int:
    """Serve the endpoint until SIGTERM / SIGINT; returns the exit status."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    from rcpkg.web.app import create_app

    config = config or load_config()
    unconfined = sandbox.available()
    if unconfined is not None:
        raise RcpkgError(f"cannot serve: {unconfined}")
    app = create_app(config)  # loads the store in the main process, before forking
    store = app.extensions["rcpkg.store"]
    door = gateway(app, config)

    # the zygotes, forked while this process is still single-threaded
    store.start_evaluators(federating=bool(config.service_allowlist))
    print(
        f"rcpkg: serving {store.source} ({store.triple_count} triples, {len(store.graphs)} graphs) "
        f"at http://{host}:{port}/sparql",
        file=sys.stderr,
        flush=True,
    )
    server = Server(
        target="rcpkg",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers or config.workers,
        http=HTTPModes.http1,
        websockets=False,
        backlog=BACKLOG,
        backpressure=CONNECTIONS,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT * 1000, keep_alive=True),
        log_enabled=True,
        log_dictconfig=_logging(),
        log_access=bool(os.environ.get("RCPKG_ACCESS_LOG")),
        log_access_format=ACCESS_FORMAT,
        respawn_failed_workers=True,
        workers_kill_timeout=GRACE,
        process_name="rcpkg",
    )
    server.serve(target_loader=lambda: door, wrap_loader=False)
    return 0
