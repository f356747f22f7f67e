"""Fetching URLs from real HTTP servers on loopback, and the SSRF guard's table of refusals.

Two servers run in threads: ``site`` on 127.0.0.2 stands for a public web
site (tests reach it with ``allow_private=["127.0.0.2/32"]`` or ``True``),
``secret`` on 127.0.0.1 stands for what must never be reached. A tripwire
refuses any socket connection outside 127.0.0.0/8, so no test can send a
packet anywhere else even if the guard failed, and records every attempt.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storydiff import read
from storydiff.cli import main
from storydiff.errors import FetchFailed, InputTooLarge, StorydiffError, URLRefused

DATA = Path(__file__).parent / "data" / "read"
ARTICLE = (DATA / "article.html").read_bytes()
SITE = "127.0.0.2"
ONLY_SITE = [f"{SITE}/32"]


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Any] = {}
    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as the limits tell it to

    def log_message(self, *args: Any) -> None:
        pass


def _serve(host: str, routes: dict[str, Any]) -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    hits: list[str] = []
    handler = type("Handler", (_Handler,), {"routes": routes, "hits": hits})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def _send(body: bytes, content_type: str = "text/html; charset=utf-8", *, length: bool = True) -> Any:
    def route(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        if length:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return route


def _redirect(location: str) -> Any:
    def route(h: _Handler) -> None:
        h.send_response(302)
        h.send_header("Location", location.replace("{site}", f"{SITE}:{h.server.server_address[1]}"))
        h.end_headers()
    return route


def _slow(h: _Handler) -> None:
    time.sleep(3)
    _send(ARTICLE)(h)


def _trickle(h: _Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(40):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.1)


def _endless(h: _Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(100):  # bounded: 100 x 64 kB, far past the limit the test sets
        h.wfile.write(b"words " * 10_000)


@pytest.fixture(scope="module")
def secret() -> Iterator[tuple[int, list[str]]]:
    server, hits = _serve("127.0.0.1", {"/": _send(b"<p>internal admin page</p>"), "/admin": _send(b"secret")})
    yield server.server_address[1], hits
    server.shutdown()


@pytest.fixture(scope="module")
def site(secret: tuple[int, list[str]]) -> Iterator[tuple[str, list[str]]]:
    """The stand-in public site; yields its base URL and the paths it was asked for."""
    from test_read_formats import make_docx, make_pdf, p, r

    port = secret[0]
    russian = ("<html><body><article><p>Министр заявил, что переговоры продолжатся в следующем месяце.</p>"
               "</article></body></html>").encode("cp1251")
    routes = {
        "/article": _send(ARTICLE),
        "/moved": _redirect("/article"),
        "/chain": _redirect("/moved"),
        "/loop": _redirect("/loop"),
        "/release.pdf": _send(make_pdf([["The harbour bridge will close in March."]]), "application/pdf"),
        "/draft": _send(make_docx(p(r("A Word draft about the bridge."))), "application/octet-stream"),
        "/ru": _send(russian, "text/html; charset=windows-1251"),
        "/big": _send(b"x" * 5000, "text/plain"),
        "/chunked-big": _endless,
        "/slow": _slow,
        "/trickle": _trickle,
        "/gone": lambda h: (h.send_response(410), h.end_headers()),
        # Redirects into the private network, each spelled another way.
        "/to-loopback": _redirect(f"http://127.0.0.1:{port}/admin"),
        "/to-decimal": _redirect(f"http://2130706433:{port}/admin"),
        "/to-hex": _redirect(f"http://0x7f000001:{port}/admin"),
        "/to-octal": _redirect(f"http://0177.0.0.1:{port}/admin"),
        "/to-short": _redirect(f"http://127.1:{port}/admin"),
        "/to-mapped": _redirect(f"http://[::ffff:127.0.0.1]:{port}/admin"),
        "/to-ipv6-loopback": _redirect(f"http://[::1]:{port}/admin"),
        "/to-localhost": _redirect(f"http://localhost:{port}/admin"),
        "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-private": _redirect("http://10.0.0.1/"),
        "/to-file": _redirect("file:///etc/passwd"),
        "/to-rebound-name": _redirect(f"http://rebound.test:{port}/admin"),
    }
    server, hits = _serve(SITE, routes)
    yield f"http://{SITE}:{server.server_address[1]}", hits
    server.shutdown()


@pytest.fixture(autouse=True)
def tripwire(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Refuse and record every connection outside loopback; nothing may leave the machine."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        try:
            loopback = ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            attempts.append(address)
            raise OSError(f"test tripwire: connection to {address!r} refused")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


# --- fetching what a user names ---------------------------------------------------


def test_fetch_article_keeps_title_date_author_and_url(site: tuple[str, list[str]]) -> None:
    base, _ = site
    doc = read.fetch(f"{base}/article", allow_private=ONLY_SITE)
    assert doc.media_type == "text/html" and doc.encoding == "utf-8"
    assert doc.id == doc.source == f"{base}/article"
    assert doc.title == "Harbour bridge to close for repairs"
    assert doc.date == "2024-03-14"
    assert doc.meta["author"] == "Maria Jensen"
    assert doc.meta["url"] == f"{base}/article"
    assert "redirects" not in doc.meta
    assert doc.text.startswith("Harbour bridge to close for repairs")
    assert "cookie" not in doc.text  # the same extraction as for an HTML file
    assert doc.text == read.load(DATA / "article.html").text


def test_fetch_follows_redirects_and_records_the_final_url(site: tuple[str, list[str]]) -> None:
    base, _ = site
    doc = read.fetch(f"{base}/chain", allow_private=True, name="v1")
    assert doc.id == "v1" and doc.source == f"{base}/chain"
    assert doc.meta["url"] == f"{base}/article"
    assert doc.meta["redirects"] == (f"{base}/moved", f"{base}/article")


@pytest.mark.parametrize(
    "path,media_type,words",
    [
        ("/release.pdf", read.PDF, "The harbour bridge will close in March."),
        ("/draft", read.DOCX, "A Word draft about the bridge."),  # sent as octet-stream: sniffed
        ("/ru", "text/html", "Министр заявил"),  # charset only in the HTTP header
    ],
)
def test_fetch_reads_every_format(site: tuple[str, list[str]], path: str, media_type: str, words: str) -> None:
    base, _ = site
    doc = read.fetch(base + path, allow_private=ONLY_SITE)
    assert doc.media_type == media_type
    assert words in doc.text


@pytest.mark.parametrize(
    "path,kwargs,error,pattern",
    [
        ("/big", {"max_bytes": 1000}, InputTooLarge, r"is 5,000 bytes, above the limit of 1,000 bytes"),
        ("/chunked-big", {"max_bytes": 100_000}, InputTooLarge, r"sent more than the limit of 100,000 bytes"),
        ("/slow", {"timeout": 0.5}, FetchFailed, r"no answer within 0.5 s"),
        ("/trickle", {"timeout": 1.0}, FetchFailed, r"took longer than 1 s to download"),
        ("/loop", {"max_redirects": 3}, FetchFailed, r"redirected more than 3 times"),
        ("/chain", {"max_redirects": 1}, FetchFailed, r"redirected more than 1 times"),
        ("/gone", {}, FetchFailed, r"the server answered 410 Gone"),
        ("/nothing-here", {}, FetchFailed, r"the server answered 404"),
    ],
)
def test_fetch_limits_and_failures(site: tuple[str, list[str]], path: str, kwargs: dict[str, Any],
                                   error: type[Exception], pattern: str) -> None:
    base, _ = site
    started = time.monotonic()
    with pytest.raises(error, match=pattern) as info:
        read.fetch(base + path, allow_private=ONLY_SITE, **kwargs)
    message = str(info.value)
    assert message.startswith(base + path + ": ") and "\n" not in message
    assert time.monotonic() - started < 2.5  # the limits hold: nobody waits for the slow server


def test_fetch_needs_a_listening_server() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.2", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchFailed, match=r"cannot be fetched \(ConnectError"):
        read.fetch(f"http://127.0.0.2:{port}/", allow_private=True)


# --- the SSRF table: every case refused, nothing reached ---------------------------------


def _resolver(answers: dict[str, list[list[str]]], calls: list[str]) -> Any:
    """A stand-in for getaddrinfo: each name answers from its list, one entry per call (the last repeats)."""

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host not in answers:  # an address in any spelling answers for itself, never through DNS
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        calls.append(host)
        seq = answers[host]
        ips = seq[min(sum(1 for c in calls if c == host) - 1, len(seq) - 1)]
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port, 0, 0) if ":" in ip else (ip, port)) for ip in ips]

    return getaddrinfo


SPELLINGS = [
    "http://127.0.0.1:{port}/admin",
    "http://2130706433:{port}/admin",  # decimal
    "http://0x7f000001:{port}/admin",  # hex
    "http://0x7f.0.0.1:{port}/admin",  # hex octet
    "http://0177.0.0.1:{port}/admin",  # octal
    "http://017700000001:{port}/admin",  # octal, whole
    "http://127.1:{port}/admin",  # short form
    "http://127.0.1:{port}/admin",
    "http://127.000.000.001:{port}/admin",
    "http://[::1]:{port}/admin",
    "http://[::ffff:127.0.0.1]:{port}/admin",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]:{port}/admin",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/admin",
    "http://[64:ff9b::7f00:1]:{port}/admin",  # NAT64
    "http://localhost:{port}/admin",
    "http://LOCALHOST.:{port}/admin",
    "http://\u2460\u2461\u2466.0.0.1:{port}/admin",  # circled digits
    "http://0.0.0.0:{port}/admin",
    "http://[::]:{port}/admin",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://example.com@127.0.0.1:{port}/admin",  # credentials disguising the host
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/",
    "http://example.com:22/",  # a public name on a port that is not a web port
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_ssrf_spellings_are_refused(spelling: str, secret: tuple[int, list[str]], tripwire: list[Any]) -> None:
    port, hits = secret
    before = len(hits)
    url = spelling.format(port=port)
    calls: list[str] = []
    resolver = _resolver({"example.com": [["93.184.215.14"]]}, calls)
    with pytest.raises(URLRefused) as info:
        read.fetch(url, resolver=resolver)
    message = str(info.value)
    assert message.startswith(url + ": ") and "\n" not in message
    assert len(hits) == before, "the private server was reached"
    assert tripwire == [] and calls == []  # refused before any lookup or connection


@pytest.mark.parametrize(
    "path",
    ["/to-loopback", "/to-decimal", "/to-hex", "/to-octal", "/to-short", "/to-mapped", "/to-ipv6-loopback",
     "/to-localhost", "/to-metadata", "/to-private", "/to-file", "/to-rebound-name"],
)
def test_ssrf_redirects_into_the_private_network_are_refused(
    path: str, site: tuple[str, list[str]], secret: tuple[int, list[str]], tripwire: list[Any]
) -> None:
    base, _ = site
    port, hits = secret
    before = len(hits)
    resolver = _resolver({"rebound.test": [["127.0.0.1"]], "localhost": [["127.0.0.1"]]}, [])
    with pytest.raises(URLRefused, match=r"redirected to .*, which is refused") as info:
        read.fetch(base + path, allow_private=ONLY_SITE, resolver=resolver)
    assert str(info.value).startswith(base + path + ": ")
    assert len(hits) == before and tripwire == []


@pytest.mark.parametrize("answers", [[["127.0.0.1"]], [["127.0.0.2", "127.0.0.1"]], [["10.1.2.3"]],
                                     [["169.254.169.254"]], [["::ffff:127.0.0.1"]]],
                         ids=["loopback", "mixed", "private", "metadata", "mapped"])
def test_ssrf_names_resolving_to_private_addresses_are_refused(
    answers: list[list[str]], site: tuple[str, list[str]], secret: tuple[int, list[str]], tripwire: list[Any]
) -> None:
    port, hits = secret
    before = len(hits)
    with pytest.raises(URLRefused, match=r"not permitted"):
        read.fetch(f"http://news.test:{port}/admin", allow_private=ONLY_SITE,
                   resolver=_resolver({"news.test": answers}, []))
    assert len(hits) == before and tripwire == []


def test_ssrf_a_dns_answer_that_changes_cannot_redirect_the_connection(
    site: tuple[str, list[str]], secret: tuple[int, list[str]], tripwire: list[Any]
) -> None:
    """Checked once, connected to what was checked: the second, private answer is never asked for."""
    base, site_hits = site
    port, secret_hits = secret
    site_port = int(base.rsplit(":", 1)[1])
    before = len(secret_hits)
    calls: list[str] = []
    # The name first answers the allowed site, then (a rebinding attack) loopback 127.0.0.1.
    resolver = _resolver({"news.test": [[SITE], ["127.0.0.1"]]}, calls)
    assert site_port != port
    doc = read.fetch(f"http://news.test:{site_port}/article", allow_private=ONLY_SITE, resolver=resolver)
    assert doc.title == "Harbour bridge to close for repairs"
    assert calls == ["news.test"]
    assert site_hits[-1] == "/article" and len(secret_hits) == before and tripwire == []
    # A second fetch gets the rebound answer, and is refused.
    with pytest.raises(URLRefused, match="127.0.0.1 is not permitted"):
        read.fetch(f"http://news.test:{site_port}/article", allow_private=ONLY_SITE, resolver=resolver)
    assert len(secret_hits) == before and tripwire == []


def test_allow_private_opens_the_intranet_but_never_metadata(secret: tuple[int, list[str]]) -> None:
    port, hits = secret
    doc = read.fetch(f"http://127.0.0.1:{port}/", allow_private=True)
    assert doc.text == "internal admin page" and hits[-1] == "/"
    for url in ("http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/", "http://224.0.0.1/"):
        with pytest.raises(URLRefused, match="never link-local, multicast or cloud-metadata"):
            read.fetch(url, allow_private=True)


def test_refusal_says_what_to_do(secret: tuple[int, list[str]]) -> None:
    port, _ = secret
    with pytest.raises(URLRefused) as info:
        read.fetch(f"http://127.0.0.1:{port}/admin")
    assert "Loopback" in str(info.value) and "--allow-private-urls" in str(info.value)
    assert isinstance(info.value, StorydiffError)


# --- the command line -------------------------------------------------------------------


def test_cli_compares_two_urls(site: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    import json

    base, _ = site
    main(["compare", f"{base}/article", f"{base}/moved", "--allow-private-urls", "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [d["source"] for d in out["documents"]] == [f"{base}/article", f"{base}/moved"]
    assert out["documents"][0]["title"] == "Harbour bridge to close for repairs"


def test_cli_refuses_a_private_url_with_one_line(secret: tuple[int, list[str]],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    port, hits = secret
    before = len(hits)
    with pytest.raises(SystemExit) as info:
        main(["compare", f"http://2130706433:{port}/admin", str(DATA / "article.html")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"storydiff: error: http://2130706433:{port}/admin: refused") and err.count("\n") == 1
    assert len(hits) == before


def test_allow_private_takes_networks_and_refuses_nonsense() -> None:
    from storydiff.errors import OptionError

    with pytest.raises(OptionError, match="allow_private: .*expected networks"):
        read.fetch("http://127.0.0.1/", allow_private=["not-a-network"])


def test_a_string_cannot_be_read_as_pdf() -> None:
    from storydiff.errors import InputError

    with pytest.raises(InputError, match="cannot be read as application/pdf"):
        read.from_text("%PDF-1.7 ...", media_type=read.PDF)
