"""``rcpkg serve``: the production server (gunicorn), ``run(host, port, workers)``.

- The application and the store are created once in the gunicorn master (``preload_app``); worker
  processes are forked from it, sharing the loaded dataset's memory, so a new worker is ready in
  milliseconds and the server answers about a second after start.
- Workers are ``gthread`` workers (``threads`` threads each): the query engine releases the GIL, so
  threads of one process evaluate queries in parallel.
- Queries are evaluated in processes of their own (``rcpkg.store.isolation``), forked from a zygote that
  the master forks once the store is loaded: a query past ``query_timeout`` (503) or ``max_query_memory``
  (503) is ended by killing its evaluator, and nothing else is touched: the worker, its other requests and
  every other worker go on. Evaluators cannot open internet sockets (``rcpkg.store.sandbox``).
- Queues are bounded: a worker holds at most ``worker_connections`` connections, the listen backlog
  ``backlog`` more; one client address has at most ``max_client_queries`` queries in evaluation per
  worker (429 beyond).
- SIGTERM (or SIGINT) stops the server cleanly: workers finish their requests (``graceful_timeout``)
  and exit.

The command line is ``rcpkg serve [--host H] [--port P] [--workers N]`` (``rcpkg.cli``), the only entry.
"""

from __future__ import annotations

import logging
import os

from rcpkg.config import Config, load_config
from rcpkg.errors import RcpkgError
from rcpkg.store import sandbox

log = logging.getLogger("rcpkg.server")


def gunicorn_options(config: Config, host: str, port: int, workers: int | None) -> dict[str, object]:
    """The gunicorn settings of the production configuration."""
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers or config.workers,
        "worker_class": "gthread",
        "threads": config.threads,
        "preload_app": True,
        # gunicorn's own watchdog: only for a worker that stops heartbeating altogether.
        "timeout": int(config.query_timeout) + 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        "worker_connections": 1000,
        "backlog": 2048,
        "limit_request_line": 8190,
        "limit_request_field_size": 16384,
        "max_requests": 0,
        "accesslog": os.environ.get("RCPKG_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": os.environ.get("RCPKG_LOG_LEVEL", "info"),
        "proc_name": "rcpkg",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "control_socket_disable": True,
    }


def run(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None, config: Config | None = None) -> int:
    """Serve the endpoint until SIGTERM / SIGINT; returns the exit status."""
    from gunicorn.app.base import BaseApplication

    from rcpkg.web.app import create_app

    config = config or load_config()
    unconfined = sandbox.available()
    if unconfined is not None:
        raise RcpkgError(f"cannot serve: {unconfined}")
    app = create_app(config)  # loads the store in the master, before forking
    store = app.extensions["rcpkg.store"]
    options = gunicorn_options(config, host, port, workers)

    # the zygotes, forked while this process is still single-threaded
    store.start_evaluators(federating=bool(config.service_allowlist))

    def when_ready(server) -> None:
        server.log.info(
            "rcpkg: serving %s (%d triples, %d graphs) at http://%s:%s/sparql",
            store.source,
            store.triple_count,
            len(store.graphs),
            host,
            port,
        )

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)
            self.cfg.set("when_ready", when_ready)

        def load(self):
            return app

    Application().run()
    return 0
