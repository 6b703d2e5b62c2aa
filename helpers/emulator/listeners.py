"""The emulator's HTTP server: granian, embedded in the emulator's own event loop.

Why granian: the AWS SDK for JavaScript v3's Bedrock runtime client speaks only HTTP/2 (h2c with prior
knowledge on http://, ALPN h2 on https://, no HTTP/1.1 fallback; H-facts Q6), so the emulator must
serve HTTP/1.1 and HTTP/2 on the same ports. granian (a Rust HTTP stack) does both with
``http="auto"`` and keeps the emulator at ≥ 3× MiniStack's requests/s; hypercorn (pure Python) also
speaks both but measured at ~1.4× (bench/emulator_bench.py, issue H's closing note).

Its embedded server runs in the caller's asyncio loop, so the app's async state stays on one loop
and ``start()`` can run it in a thread. It binds its address itself: ``bind()`` checks the port first
(a clear PortInUseError, and the real port for ``port=0``), then hands the address over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path
from typing import Any

from . import tls

# Seconds that stopping waits for requests in flight (a latency sleep, an open stream, a slow
# client) before they are cancelled: stop() and Ctrl-C/SIGTERM finish within a few seconds.
SHUTDOWN_GRACE_SECONDS = 2.0
logging.getLogger("granian").setLevel(logging.ERROR)  # "Embedded server is experimental!" and start-up chatter


class Listener:
    """One granian server (HTTP/1.1 + HTTP/2, with TLS when given ``tls_files``) on the address of the
    socket given to ``bind_to``."""

    def __init__(self, app: Any, tls_files: tls.TlsFiles | None = None) -> None:
        self.app, self.tls_files = app, tls_files
        self.host, self.port = "", 0
        self._server: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self.should_exit = False

    def bind_to(self, sock: socket.socket) -> Listener:
        """Serve on ``sock``'s address: granian binds it itself, so the checked socket is closed first."""
        from granian.constants import HTTPModes, Interfaces, SSLProtocols
        from granian.http import HTTP1Settings, HTTP2Settings
        from granian.server.embed import Server

        self.host, self.port = sock.getsockname()[:2]
        sock.close()
        certificate: dict[str, Any] = {}
        if self.tls_files is not None:  # ALPN offers h2 and http/1.1
            certificate = {"ssl_cert": Path(self.tls_files.cert), "ssl_key": Path(self.tls_files.key),
                           "ssl_protocol_min": SSLProtocols.tls12}
        self._server = Server(self.app, address=self.host, port=self.port, interface=Interfaces.ASGINL,
                              http=HTTPModes.auto, websockets=False, backlog=2048, log_enabled=False,
                              log_access=False, http1_settings=HTTP1Settings(header_read_timeout=30_000),
                              http2_settings=HTTP2Settings(max_concurrent_streams=100), **certificate)
        return self

    def stop(self) -> None:
        """Ask every listener of its serve_all() to stop (safe from any thread)."""
        self.should_exit = True
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._stopping.set)

    @property
    def started(self) -> bool:
        """Whether the port accepts connections."""
        if self._loop is None:
            return False
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            return probe.connect_ex((host, self.port)) == 0


async def serve_all(listeners: list[Listener], grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """Serve every listener until one is told to stop, then stop them all; requests still running
    ``grace`` seconds later are cancelled (they answer "shutting down", see server.shutting_down)."""
    stopping = asyncio.Event()
    for listener in listeners:
        listener._loop, listener._stopping = asyncio.get_running_loop(), stopping
    if any(listener.should_exit for listener in listeners):
        return
    serving = [asyncio.ensure_future(listener._server.serve()) for listener in listeners]
    told = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait([*serving, told], return_when=asyncio.FIRST_COMPLETED)
    finally:
        told.cancel()
        _quiet_shutdown_race(asyncio.get_running_loop())
        for listener in listeners:
            listener.should_exit = True
            listener._server.stop()
        # granian returns once every connection has closed (idle keep-alive ones too): bounded by `grace`.
        _, late = await asyncio.wait(serving, timeout=grace)
        if late:  # first cancel the requests still running, so they answer "shutting down" on a live connection
            ours = {told, asyncio.current_task(), *serving}
            ours.update(task for listener in listeners for worker in listener._server.wrks
                        for task in (worker._task, worker._wtask))
            requests = [task for task in asyncio.all_tasks() if task not in ours]
            for task in requests:
                task.cancel()
            if requests:
                await asyncio.wait(requests, timeout=0.5)
            for task in late:
                task.cancel()
            await asyncio.wait(late, timeout=0.5)


def _quiet_shutdown_race(loop: asyncio.AbstractEventLoop) -> None:
    """From now until the loop closes, drop one known-harmless error: granian's embedded server sets a result on
    its worker's future from a thread-safe callback, which can run after our shutdown cancelled that future
    (InvalidStateError, printed as a traceback on stderr). Every other error still goes to the usual handler."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), asyncio.InvalidStateError):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)
