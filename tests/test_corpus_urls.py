"""`corpus add --urls FILE`: pages fetched from a real HTTP server on 127.0.0.1, behind the SSRF guard (issue 18).

The server runs in a thread on loopback; the tests reach it only with
``--allow-private-urls``, and check that without the flag the guard refuses it.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from storydiff.corpus import add_documents
from storydiff.corpus.config import ClusterConfig
from storydiff.errors import CorpusError

ARTICLE = (Path(__file__).parent / "data" / "read" / "article.html").read_bytes()
SECOND = (b"<!DOCTYPE html><html><head><title>Ferry timetable changes</title>"
          b'<meta name="author" content="Ole Berg"><meta property="article:published_time" content="2024-04-02">'
          b"</head><body><article><h1>Ferry timetable changes</h1>"
          + b"".join(b"<p>The morning ferry will leave at seven instead of six from the first of May, the harbour "
                     b"office said on Tuesday, citing low demand on the early crossing number %d.</p>" % i
                     for i in range(4))
          + b"</article></body></html>")
LEXICAL = ClusterConfig(semantic=False, workers=1)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/bridge":
            self._send(ARTICLE)
        elif self.path == "/ferry":
            self._send(SECOND)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ferry")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _url_file(tmp_path: Path, site: str) -> Path:
    f = tmp_path / "urls.txt"
    f.write_text(f"# pages to watch\n\n{site}/bridge\n{site}/moved   # the ferry page, moved\n"
                 f"{site}/gone\nnot a url\n{site}/bridge#top\n", encoding="utf-8")
    return f


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    from storydiff.cli import main

    try:
        main(["corpus", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.issue(18)
def test_add_urls_keeps_final_url_title_date_author_and_reports_bad_lines(tmp_path, site, capsys):
    urls, db = _url_file(tmp_path, site), tmp_path / "c.db"
    code, out = _main(capsys, "add", str(db), "--urls", str(urls), "--allow-private-urls", "--on-error", "skip",
                      "--workers", "1")
    assert code == 0, out
    assert f"{urls}:5: {site}/gone:" in out and "404" in out
    assert f"{urls}:6: " in out and "one URL" in out
    rows = duckdb.connect(str(db), read_only=True).execute(
        "SELECT id, url, title, date, author, source FROM documents ORDER BY id").fetchall()
    by_id = {r[0]: r for r in rows}
    assert set(by_id) == {f"{site}/bridge", f"{site}/moved", f"{site}/bridge#top"}
    assert by_id[f"{site}/bridge"][2:5] == ("Harbour bridge to close for repairs", "2024-03-14", "Maria Jensen")
    # the id is the URL as written; url is where the page was finally read
    assert by_id[f"{site}/moved"][1] == f"{site}/ferry"
    assert by_id[f"{site}/moved"][2:5] == ("Ferry timetable changes", "2024-04-02", "Ole Berg")


@pytest.mark.issue(18)
def test_add_urls_without_the_flag_refuses_loopback(tmp_path, site, capsys):
    urls, db = _url_file(tmp_path, site), tmp_path / "c.db"
    code, out = _main(capsys, "add", str(db), "--urls", str(urls), "--workers", "1", "-q")
    assert code == 2
    line = out.strip().splitlines()[-1]
    assert line.startswith(f"storydiff: error: {urls}:3: {site}/bridge: refused: 127.0.0.0/8 is Loopback")
    assert "--allow-private-urls" in line and "Traceback" not in out
    with pytest.raises(CorpusError, match="refused"):
        add_documents(str(tmp_path / "d.db"), urls=[str(urls)], config=LEXICAL)


@pytest.mark.issue(18)
def test_add_urls_alongside_files_and_rerun_is_idempotent(tmp_path, site):
    only = tmp_path / "one.txt"
    only.write_text(f"{site}/bridge\n", encoding="utf-8")
    src = tmp_path / "docs.jsonl"
    src.write_text('{"id": "local", "text": "A local note about the harbour bridge repairs in March."}\n')
    db = str(tmp_path / "c.db")
    first = add_documents(db, [str(src)], urls=[str(only)], allow_private_urls=True, config=LEXICAL)
    again = add_documents(db, urls=[str(only)], allow_private_urls=["127.0.0.0/8"], config=LEXICAL)
    assert (first.added, first.errors, again.added, again.skipped, again.total) == (2, 0, 0, 1, 2)


def test_add_needs_an_input_or_urls(tmp_path, capsys):
    code, out = _main(capsys, "add", str(tmp_path / "c.db"))
    assert code == 2 and "nothing to add" in out
    code, out = _main(capsys, "add", str(tmp_path / "c.db"), "--urls", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in out
