"""Fetching a document by URL, behind a guard against server-side request forgery.

storydiff fetches what a user names, and in ``storydiff serve`` the user is
whoever can reach the page; so a URL must never become a way into the
machine's own network. httpx does the HTTP; ``ssrfguard`` (Apache-2.0) sits
at the socket seam:

- the host is resolved **once**, every answer is checked, and the socket is
  connected to the checked address (a DNS answer that changes between check
  and connect changes nothing; a name answering both public and private
  addresses is refused whole);
- loopback, private, link-local, multicast, "this network" and cloud-metadata
  addresses are refused in every spelling (``2130706433``, ``0x7f000001``,
  ``0177.0.0.1``, ``127.1``, ``[::ffff:127.0.0.1]``, NAT64 wrappers);
- every redirect is checked again, and counted;
- only http and https, only ports 80, 443, 8080 and 8443, no credentials in
  the URL, no proxy.

``allow_private=True`` (``--allow-private-urls``) lets an intranet page through:
it permits loopback, RFC 1918 and unique-local IPv6 addresses on any port,
never link-local or cloud-metadata ones. A list of networks permits just
those (``allow_private=["10.20.0.0/16"]``).

Limits: ``max_bytes`` on the body (checked on ``Content-Length`` first, then
while reading, after decompression), ``timeout`` seconds for connecting and
for each read and for the whole download, ``max_redirects`` hops.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable
from typing import Any

from storydiff.errors import FetchFailed, InputTooLarge, OptionError, URLRefused
from storydiff.model import Document
from storydiff.options import DEFAULT_MAX_BYTES

__all__ = ["DEFAULT_MAX_REDIRECTS", "DEFAULT_TIMEOUT", "PRIVATE_NETWORKS", "fetch", "is_url"]

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_REDIRECTS = 5
PUBLIC_PORTS = frozenset({80, 443, 8080, 8443})
# What allow_private=True opens: an intranet's addresses. Link-local (where the
# cloud metadata services live) and the shared 100.64/10 range (Alibaba's
# metadata address) stay closed.
PRIVATE_NETWORKS = ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
_MEDIA = {
    "text/html": "text/html",
    "application/xhtml+xml": "text/html",
    "text/plain": "text/plain",
    "text/markdown": "text/markdown",
    "text/x-markdown": "text/markdown",
    "application/pdf": "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_ACCEPT = "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5"
_OUTSIDE_HINT = (
    "--allow-private-urls opens loopback, RFC 1918 and unique-local IPv6 addresses only, "
    "never link-local, multicast or cloud-metadata ones"
)
_PRIVATE_HINT = (
    "storydiff does not fetch loopback, private, link-local, multicast or cloud-metadata addresses "
    "(a guard against request forgery); for a page on your intranet pass --allow-private-urls "
    "(allow_private=True in Python)"
)


def is_url(source: object) -> bool:
    """True for a string that starts with ``http://`` or ``https://``."""
    return isinstance(source, str) and source[:8].lower().startswith(("http://", "https://"))


