"""Corpus edges: workers die with `corpus add`, empty/damaged/stale stores, bad inputs (issue 14)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from storydiff.cli import cli
from storydiff.corpus import add_documents, cluster, load_document, read_clusters
from storydiff.corpus.config import ClusterConfig
from storydiff.errors import CorpusError

LEXICAL = ClusterConfig(semantic=False)
WORDS = [f"w{i}" for i in range(400)]


def _docs(n: int, seed: int = 1, words: int = 120) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(words // 12)]
        out.append({"id": f"d{seed}-{i}", "text": " ".join(sentences)})
    return out


def _jsonl(path: Path, docs: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The console entry point in this process: (exit code, stdout + stderr)."""
    from storydiff.cli import main

    try:
        main(["corpus", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    return subprocess.run([sys.executable, "-m", "storydiff", "corpus", *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.mark.issue(14)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_add_workers_die_with_the_parent(tmp_path: Path, sig: signal.Signals) -> None:
    psutil = pytest.importorskip("psutil")
    src = _jsonl(tmp_path / "big.jsonl", _docs(60_000, words=60))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "storydiff", "corpus", "add", str(tmp_path / "c.db"), str(src),
                             "--workers", "2", "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            time.sleep(0.2)
            workers = parent.children(recursive=True)
        assert len(workers) >= 2, "corpus add ended before its workers could be seen; make the input larger"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, f"workers still running after the parent got {sig.name}: {[p.pid for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # a failing run must not leave them behind either
            try:
                w.kill()
            except psutil.NoSuchProcess:
                pass


@pytest.mark.issue(14)
def test_cluster_on_an_empty_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from storydiff.corpus import store

    with store.session(str(tmp_path / "empty.db"), create=True):
        pass
    with pytest.raises(CorpusError, match="holds no documents.*corpus add"):
        cluster(str(tmp_path / "empty.db"), config=LEXICAL)
    code, out = _main(capsys, "cluster", str(tmp_path / "empty.db"))
    assert code == 2 and "holds no documents" in out


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("edges")
    base = _docs(40, seed=2)
    base = [{**d, "date": f"2024-03-{i % 28 + 2:02d}"} for i, d in enumerate(base)]
    copies = [{"id": f"copy-{d['id']}", "text": d["text"], "date": "2024-03-01"} for d in base[:5]]
    add_documents(str(work / "c.db"), [str(_jsonl(work / "in.jsonl", base + copies))], config=LEXICAL)
    cluster(str(work / "c.db"), config=LEXICAL)
    return work / "c.db"


@pytest.mark.issue(14)
@pytest.mark.parametrize("damage", ["truncate", "overwrite", "other-duckdb"])
def test_a_damaged_store_is_reported_as_damaged(small_store: Path, tmp_path: Path, damage: str) -> None:
    bad = tmp_path / "bad.db"
    data = small_store.read_bytes()
    if damage == "truncate":
        bad.write_bytes(data[: len(data) // 3])
    elif damage == "overwrite":
        bad.write_text("these are my notes, not a database\n" * 100)
    else:
        con = duckdb.connect(str(bad))
        con.execute("CREATE TABLE t (x INTEGER)")
        con.close()
    for args in (["clusters", str(bad), "--format", "json"], ["cluster", str(bad), "--no-semantic"]):
        r = _run(*args)
        assert r.returncode == 2, r.stderr
        assert ("damaged" in r.stderr or "not a corpus store" in r.stderr) and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    if damage == "overwrite":
        assert bad.read_text().startswith("these are my notes")  # nothing the user gave is overwritten


@pytest.mark.issue(14)
def test_clusters_say_when_documents_were_added_since(small_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    db.write_bytes(small_store.read_bytes())
    assert not read_clusters(str(db)).stale
    add_documents(str(db), [str(_jsonl(tmp_path / "more.jsonl", _docs(3, seed=9)))], config=LEXICAL)
    found = read_clusters(str(db))
    assert found.stale and found.added_since == 3
    res = CliRunner().invoke(cli, ["corpus", "clusters", str(db), "--format", "json"])
    assert "3 documents were added after the last `corpus cluster` run" in res.output
    cluster(str(db), config=LEXICAL)
    assert not read_clusters(str(db)).stale


def test_clusters_before_any_run_say_to_cluster_first(tmp_path: Path) -> None:
    add_documents(str(tmp_path / "c.db"), [str(_jsonl(tmp_path / "in.jsonl", _docs(3)))], config=LEXICAL)
    res = CliRunner().invoke(cli, ["corpus", "clusters", str(tmp_path / "c.db")])
    assert res.exit_code == 0 and "run `storydiff corpus cluster" in res.output


@pytest.mark.issue(14)
def test_an_empty_input_directory_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, out = _main(capsys, "add", str(tmp_path / "c.db"), str(tmp_path / "empty"))
    assert code == 2 and "holds no files" in out


@pytest.mark.issue(14)
def test_dangling_symlinks_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("A story about the harbour. The boats came in late.", encoding="utf-8")
    (d / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    code, out = _main(capsys, "add", str(tmp_path / "c.db"), str(d))
    assert code == 2 and "broken symbolic link" in out
    s = add_documents(str(tmp_path / "c.db"), [str(d)], on_error="skip", config=LEXICAL)
    assert (s.added, s.errors) == (1, 1) and "broken symbolic link" in s.problems[0][1]


@pytest.mark.issue(14)
def test_a_csv_with_an_unterminated_quote_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.csv"
    f.write_text('id,text\n1,"The mayor spoke at noon.\n2,Another story entirely.\n3,A third one.\n',
                 encoding="utf-8")
    code, out = _main(capsys, "add", str(tmp_path / "c.db"), str(f))
    assert code == 2 and "bad.csv:2" in out and "never closed" in out
    assert not (tmp_path / "c.db").exists() or _count(tmp_path / "c.db") == 0


def _count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM documents").fetchall()[0][0])
    finally:
        con.close()


def test_an_older_store_is_read_and_brought_up_to_date(small_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.write_bytes(small_store.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE clusters DROP COLUMN origin_reason")
    con.execute("DELETE FROM settings WHERE key = 'format'")
    con.close()
    assert {c.origin_reason for c in read_clusters(str(db))} == {None}  # read as it is
    cluster(str(db), config=LEXICAL)  # opened for writing: migrated
    assert {c.origin_reason for c in read_clusters(str(db))} == {"earliest date (2024-03-01)"}


@pytest.mark.issue(18)
def test_a_layout_2_store_without_titles_or_stemmas_is_read_and_migrated(small_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.write_bytes(small_store.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE stemmas")
    con.execute("DROP TABLE stemma_edges")
    # as layout 2 made it: documents without title and author
    con.execute("CREATE TABLE old_docs AS SELECT seq, id, text, url, date, source, length, sha, text_key, added_at "
                "FROM documents")
    con.execute("DROP TABLE documents")
    con.execute("ALTER TABLE old_docs RENAME TO documents")
    con.execute("UPDATE settings SET value = '2' WHERE key = 'format'")
    con.close()
    found = read_clusters(str(db))  # read as it is
    assert found and all(c.stemma is None for c in found)
    assert load_document(str(db), found[0].members[0]).title is None
    new = _jsonl(tmp_path / "new.jsonl", [{"id": "titled", "text": "A page with a title. And words.",
                                           "title": "The title", "author": "A. Writer"}])
    add_documents(str(db), [str(new)], config=LEXICAL)  # opened for writing: migrated
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT title, author FROM documents WHERE id = 'titled'").fetchall() == [
        ("The title", "A. Writer")]
    assert con.execute("SELECT value FROM settings WHERE key = 'format'").fetchall() == [("3",)]
    assert con.execute("SELECT count(*) FROM stemmas").fetchall() == [(0,)]
    con.close()


def test_a_store_from_a_newer_version_is_refused(small_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    db.write_bytes(small_store.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE settings SET value = '99' WHERE key = 'format'")
    con.close()
    with pytest.raises(CorpusError, match="newer storydiff"):
        read_clusters(str(db))


def test_dates_are_kept_in_iso_form_and_bad_dates_reported(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "One story here. It has words.", "date": "May 1, 2024"},
            {"id": "b", "text": "Another story. It also has words.", "date": "2024-05-02T10:00:00+02:00"},
            {"id": "c", "text": "A third story. With words too.", "date": "someday"}]
    s = add_documents(str(tmp_path / "c.db"), [str(_jsonl(tmp_path / "in.jsonl", rows))], on_error="skip",
                      config=LEXICAL)
    assert (s.added, s.errors) == (2, 1) and "'someday' is not a date" in s.problems[0][1]
    con = duckdb.connect(str(tmp_path / "c.db"), read_only=True)
    dates = dict(con.execute("SELECT id, date FROM documents").fetchall())
    con.close()
    assert dates == {"a": "2024-05-01", "b": "2024-05-02T08:00:00Z"}


def test_an_html_page_keeps_its_published_date(tmp_path: Path) -> None:
    d = tmp_path / "pages"
    d.mkdir()
    body = " ".join(f"The harbour committee met again to discuss the bridge, item {i}." for i in range(12))
    (d / "story.html").write_text(
        '<html><head><title>Bridge</title><meta property="article:published_time" content="2024-05-01T10:00:00+02:00">'
        f"</head><body><article><h1>Bridge to close</h1><p>{body}</p></article></body></html>", encoding="utf-8")
    add_documents(str(tmp_path / "c.db"), [str(d)], config=LEXICAL)
    from storydiff.corpus import load_document

    assert (load_document(str(tmp_path / "c.db"), "story.html").date or "").startswith("2024-05-01")
