"""What keeps the local server bounded: body size, time, concurrency, cross-site requests.

Small pieces, each independent of FastAPI routes:

* :class:`BodyLimit` — ASGI middleware refusing a request body above a byte
  limit with 413 (first from ``Content-Length``, then by counting bytes as
  they arrive), a body that trickles in too slowly with 408, and more than a
  fixed number of requests holding bodies at once with 503; idle connections
  are not requests and cost nothing here (see :mod:`storydiff.web.server`).
* :class:`Runner` — runs blocking work (read, compare, render) in a worker
  thread with a wall-clock limit. A Python thread cannot be killed, so a job
  that overruns keeps its thread until it ends; the runner therefore holds a
  fixed number of slots, released by the *thread* when it really finishes,
  and refuses work (503) when no slot frees up in time. Slow requests cannot
  pile up threads without bound.
* :class:`HostCheck` (DNS rebinding) and :class:`OriginCheck` (requests a
  page on another site makes a browser send).
* :class:`SecurityHeaders` — defensive headers on every response.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# (scope, status, code, message) -> (status, headers, body) of a refusal; lets the app answer in JSON or HTML.
Responder = Callable[[Scope, int, str, str], tuple[int, list[tuple[bytes, bytes]], bytes]]

_METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Busy(Exception):
    """No worker slot freed up before the request's deadline."""


class Overran(Exception):
    """The job ran past the deadline; its thread is left to finish alone."""