def fetch(
    url: str,
    *,
    allow_private: bool | Iterable[str] = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    name: str | None = None,
    media_type: str | None = None,
    resolver: Callable[..., Any] | None = None,
) -> Document:
    """Fetch an http(s) URL and read it like a file (HTML, PDF, DOCX, text).

    Args:
        url: an ``http://`` or ``https://`` URL.
        allow_private: ``True`` to allow intranet addresses (loopback, RFC 1918,
            unique-local IPv6; any port), or the networks to allow; off by default.
        max_bytes: refuse a body larger than this.
        timeout: seconds allowed to connect, for each read, and for the whole download.
        max_redirects: how many redirects to follow, each one checked again.
        name: the document id; default: the URL as given.
        media_type: read the body as this type; default: from the
            ``Content-Type`` header, else sniffed.
        resolver: a stand-in for ``socket.getaddrinfo`` (tests, a custom DNS);
            its answers are checked like any other.

    Returns:
        A :class:`Document` whose ``source`` is the URL as given; ``meta["url"]``
        is the final URL after redirects, ``meta["redirects"]`` the hops
        followed (when any); title, date and ``meta["author"]`` as the page gives them.

    Raises:
        URLRefused: not http(s), or an address, port or redirect the guard refuses.
        FetchFailed: no connection, a timeout, an HTTP error status, too many redirects.
        InputTooLarge: the body is above ``max_bytes``.

    Example:
        >>> fetch("http://127.0.0.1/")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        storydiff.errors.URLRefused: http://127.0.0.1/: refused: ...
    """
    import httpx
    import ssrfguard
    from ssrfguard.httpx import Client

    from storydiff import read
    from storydiff._version import __version__

    if not is_url(url):
        raise URLRefused(f"{url}: not an http(s) URL; expected a URL starting with http:// or https://")
    policy = _policy(allow_private, max_redirects)
    try:
        # The address first, whatever the port: "loopback" says more than "port 8000".
        _policy(allow_private, max_redirects, any_port=True).check_url(url)
    except ssrfguard.SSRFGuardError as e:
        raise _refused(url, [], e, allow_private) from None
    hops: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        with Client(
            policy=policy,
            resolver=resolver,
            follow_redirects=True,
            # The policy counts redirects; the client's own counter only has to stay out of its way.
            max_redirects=max_redirects + 1,
            timeout=httpx.Timeout(timeout),
            trust_env=False,
            headers={"User-Agent": f"storydiff/{__version__}", "Accept": _ACCEPT},
            event_hooks={"request": [lambda request: hops.append(str(request.url))]},
        ) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchFailed(
                    f"{url}: the server answered {response.status_code} {response.reason_phrase}; "
                    "check the URL, or save the page and compare the file"
                )
            body = _read_body(response, url, max_bytes, deadline, timeout)
            final = str(response.url)
            content_type = response.headers.get("content-type", "")
    except ssrfguard.TooManyRedirectsError:
        raise FetchFailed(
            f"{url}: redirected more than {max_redirects} times ({' -> '.join(hops)}); "
            "open it in a browser to find the page's own address"
        ) from None
    except ssrfguard.SSRFGuardError as e:
        raise _refused(url, hops, e, allow_private) from None
    except httpx.TimeoutException:
        raise FetchFailed(f"{url}: no answer within {timeout:g} s; try again later, or save the page") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as e:
        raise URLRefused(f"{url}: not a valid http(s) URL ({e}); check the address") from None
    except httpx.RemoteProtocolError as e:
        if "location header" in str(e).lower():  # a redirect to something httpx cannot even parse
            raise URLRefused(f"{url}: redirected to an invalid URL, which is refused ({e})") from None
        raise FetchFailed(f"{url}: the server broke the HTTP protocol ({e}); try again later") from None
    except httpx.HTTPError as e:
        raise FetchFailed(f"{url}: cannot be fetched ({type(e).__name__}: {e}); check the URL and the network") from None
    mime, _, params = content_type.partition(";")
    charset = _param(params, "charset")
    meta: dict[str, Any] = {"url": final}
    if len(hops) > 1:
        meta["redirects"] = tuple(hops[1:])
    return read.from_bytes(
        body,
        label=url,
        name=name or url,
        media_type=media_type,
        extension=_MEDIA.get(mime.strip().lower()),
        charset=charset,
        max_bytes=max_bytes,
        meta=meta,
    )


def _policy(allow_private: bool | Iterable[str], max_redirects: int, *, any_port: bool = False) -> Any:
    from ssrfguard import Policy

    if allow_private is True:
        names: tuple[str, ...] = PRIVATE_NETWORKS
    elif allow_private is False or allow_private is None:
        names = ()
    else:
        names = tuple(allow_private)
    try:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in names)
    except ValueError as e:
        raise OptionError(f"allow_private: {e}; expected networks such as '10.20.0.0/16'") from None
    ports = frozenset(range(1, 65536)) if networks or any_port else PUBLIC_PORTS
    return Policy(allowed_networks=networks, allowed_ports=ports, max_redirects=max_redirects)


def _read_body(response: Any, url: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise InputTooLarge(
            f"{url}: is {int(declared):,} bytes, above the limit of {max_bytes:,} bytes; "
            "raise the limit with --max-bytes (Options(max_bytes=...) in Python)"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InputTooLarge(
                f"{url}: sent more than the limit of {max_bytes:,} bytes; "
                "raise the limit with --max-bytes (Options(max_bytes=...) in Python)"
            )
        # httpx's timeouts are per read; a server trickling bytes must not hold us for ever.
        if time.monotonic() > deadline:
            raise FetchFailed(f"{url}: took longer than {timeout:g} s to download; try again later, or save the page")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(url: str, hops: list[str], error: Exception, allow_private: object) -> URLRefused:
    """One sentence: what was refused, why, and what the user can do."""
    import ssrfguard

    reason = getattr(error, "reason", str(error))
    where = getattr(error, "url", None) or (hops[-1] if hops else url)
    redirected = len(hops) > 1 or (isinstance(error, ssrfguard.BlockedURLError) and where != url)
    what = f"redirected to {where}, which is refused" if redirected else "refused"
    if isinstance(error, ssrfguard.BlockedAddressError):
        what = f"{what} ({error.address} is not permitted)" if not redirected else what
        hint = _PRIVATE_HINT if not allow_private else _OUTSIDE_HINT
    elif "allowed_ports" in reason:
        hint = ("only ports 80, 443, 8080 and 8443 are fetched from the internet; "
                "an intranet service needs --allow-private-urls")
    elif "allowed_schemes" in reason:
        hint = "only http and https URLs are fetched"
    elif "credentials" in reason:
        hint = "remove the user:password@ part of the URL"
    elif "encoded" in reason:
        hint = "write the host as a name or a dotted address; " + _PRIVATE_HINT
    elif "proxy" in reason:
        hint = "unset the proxy variables"
    else:
        hint = _PRIVATE_HINT if not allow_private else _OUTSIDE_HINT
    return URLRefused(f"{url}: {what}: {reason}; {hint}")


def _param(params: str, key: str) -> str | None:
    for part in params.split(";"):
        k, _, v = part.partition("=")
        if k.strip().lower() == key and v.strip():
            return v.strip().strip("\"'").lower()
    return None
