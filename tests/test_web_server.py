"""The served app against hostile clients, over real sockets to a real uvicorn server.

Idle connections and slow-loris header trickles must not make the server
refuse everyone; cross-site browser requests must be refused (issue 14).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

pytest.importorskip("fastapi", reason="needs the web extra: pip install 'storydiff[web]'")

import httpx  # noqa: E402

from storydiff.web import create_app  # noqa: E402
from storydiff.web.server import build_server, listen  # noqa: E402

HEAD_TIMEOUT = 1.0
A = "The council met on Monday. It approved 40 new buses."
B = "The council met on Tuesday. It approved 40 new buses."


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    """storydiff's app under the server ``storydiff serve`` runs, on a free loopback port."""
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    srv = build_server(create_app(body_timeout_s=1.0, timeout_s=30), head_timeout=HEAD_TIMEOUT, keep_alive=1)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield "127.0.0.1", port
    srv.should_exit = True
    thread.join(10)
    sock.close()


def _connect(addr: tuple[str, int], n: int, stack: ExitStack) -> list[socket.socket]:
    return [stack.enter_context(socket.create_connection(addr, timeout=5)) for _ in range(n)]


def _closed_by_server(s: socket.socket, within: float) -> bytes | None:
    """What the server sent before closing, or None if it kept the connection open."""
    s.settimeout(within)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return got


@pytest.mark.issue(14)
def test_a_hundred_idle_connections_do_not_refuse_other_clients(server: tuple[str, int]) -> None:
    host, port = server
    with ExitStack() as stack:
        idle = _connect(server, 100, stack)  # uvicorn's limit_concurrency=64 answered 503 to everyone here
        for _ in range(3):
            r = httpx.post(f"http://{host}:{port}/api/compare", json={"a": A, "b": B}, timeout=30)
            assert r.status_code == 200, r.text
        # ...and the idle ones are closed once the head deadline passes, freeing their sockets.
        assert _closed_by_server(idle[0], within=HEAD_TIMEOUT + 3) is not None
        assert _closed_by_server(idle[-1], within=1) is not None


@pytest.mark.issue(14)
def test_slow_loris_header_trickle_is_cut_off_and_others_are_served(server: tuple[str, int]) -> None:
    host, port = server
    with ExitStack() as stack:
        slow = _connect(server, 20, stack)
        for s in slow:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        cut = 0
        while time.monotonic() - started < HEAD_TIMEOUT + 2 and cut < len(slow):
            assert httpx.get(f"http://{host}:{port}/healthz", timeout=5).status_code == 200
            cut = 0
            for s in slow:  # one more header line each: a trickle never completes its head
                try:
                    s.sendall(b"X-Trickle: 1\r\n")
                except OSError:
                    cut += 1
            time.sleep(0.2)
        assert cut == len(slow), "the trickling connections were never cut off"
        assert b"408" in (_closed_by_server(slow[0], within=1) or b"HTTP/1.1 408")


@pytest.mark.issue(14)
def test_a_trickled_body_gets_408(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=10) as s:
        s.sendall(b"POST /api/compare HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                  b"content-length: 1000\r\n\r\n{\"a\": \"")
        answer = _closed_by_server(s, within=5)
    assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
    assert b"body_timeout" in answer


@pytest.mark.issue(14)
def test_keep_alive_connection_serves_several_requests(server: tuple[str, int]) -> None:
    host, port = server
    with httpx.Client(base_url=f"http://{host}:{port}") as c:
        for _ in range(3):
            assert c.get("/healthz").status_code == 200
        time.sleep(HEAD_TIMEOUT + 0.5)  # idle past every deadline: the client reconnects transparently
        assert c.get("/healthz").status_code == 200


@pytest.mark.issue(14)
@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site", "origin": "http://127.0.0.1:1"},  # another port on this machine
])
def test_cross_site_posts_are_refused(server: tuple[str, int], headers: dict[str, str]) -> None:
    host, port = server
    url = f"http://{host}:{port}"
    form = httpx.post(f"{url}/compare", data={"a_text": A, "b_text": B}, headers=headers, timeout=10)
    assert form.status_code == 403 and "another site" in form.text
    api = httpx.post(f"{url}/api/compare", json={"a": A, "b": B}, headers=headers, timeout=10)
    assert api.status_code == 403 and api.json()["error"]["code"] == "cross_site"
    assert httpx.delete(f"{url}/r/AAAAAAAAAAAAAAAA", headers=headers, timeout=10).status_code == 403


@pytest.mark.issue(14)
def test_same_origin_and_non_browser_posts_pass(server: tuple[str, int]) -> None:
    host, port = server
    url = f"http://{host}:{port}"
    own = {"origin": url, "sec-fetch-site": "same-origin"}
    r = httpx.post(f"{url}/compare", data={"a_text": A, "b_text": B}, headers=own, timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/r/")
    assert httpx.post(f"{url}/api/compare", json={"a": A, "b": B}, timeout=30).status_code == 200  # curl-like


@pytest.mark.issue(14)
@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded"])
def test_api_requires_the_json_content_type(server: tuple[str, int], content_type: str | None) -> None:
    host, port = server
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"a": "x", "b": "y"}'
    with socket.create_connection(server, timeout=10) as s:  # httpx would add a content type of its own
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(f"POST /api/compare HTTP/1.1\r\nHost: {host}:{port}\r\n{head}content-length: {len(body)}\r\n"
                  "connection: close\r\n\r\n".encode() + body)
        answer = _closed_by_server(s, within=10) or b""
    assert answer.startswith(b"HTTP/1.1 415"), answer[:200]
    assert b"unsupported_media_type" in answer
