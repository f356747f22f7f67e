"""`corpus add`: inputs, idempotence, conflicts, bad lines, resumability (storydiff.corpus.add / store)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from storydiff.corpus import load_document, signatures
from storydiff.corpus import add as add_module
from storydiff.corpus.add import add_documents
from storydiff.corpus.store import blobs_to_array
from storydiff.errors import CorpusError

DATA = Path(__file__).parent / "data" / "corpus"


def _ids(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM documents ORDER BY seq").fetchall()]
    finally:
        con.close()


def test_add_directory_ids_are_relative_posix_paths(tmp_path):
    db = tmp_path / "c.db"
    s = add_documents(str(db), [str(DATA / "articles")])
    assert (s.added, s.errors, s.total) == (3, 0, 3)
    assert _ids(db) == ["bridge.txt", "world/market.md", "world/storm.html"]
    storm = load_document(str(db), "world/storm.html")
    assert "severe storm" in storm.text and "<p>" not in storm.text


def test_add_jsonl_keeps_optional_columns(tmp_path):
    db = tmp_path / "c.db"
    s = add_documents(str(db), [str(DATA / "docs.jsonl")])
    assert (s.added, s.total) == (3, 3)
    doc = load_document(str(db), "j1")
    assert doc.date == "2024-05-01" and doc.meta["url"] == "https://example.org/j1"
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT source, length FROM documents WHERE id = 'j1'").fetchall()[0]
    con.close()
    assert row == ("wire", len(doc.text))


def test_add_csv_with_quotes(tmp_path):
    db = tmp_path / "c.db"
    add_documents(str(db), [str(DATA / "docs.csv")])
    assert '"a rare sight"' in load_document(str(db), "k2").text
    assert load_document(str(db), "k1").date == "2024-09-01"


def test_add_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["First text here.", "Second text here."],
                             "date": ["2024-01-01", None]}), path)
    db = tmp_path / "c.db"
    s = add_documents(str(db), [str(path)])
    assert s.added == 2 and load_document(str(db), "p1").date == "2024-01-01"


def test_signatures_are_stored_per_document(tmp_path):
    db = tmp_path / "c.db"
    add_documents(str(db), [str(DATA / "docs.jsonl")])
    con = duckdb.connect(str(db), read_only=True)
    t = con.sql("SELECT sig FROM signatures WHERE kind = 'ngram' ORDER BY seq").to_arrow_table()
    texts = [r[0] for r in con.execute("SELECT text FROM documents ORDER BY seq").fetchall()]
    con.close()
    assert (blobs_to_array(t.column("sig"), np.uint32, 128) == signatures(texts)).all()


def test_re_adding_the_same_documents_changes_nothing(tmp_path):
    db = tmp_path / "c.db"
    add_documents(str(db), [str(DATA / "docs.jsonl"), str(DATA / "articles")])
    s = add_documents(str(db), [str(DATA / "articles"), str(DATA / "docs.jsonl")])
    assert (s.added, s.skipped, s.errors, s.total) == (0, 6, 0, 6)


def test_same_id_with_different_text_fails_before_writing_the_batch(tmp_path):
    db = tmp_path / "c.db"
    with pytest.raises(CorpusError, match=r"conflict\.jsonl:3: id 'x1' appears again with a different text"):
        add_documents(str(db), [str(DATA / "conflict.jsonl")])
    assert _ids(db) == []


def test_same_id_with_different_text_skipped_and_counted(tmp_path):
    db = tmp_path / "c.db"
    s = add_documents(str(db), [str(DATA / "conflict.jsonl")], on_error="skip")
    assert (s.added, s.errors) == (2, 1)
    assert load_document(str(db), "x1").text == "The first version of a text."
    # and against the store, in a later run
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "x2", "text": "Changed."}) + "\n")
    with pytest.raises(CorpusError, match=r"other\.jsonl:1: id 'x2' is already in the store"):
        add_documents(str(db), [str(other)])


def test_malformed_jsonl_lines_reported_with_line_numbers(tmp_path, capsys):
    from storydiff.corpus.progress import RichReporter

    db = tmp_path / "c.db"
    s = add_documents(str(db), [str(DATA / "bad.jsonl")], on_error="skip", reporter=RichReporter(quiet=True))
    err = capsys.readouterr().err
    assert (s.added, s.errors) == (2, 2)
    assert "bad.jsonl:2: malformed JSON" in err
    assert "bad.jsonl:3: missing 'text'" in err
    assert [w for w, _ in s.problems] == [f"{DATA / 'bad.jsonl'}:2", f"{DATA / 'bad.jsonl'}:3"]
    with pytest.raises(CorpusError, match=r"bad\.jsonl:2: malformed JSON"):
        add_documents(str(tmp_path / "d.db"), [str(DATA / "bad.jsonl")])


def test_undecodable_file_in_directory_is_reported(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("A readable text about the harbour.", encoding="utf-8")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 8)
    s = add_documents(str(tmp_path / "c.db"), [str(src)], on_error="skip")
    assert s.added == 1 and s.errors == 1 and s.problems[0][0].endswith("blob.bin")


def test_interrupted_add_keeps_complete_batches_and_rerun_finishes(tmp_path, monkeypatch):
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Document number {i} says {i * 7}."}) + "\n"
                           for i in range(10)))
    db = tmp_path / "c.db"
    real = add_module.signatures_with_sizes
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C during the 2nd batch
        return real(*args, **kwargs)

    monkeypatch.setattr(add_module, "signatures_with_sizes", flaky)
    with pytest.raises(KeyboardInterrupt):
        add_documents(str(db), [str(src)], batch_size=4)
    assert _ids(db) == ["d0", "d1", "d2", "d3"]
    monkeypatch.setattr(add_module, "signatures_with_sizes", real)
    s = add_documents(str(db), [str(src)], batch_size=4)
    assert (s.added, s.skipped, s.total) == (6, 4, 10)
    assert _ids(db) == [f"d{i}" for i in range(10)]


def test_load_document_unknown_id_names_id_and_store(tmp_path):
    db = tmp_path / "c.db"
    add_documents(str(db), [str(DATA / "docs.jsonl")])
    with pytest.raises(CorpusError, match=r"'nope'.*c\.db"):
        load_document(str(db), "nope")
    with pytest.raises(CorpusError, match="no corpus store"):
        load_document(str(tmp_path / "missing.db"), "j1")


def test_unknown_input_extension_is_refused(tmp_path):
    p = tmp_path / "x.xml"
    p.write_text("<a/>")
    with pytest.raises(CorpusError, match="--format"):
        add_documents(str(tmp_path / "c.db"), [str(p)])


def test_empty_text_and_wrong_format_are_reported(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\na,Some words here.\nb,\n", encoding="utf-8")
    s = add_documents(str(tmp_path / "c.db"), [str(src)], on_error="skip")
    assert s.added == 1 and s.problems == ((f"{src}:3", "empty 'text'"),)
    with pytest.raises(CorpusError, match="not a directory"):
        add_documents(str(tmp_path / "d.db"), [str(src)], fmt="dir")


def test_progress_has_labelled_steps_and_known_totals(tmp_path):
    import io

    from storydiff.corpus import cluster
    from storydiff.corpus.config import ClusterConfig
    from storydiff.corpus.progress import RichReporter

    out = io.StringIO()
    with RichReporter(stream=out, terminal=True) as reporter:
        add_documents(str(tmp_path / "c.db"), [str(DATA / "docs.jsonl"), str(DATA / "articles")], reporter=reporter)
        cluster(str(tmp_path / "c.db"), config=ClusterConfig(semantic=False), reporter=reporter)
    text = out.getvalue()
    assert "adding documents" in text and "6/6" in text  # the total was known before the first document
    for label in ("step 1/4: MinHash signatures", "step 4/4: writing the clusters", "LSH over word 3-grams"):
        assert label in text
    assert "/?" not in text and "ETA" not in text.split("adding documents")[0]
