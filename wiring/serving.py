"""Serving the WSGI app with waitress: in the foreground for `serve`, in a thread for the sandbox
and the tests (the same server, so the tests exercise what production runs)."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from waitress.server import MultiSocketServer
from waitress.server import create_server as waitress_server

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from storage.database import Database

REQUEST_THREADS = 8
# Connections held open at once, per request thread; the rest wait in the kernel's listen backlog
# at no cost. waitress's loop asks every open connection whether it is readable and writable on
# each turn: with its default of 100, a burst the threads could not keep up with (bench_load, 200
# pays a second on SQLite) filled them, and those checks took a quarter of the process's CPU, so
# the backlog never drained (p99 of seconds).
CONNECTIONS_PER_THREAD = 4
# Whatever the threads: a browser (the sandbox) or a proxy keeps several idle connections alive.
FEWEST_CONNECTIONS = 32
HEALTH_METHODS = ("GET", "HEAD")


class CannotListenError(Exception):
    """The address can't be listened on (most often another process has the port)."""


# waitress's type stubs stop short of its server objects, hence Any.
def create_server(
    app: Any, host: str, port: int, threads: int = REQUEST_THREADS, *, reuse_port: bool = False
) -> Any:
    """`reuse_port`: several processes on this host listen on the same port and the kernel shares
    the connections out between them (Linux SO_REUSEPORT): one address, a process per core.
    CannotListenError when the address is taken or not this host's."""
    # waitress warns "Task queue depth is N" for every request that waits for a thread: under load
    # that is a log line a request (3,400 in a 13 s bench_load run), written when the process is
    # busiest. A queue that stays deep shows in the answers' latency and the connection-limit warning.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        where: dict[str, Any] = {"host": host, "port": port}
        if reuse_port:
            where = {"sockets": [socket.create_server((host, port), reuse_port=True)]}
        server = waitress_server(
            app,
            **where,
            threads=threads,
            ident="collect-bot",
            channel_timeout=30,
            connection_limit=max(FEWEST_CONNECTIONS, threads * CONNECTIONS_PER_THREAD),
            # Slack's payloads are small; refusing large bodies early keeps a flood cheap.
            max_request_body_size=1_048_576,
        )
    except OSError as error:
        shared = " (every process sharing a port needs --reuse-port)" if reuse_port else ""
        raise CannotListenError(
            f"cannot listen on {host}:{port}: {os.strerror(error.errno) if error.errno else error}{shared};"
            " choose another with --port"
        ) from None
    if isinstance(server, MultiSocketServer):
        raise ValueError("give one host address to listen on")
    return server


def health_status(db: Database) -> tuple[str, str]:
    """What `GET /healthz` answers in HTTP mode: 200 once the database answers, 503 otherwise."""
    if db.is_reachable():
        return "200 OK", "ok"
    return "503 Service Unavailable", "database unreachable"


class StartingWsgi:
    """`serve`'s application in HTTP mode from the moment its port is bound. Until the bot's app is
    built (Bolt, the listeners and the domain they call: most of start-up), `GET /healthz` answers
    as the app will, 200 once the database answers, and any other request waits for the app and is
    then answered by it: a balancer may send Slack's requests as soon as /healthz says 200, and none
    of them is refused or lost. After that every request goes straight to the app."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._app: WSGIApplication | None = None
        self._settled = threading.Event()
        self._counting = threading.Lock()
        self.waiting = 0
        """Requests waiting for the app now (what the tests watch)."""

    def ready(self, app: WSGIApplication) -> None:
        self._app = app
        self._settled.set()

    def abandon(self) -> None:
        """Start-up failed or was stopped: the requests waiting get a 503 instead of the app."""
        self._settled.set()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self._app
        if app is None:
            if environ.get("PATH_INFO", "") == "/healthz" and environ.get("REQUEST_METHOD") in HEALTH_METHODS:
                return _plain(start_response, *health_status(self.db))
            with self._counting:
                self.waiting += 1
            try:
                self._settled.wait()
            finally:
                with self._counting:
                    self.waiting -= 1
            app = self._app
            if app is None:
                return _plain(start_response, "503 Service Unavailable", "not serving: the bot is stopping")
        return app(environ, start_response)


@contextlib.contextmanager
def serving_meanwhile(server: Any) -> Iterator[None]:
    """The server's loop on a thread of its own while the block runs (`serve` builds its app
    meanwhile), stopped when the block ends, so that the caller's `server.run()` goes on with the
    same listening socket and the connections already accepted."""
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            server.asyncore.loop(
                timeout=0.05, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1
            )

    thread = threading.Thread(target=loop, name="collect-bot-http-start-up", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        with contextlib.suppress(OSError):  # a trigger already closed: the loop stops at its timeout
            server.pull_trigger()  # wakes the loop's poll at once rather than at its timeout
        thread.join()


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def freeze_start_up_objects() -> None:
    """Python's full garbage collection walks every object alive. After start-up that is everything
    the modules built (SQLAlchemy's mappers and compiled statements, Bolt, matplotlib, the settings),
    and it made each full collection stop the server for 35-80 ms, several times a minute on a busy
    morning: the slowest 1% of answers were those that arrived during one. These objects live as long
    as the process, so they are taken out of the collector's walk (gc.freeze) once the app is built;
    what the requests create is collected as before. `serve` starts with the collector off (it would
    walk these objects again and again while they are being built): it is turned back on here."""
    gc.collect()
    gc.freeze()
    gc.enable()


class BackgroundServer:
    """A waitress server on its own thread that can be stopped cleanly."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = REQUEST_THREADS,
        *,
        reuse_port: bool = False,
    ) -> None:
        self._server = create_server(app, host, port, threads, reuse_port=reuse_port)
        self.host = host
        self.port: int = self._server.effective_port
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="collect-bot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._server.asyncore.loop(timeout=0.05, map=self._server._map, count=1)

    def stop(self) -> None:
        """Safe to call twice, and on a server never started (its address is given back)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)
        self._server.close()
        for channel in list(self._server._map.values()):
            channel.close()
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
