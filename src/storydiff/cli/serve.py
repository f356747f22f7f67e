"""``storydiff serve``: the local web page."""

from __future__ import annotations

import ipaddress
import socket

import click

from storydiff.errors import BackendUnavailable, OptionError
from storydiff.options import ENGINES

#: Host names a loopback server answers to (anything else is refused: DNS rebinding).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so that a busy port is a clear error and port 0 has a URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OptionError(f"cannot listen on {host}:{port} ({e.strerror or e}); "
                          "choose another --port, or --port 0 for any free one") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default answers this computer only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0.001), default=5.0, show_default=True,
              help="Largest request accepted, both versions together, in megabytes (10^6 bytes).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Longest a comparison may take, in seconds.")
@click.option("--engine", type=click.Choice(ENGINES), default=ENGINES[0], show_default=True,
              help="Sentence-embedding engine; minilm needs storydiff[neural].")
@click.option("--concurrency", type=click.IntRange(min=1), default=2, show_default=True,
              help="Comparisons run at once; more requests wait (503 when none frees up in time).")
def serve(host: str, port: int, max_upload_mb: float, timeout_s: float, engine: str, concurrency: int) -> None:
    """Serve a local page to compare two versions of a text, and a JSON API.

    The page has a form for two texts or files and shows the report, with
    HTML, JSON and CSV downloads. POST /api/compare takes JSON and answers
    the storydiff.comparison/1 document; /docs lists the API. Listens on
    127.0.0.1 only unless --host says otherwise. Stop with Ctrl+C.

    Requests above --max-upload-mb get 413. A comparison running past
    --timeout gets 504, but its thread cannot be stopped: it finishes in the
    background and holds one of the --concurrency slots until then; when no
    slot frees up within --timeout, requests get 503.

    Example:

        storydiff serve --port 8000
    """
    try:
        import uvicorn

        from storydiff.web import create_app
    except ImportError as e:
        raise BackendUnavailable(f"storydiff serve needs the web extra ({e.name} is missing): "
                                 "pip install 'storydiff[web]'") from None
    from storydiff.embed import get_encoder
    from storydiff.options import Options

    options = Options(engine=engine)
    get_encoder(engine)  # load the model now, so that the first comparison is not the slow one
    loopback = _is_loopback(host)
    app = create_app(max_upload_bytes=int(max_upload_mb * 1_000_000), timeout_s=timeout_s, options=options,
                     max_concurrency=concurrency, allowed_hosts=LOOPBACK_NAMES if loopback else None)
    sock = _bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if not loopback:
        click.echo(f"storydiff: warning: listening on {host}, reachable from other computers; "
                   "the page has no login", err=True)
    click.echo(f"storydiff: serving on http://{shown}:{bound_port}/ (Ctrl+C to stop)", err=True)
    # limit_concurrency bounds open requests, hence buffered bodies (each at most --max-upload-mb).
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, limit_concurrency=64))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
