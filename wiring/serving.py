"""Serving the WSGI app with waitress: in the foreground for `serve`, in a thread for the sandbox
and the tests (the same server, so the tests exercise what production runs)."""

from __future__ import annotations

import gc
import os
import socket
import threading
from typing import Any

from waitress.server import MultiSocketServer
from waitress.server import create_server as waitress_server

REQUEST_THREADS = 8


class CannotListenError(Exception):
    """The address can't be listened on (most often another process has the port)."""


# waitress's type stubs stop short of its server objects, hence Any.
def create_server(
    app: Any, host: str, port: int, threads: int = REQUEST_THREADS, *, reuse_port: bool = False
) -> Any:
    """`reuse_port`: several processes on this host listen on the same port and the kernel shares
    the connections out between them (Linux SO_REUSEPORT): one address, a process per core.
    CannotListenError when the address is taken or not this host's."""
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


def freeze_start_up_objects() -> None:
    """Python's full garbage collection walks every object alive. After start-up that is everything
    the modules built (SQLAlchemy's mappers and compiled statements, Bolt, matplotlib, the settings),
    and it made each full collection stop the server for 35-80 ms, several times a minute on a busy
    morning: the slowest 1% of answers were those that arrived during one. These objects live as long
    as the process, so they are taken out of the collector's walk (gc.freeze) once the app is built;
    what the requests create is collected as before."""
    gc.collect()
    gc.freeze()


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
