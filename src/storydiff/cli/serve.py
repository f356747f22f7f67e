"""``storydiff serve``: the local web page."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import click

from storydiff.errors import BackendUnavailable, OptionError
from storydiff.cli.options import engine_option

#: Host names a loopback server answers to (anything else is refused: DNS rebinding).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so that a busy port is a clear error and port 0 has a URL."""
    from storydiff.web.server import listen

    try:
        return listen(host, port)
    except OSError as e:
        raise OptionError(f"cannot listen on {host}:{port} ({e.strerror or e}); "
                          "choose another --port, or --port 0 for any free one") from None


def default_data_dir() -> Path:
    """Where the page keeps its results unless --data-dir says otherwise (the platform's user data folder)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("storydiff", appauthor=False))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default answers this computer only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--max-upload-mb", type=click.FloatRange(min=0.001), default=5.0, show_default=True,
              help="Largest request accepted, both versions together, in megabytes (10^6 bytes).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Longest a comparison may take, in seconds.")
@engine_option()
@click.option("--concurrency", type=click.IntRange(min=1), default=2, show_default=True,
              help="Comparisons run at once; more requests wait (503 when none frees up in time).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the result store (storydiff-web.sqlite3). Default: the user data folder, "
                   "e.g. ~/.local/share/storydiff.")
@click.option("--keep-mb", type=click.FloatRange(min=0.001), default=500.0, show_default=True,
              help="Results are kept until deleted; past this size (compressed) the oldest are removed first.")
@click.option("--no-store", is_flag=True, help="Keep results in memory only, until the server stops.")
@click.option("--allow-private-urls", is_flag=True,
              help="Let web addresses reach this computer and private networks (an intranet); off by default.")
def serve(host: str, port: int, max_upload_mb: float, timeout_s: float, engine: str, concurrency: int,
          data_dir: Path | None, keep_mb: float, no_store: bool, allow_private_urls: bool) -> None:
    """Serve a local page to compare two versions of a text, and a JSON API.

    The page has a form for two texts, files or web addresses; each result
    gets its own address (/r/ID, with a .json twin) and is kept in a SQLite
    file in --data-dir until deleted from the page. POST /api/compare takes
    JSON and answers the storydiff.comparison/1 document; /docs lists the
    API. Listens on 127.0.0.1 only unless --host says otherwise. Stop with
    Ctrl+C.

    Requests above --max-upload-mb get 413. A comparison running past
    --timeout gets 504, but its thread cannot be stopped: it finishes in the
    background and holds one of the --concurrency slots until then; when no
    slot frees up within --timeout, requests get 503.

    Example:

        storydiff serve --port 8000
    """
    try:
        from storydiff.web import create_app
        from storydiff.web.server import build_server
        from storydiff.web.store import FILENAME, ResultStore
    except ImportError as e:
        raise BackendUnavailable(f"storydiff serve needs the web extra ({e.name} is missing): "
                                 "pip install 'storydiff[web]'") from None
    from storydiff.embed import get_encoder
    from storydiff.options import Options

    # The store first: a damaged or unusable data folder is said at once, before the model loads.
    store = ResultStore(None if no_store else (data_dir or default_data_dir()) / FILENAME,
                        max_bytes=int(keep_mb * 1_000_000))
    options = Options(engine=engine)
    get_encoder(engine)  # load the model now, so that the first comparison is not the slow one
    loopback = _is_loopback(host)
    app = create_app(max_upload_bytes=int(max_upload_mb * 1_000_000), timeout_s=timeout_s, options=options,
                     max_concurrency=concurrency, allowed_hosts=LOOPBACK_NAMES if loopback else None,
                     store=store, allow_private_urls=allow_private_urls)
    sock = _bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if not loopback:
        click.echo(f"storydiff: warning: listening on {host}, reachable from other computers; "
                   "the page has no login", err=True)
    click.echo(f"storydiff: serving on http://{shown}:{bound_port}/ (Ctrl+C to stop)", err=True)
    click.echo(f"storydiff: results kept in {store.path or 'memory'}", err=True)
    try:
        build_server(app).run(sockets=[sock])
    finally:
        sock.close()
        store.close()
