"""Serving the app with uvicorn, bounded against idle and slow connections.

uvicorn closes an idle keep-alive connection after a response, but a fresh
connection that sends nothing, or trickles its request line and headers a
byte at a time (slow loris), is kept open for ever; and its
``limit_concurrency`` counts open *connections*, so a few dozen idle sockets
made it answer 503 to everyone. Here:

* every request head (request line and headers) must arrive complete within
  ``head_timeout`` seconds of the connection opening, or of its first byte on
  a kept-alive connection; otherwise the server answers 408 and closes;
* idle keep-alive connections close after ``keep_alive`` seconds (uvicorn's
  own timer);
* uvicorn's connection-counting limit is off: the app bounds *work* instead
  (:class:`storydiff.web.limits.BodyLimit` counts requests holding a body,
  :class:`storydiff.web.limits.Runner` counts comparisons).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a client has to send a complete request head.
HEAD_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open after a response.
KEEP_ALIVE = 5

_TIMEOUT_BODY = b"The request head did not arrive in time; send the whole request at once.\n"
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                     b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\nconnection: close\r\n\r\n"
                     + _TIMEOUT_BODY)


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request head."""

    head_timeout: float = HEAD_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._disarm()
        elif self.conn.their_state is h11.IDLE:
            # Part of a head arrived: the deadline runs from its first byte, and more bytes do not extend it.
            if self._head_timer is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.our_state is h11.IDLE:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def build_server(app: Any, *, head_timeout: float = HEAD_TIMEOUT, keep_alive: int = KEEP_ALIVE,
                 log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app`` with the head deadline and no connection-counting limit.

    Run it with ``server.run(sockets=[sock])`` on a socket from :func:`listen`.
    """
    protocol = type("HeadTimeoutProtocol", (HeadTimeoutProtocol,), {"head_timeout": head_timeout})
    config = uvicorn.Config(app, http=protocol, log_level=log_level, access_log=False, timeout_keep_alive=keep_alive,
                            limit_concurrency=None)
    return uvicorn.Server(config)


def listen(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port); OSError when it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock
