"""The page's result store: a real SQLite file, kept until deleted, bounded in size."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="needs the web extra: pip install 'storydiff[web]'")

from fastapi.testclient import TestClient  # noqa: E402

from storydiff.errors import OptionError  # noqa: E402
from storydiff.web import create_app  # noqa: E402
from storydiff.web.store import FILENAME, ResultStore  # noqa: E402

A = "The council met on Monday. Mayor Ann Lee said 40 buses would come. The vote was seven to two."
B = "The council met on Monday. Mayor Ann Kerr said 400 buses would come. The vote was seven to two."


def _document(text: str, n: int = 0) -> dict[str, object]:
    return {"schema": "storydiff.comparison/1", "documents": [{"id": f"a{n}", "source": "a.txt", "text": text},
                                                              {"id": f"b{n}", "source": "b.txt", "text": text}],
            "changes": [], "summary": {"identical": 1}}


def test_results_survive_a_restart_and_go_when_deleted(tmp_path: Path) -> None:
    path = tmp_path / "data" / FILENAME
    with TestClient(create_app(store=ResultStore(path))) as c:
        r = c.post("/compare", data={"a_text": A, "b_text": B, "a_name": "statement", "b_name": "copy"},
                   follow_redirects=False)
        assert r.status_code == 303
        url = r.headers["location"]
    assert path.is_file()
    with TestClient(create_app(store=ResultStore(path))) as c:  # a new server on the same folder
        page = c.get(url)
        assert page.status_code == 200 and "statement" in page.text and 'id="sdweb-delete"' in page.text
        twin = c.get(url + ".json").json()
        assert [d["id"] for d in twin["documents"]] == ["statement", "copy"]
        assert [e["url"] for e in c.get("/results.json").json()["results"]] == [url]
        assert "Delete it" in c.get(url + "/delete").text  # a link only asks; deleting is a POST
        assert c.get(url).status_code == 200
        gone = c.post(url + "/delete", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"] == "/results?deleted=1"
        assert c.get(url).status_code == 404
        assert c.get(url + ".json").status_code == 404
        assert c.get("/results.json").json()["count"] == 0
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert rows == 0, "a deleted result must leave the database file"


def test_delete_from_a_script(tmp_path: Path) -> None:
    with TestClient(create_app(store=ResultStore(tmp_path / FILENAME))) as c:
        url = c.post("/compare", data={"a_text": A, "b_text": B}, follow_redirects=False).headers["location"]
        rid = url.rsplit("/", 1)[1]
        r = c.delete(url)
        assert r.status_code == 200 and r.json() == {"deleted": rid}
        assert c.delete(url).status_code == 404


def test_oldest_results_go_first_past_the_size_limit() -> None:
    store = ResultStore(None, max_bytes=3_000)
    # Words that do not compress, so that each result weighs about 500 bytes in the store.
    texts = [" ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:8] for k in range(60)) for i in range(12)]
    ids = [store.put(_document(t), inputs={}, min_severity=None) for t in texts]
    n, size = store.usage()
    assert size <= 3_000 and 1 <= n < 12
    assert store.get(ids[-1]) is not None and store.get(ids[0]) is None
    assert [e.id for e in store.entries()] == ids[::-1][:n]


def test_a_result_larger_than_the_limit_is_still_kept_alone() -> None:
    store = ResultStore(None, max_bytes=10)
    first = store.put(_document("one"), inputs={}, min_severity=None)
    second = store.put(_document("two"), inputs={}, min_severity=None)
    assert store.get(first) is None and store.get(second) is not None


def test_a_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OptionError, match="--data-dir"):
        ResultStore(path)


def test_ids_are_unguessable_and_checked(tmp_path: Path) -> None:
    store = ResultStore(None)
    ids = {store.put(_document("x"), inputs={}, min_severity=None) for _ in range(50)}
    assert len(ids) == 50 and all(len(i) == 16 for i in ids)
    with TestClient(create_app(store=store)) as c:
        for bad in ("../../etc/passwd", "x" * 17, "%00"):
            assert c.get(f"/r/{bad}").status_code == 404


def test_serve_says_in_one_line_when_the_store_is_damaged(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / FILENAME).write_bytes(b"not a database" * 100)
    p = subprocess.run([sys.executable, "-m", "storydiff", "serve", "--port", "0", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "--data-dir" in lines[0] and FILENAME in lines[0], p.stderr
    assert (tmp_path / FILENAME).read_bytes() == b"not a database" * 100  # left as it was