class BodyLimit:
    """ASGI middleware bounding what request bodies can cost.

    * a body above ``max_bytes`` is refused with 413, first from
      ``Content-Length`` and then by counting bytes as they arrive (a chunked
      upload cannot slip past);
    * a body must arrive within ``body_timeout`` seconds (408 otherwise), so
      a client trickling its upload cannot hold memory for long;
    * at most ``max_pending`` requests may hold a body at once (503 beyond):
      this counts requests being read or worked on, never idle connections.

    The body is read here in full (it is bounded) and replayed to the app, so
    the app never sees more than ``max_bytes`` and the check does not depend
    on how the route parses the body.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, respond: Responder, body_timeout: float = 30.0,
                 max_pending: int = 64) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.respond = respond
        self.body_timeout = body_timeout
        self.max_pending = max_pending
        self.pending = 0  # one event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _METHODS_WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send, 413, "body_too_large", _too_large(self.max_bytes))
            return
        if self.pending >= self.max_pending:
            await self._refuse(scope, send, 503, "busy", f"The server is already reading or working on "
                               f"{self.pending} requests; try again in a minute.")
            return
        self.pending += 1
        try:
            body: bytes | None = None
            with anyio.move_on_after(self.body_timeout):
                body = await self._read(scope, receive, send)
                if body is None:
                    return
            if body is None:
                await self._refuse(scope, send, 408, "body_timeout", f"The request body did not arrive within "
                                   f"{self.body_timeout:g} s; send it at once (or check the connection).")
                return
            await self.app(scope, _replay(body, receive), send)
        finally:
            self.pending -= 1

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body; None when the client left or the body was too large (then answered)."""
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._refuse(scope, send, 413, "body_too_large", _too_large(self.max_bytes))
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, send: Send, status: int, code: str, message: str) -> None:
        status, headers, body = self.respond(scope, status, code, message)
        # The rest of the body is never read: ask the client to close.
        headers = [*headers, (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        if status == 503:
            headers.append((b"retry-after", b"30"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return (f"The documents are larger than this server accepts ({limit:,} bytes for both together). "
            "Send shorter texts, or start the server with a larger --max-upload-mb.")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # later calls wait for the disconnect, as Starlette expects

    return replayed


class HostCheck:
    """ASGI middleware: answer 400 unless the Host header names one of ``allowed`` (port ignored).

    A server on 127.0.0.1 is still reachable from a web page through DNS
    rebinding (a name that resolves to 127.0.0.1); such requests carry the
    foreign name in ``Host`` and are refused here.
    """

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(h.lower().strip("[]") for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _host_name(scope) in self.allowed:
            await self.app(scope, receive, send)
            return
        body = (b'{"error": {"code": "bad_host", "message": "This server answers only requests addressed to '
                b'127.0.0.1 or localhost."}}')
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _host_name(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = str(value.decode("latin-1")).lower()
            if host.startswith("["):  # [::1]:8000
                return host[1:].split("]", 1)[0]
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


class OriginCheck:
    """ASGI middleware: refuse state-changing requests sent by another site (403).

    A page on any web site can make the visitor's browser POST a form, or a
    body labelled ``text/plain``, to a server on 127.0.0.1 without asking.
    Browsers label such requests: ``Sec-Fetch-Site`` other than
    ``same-origin``/``none`` or, from browsers that do not send it, an
    ``Origin`` other than this server's own (``null`` included).
    Requests without either header (curl, scripts) are not from a web page
    and pass; safe methods (GET, HEAD, OPTIONS) always pass.
    """

    def __init__(self, app: ASGIApp, *, respond: Responder) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {name: value.decode("latin-1").strip().lower() for name, value in scope.get("headers", ())
                   if name in (b"origin", b"sec-fetch-site", b"host")}
        site, origin = headers.get(b"sec-fetch-site"), headers.get(b"origin")
        own = f"{scope.get('scheme', 'http')}://{headers.get(b'host', '')}"
        # Sec-Fetch-Site is set by the browser itself and cannot be forged by a page; Origin is the
        # fallback for browsers without it.
        ok = site in ("same-origin", "none") if site is not None else origin is None or origin == own
        if ok:
            await self.app(scope, receive, send)
            return
        sender = origin or f"Sec-Fetch-Site: {site}"
        status, hdrs, body = self.respond(
            scope, 403, "cross_site", f"This server accepts comparisons only from its own page ({own}/); "
            f"this request came from another site ({sender}). Open {own}/ and submit there.")
        await send({"type": "http.response.start", "status": status,
                    "headers": [*hdrs, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """ASGI middleware adding defensive headers to every response.

    A route may set its own ``Content-Security-Policy`` (the report page needs
    inline script); otherwise ``default_csp`` applies.
    """

    def __init__(self, app: ASGIApp, *, default_csp: str) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            # Never a referrer to other sites (a result's address is its only key); same-origin keeps the
            # Origin header of our own form posts meaningful (no-referrer makes browsers send "null").
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cache-control", b"no-store"),
            (b"content-security-policy", default_csp.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Runner:
    """Run blocking jobs in threads, at most ``slots`` at once, each within ``timeout_s``.

    Args:
        timeout_s: wall-clock budget of one request, waiting for a slot included.
        slots: how many jobs may run at once (timed-out ones included, until
            their thread really ends).
    """

    def __init__(self, *, timeout_s: float, slots: int = 2) -> None:
        if timeout_s <= 0 or slots < 1:
            raise ValueError("timeout_s must be positive and slots at least 1")
        self.timeout_s = timeout_s
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` in a worker thread.

        Raises:
            Busy: no slot was free before the deadline.
            Overran: the job did not finish before the deadline.
        """
        deadline = anyio.current_time() + self.timeout_s
        # A threading semaphore, not an anyio one: the worker thread must be
        # able to release its slot after the request has given up on it.
        while not self._free.acquire(blocking=False):
            if anyio.current_time() >= deadline:
                raise Busy
            await anyio.sleep(0.02)
        state = {"started": False, "abandoned": False}
        lock = threading.Lock()

        def job() -> T:
            with lock:
                if state["abandoned"]:
                    raise Overran
                state["started"] = True
            try:
                return fn()
            finally:
                self._free.release()

        try:
            with anyio.fail_after(max(deadline - anyio.current_time(), 0.001)):
                return await anyio.to_thread.run_sync(job, abandon_on_cancel=True)
        except TimeoutError:
            raise Overran from None
        finally:
            with lock:
                if not state["started"]:
                    # Cancelled before the thread began: the job will never release the slot.
                    state["abandoned"] = True
                    self._free.release()
