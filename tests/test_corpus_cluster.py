"""`corpus cluster` end to end on a small real-text corpus, and the `corpus` CLI.

The corpus is built from the parallel Bible (../shared/data/bible-parallel-en):
two stories, each with an exact copy, a trimmed copy, an edited copy and a
re-worded copy (the same verses in the KJV), among unrelated passages.
"""

from __future__ import annotations

import csv
import json
import re
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

from storydiff.cli import cli
from storydiff.corpus import ClusterConfig, semantic_candidates, verify_pair, verify_pairs
from storydiff.corpus.add import add_documents
from storydiff.corpus.engine import cluster_store
from storydiff.corpus.results import read_clusters

VERSES = Path(__file__).resolve().parents[2] / "shared" / "data" / "bible-parallel-en" / "verses.tsv"
KINDS = ("base", "exact", "trimmed", "edited", "reworded")


def _verses() -> list[dict[str, str]]:
    if not VERSES.is_file():
        pytest.skip(f"{VERSES} not found (needs ../shared beside the checkout)")
    with VERSES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r for r in rows if r["web"] and r["kjv"]]


def _build(rows: list[dict[str, str]], path: Path, *, stories: int = 2, singles: int = 30) -> None:
    rng = random.Random(7)
    # each document uses its own stretch of the Bible: no accidental shared verses
    starts = rng.sample(range(0, len(rows) - 40, 40), stories + singles)
    vocab = [w for r in rows[:3000] for w in r["web"].split()]
    out = []
    for s, start in enumerate(starts[:stories]):
        paras = [rows[start + 6 * p : start + 6 * p + 5] for p in range(5)]
        web = "\n\n".join(" ".join(v["web"] for v in p) for p in paras)
        flat = [v["web"] for p in paras for v in p]
        trimmed = " ".join(flat[: int(len(flat) * 0.7)])
        words = web.split(" ")
        for k in rng.sample(range(len(words)), int(len(words) * 0.15)):
            words[k] = rng.choice(vocab)
        kjv = "\n\n".join(" ".join(v["kjv"] for v in p) for p in paras)
        for kind, text in zip(KINDS, (web, web, trimmed, " ".join(words), kjv)):
            out.append({"id": f"s{s}/{kind}", "text": text})
    for i, start in enumerate(starts[stories:]):
        out.append({"id": f"single{i}", "text": " ".join(v["web"] for v in rows[start : start + 25])})
    rng.shuffle(out)
    path.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")


@pytest.fixture(scope="module")
def clustered(tmp_path_factory) -> Path:
    rows = _verses()
    tmp = tmp_path_factory.mktemp("corpus")
    src, db = tmp / "bible.jsonl", tmp / "bible.db"
    _build(rows, src)
    add_documents(str(db), [str(src)])
    cluster_store(str(db))
    return db


def test_planted_versions_end_up_in_one_cluster_each(clustered):
    found = read_clusters(str(clustered))
    members = sorted(sorted(c.members) for c in found)
    assert members == [sorted(f"s{s}/{k}" for k in KINDS) for s in range(2)]


def test_evidence_names_methods(clustered):
    found = read_clusters(str(clustered))
    methods = {e.method for c in found for e in c.evidence}
    assert "exact" in methods and "minhash" in methods
    for c in found:
        for e in c.evidence:
            assert e.a in c.members and e.b in c.members


def test_pairs_and_clusters_tables_are_plain_sql(clustered):
    con = duckdb.connect(str(clustered), read_only=True)
    try:
        origins = con.execute("SELECT count(*) FROM clusters WHERE is_origin").fetchall()[0][0]
        reasons = {r[0] for r in con.execute("SELECT origin_reason FROM clusters").fetchall()}
        cols = [r[0] for r in con.execute("DESCRIBE pairs").fetchall()]
    finally:
        con.close()
    assert origins == 0 and reasons == {"no member has a date"}  # the fixture's documents are undated
    assert cols == ["a", "b", "method", "jaccard", "cosine", "aligned_share", "verified", "relation"]


def test_recluster_is_deterministic_and_incremental(clustered, tmp_path):
    before = [c.to_dict() for c in read_clusters(str(clustered))]
    summary = cluster_store(str(clustered))
    assert [c.to_dict() for c in read_clusters(str(clustered))] == before
    assert summary.seconds["signatures"] < 5  # nothing recomputed


def test_lexical_only_run_still_finds_lexical_versions(clustered, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(clustered.read_bytes())
    cluster_store(str(db), config=ClusterConfig(semantic=False, unigrams=False))
    found = read_clusters(str(db))
    for s in range(2):
        group = next(c for c in found if f"s{s}/base" in c.members)
        assert {f"s{s}/exact", f"s{s}/trimmed", f"s{s}/edited"} <= set(group.members)


def test_verify_pair_separates_reworded_from_unrelated():
    rows = _verses()
    web = " ".join(r["web"] for r in rows[100:120])
    kjv = " ".join(r["kjv"] for r in rows[100:120])
    other = " ".join(r["web"] for r in rows[5000:5020])
    assert verify_pair(web, kjv) >= 0.5
    assert verify_pair(web, other) < 0.2
    shares = verify_pairs([web, kjv, other], np.array([[0, 1], [0, 2]]))
    assert shares[0] >= 0.5 and shares[1] < 0.2


def test_semantic_candidates_pair_reworded_copy():
    rows = _verses()
    texts = [" ".join(r["web"] for r in rows[i : i + 20]) for i in range(0, 4000, 200)]
    texts.append(" ".join(r["kjv"] for r in rows[600:620]))  # KJV of document 3
    pairs, cos = semantic_candidates(texts, k=3, min_cos=0.3, drop_pcs=3)
    assert pairs.dtype == np.int64 and cos.dtype == np.float32 and (pairs[:, 0] < pairs[:, 1]).all()
    assert [3, len(texts) - 1] in pairs.tolist()


def test_cli_clusters_json_shape(clustered):
    res = CliRunner().invoke(cli, ["corpus", "clusters", str(clustered), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"clusters", "stale", "added_since"} and len(data["clusters"]) == 2
    assert data["stale"] is False and data["added_since"] == 0
    assert [c["size"] for c in data["clusters"]] == sorted((c["size"] for c in data["clusters"]), reverse=True)
    for c in data["clusters"]:
        assert set(c) == {"id", "size", "title", "members", "origin", "origin_reason", "first_date", "last_date",
                          "evidence", "stemma"}
        assert c["stemma"] is None  # none stored: `corpus stemma` makes one
        assert c["title"] and c["origin_reason"] == "no member has a date"
        assert isinstance(c["id"], str) and c["origin"] is None
        assert all({"a", "b", "method", "jaccard", "cosine", "aligned_share"} <= set(e) for e in c["evidence"])


def test_cli_clusters_csv_and_table(clustered):
    res = CliRunner().invoke(cli, ["corpus", "clusters", str(clustered), "--format", "csv"])
    lines = res.output.strip().splitlines()
    assert lines[0] == "cluster_id,doc_id,is_origin" and len(lines) == 11
    res = CliRunner().invoke(cli, ["corpus", "clusters", str(clustered)])
    assert "s0/base" in res.output


def test_cli_add_cluster_and_compare_corpus(tmp_path):
    data = Path(__file__).parent / "data" / "corpus"
    db = str(tmp_path / "c.db")
    cmd = [sys.executable, "-m", "storydiff"]
    r = subprocess.run([*cmd, "corpus", "add", db, str(data / "docs.jsonl"), str(data / "articles")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert re.search(r"added\s+6\n", r.stderr) and re.search(r"documents in the store\s+6\n", r.stderr)
    r = subprocess.run([*cmd, "corpus", "add", db, str(data / "bad.jsonl")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "bad.jsonl:2: malformed JSON" in r.stderr
    r = subprocess.run([*cmd, "corpus", "cluster", db], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "clusters" in r.stderr
    r = subprocess.run([*cmd, "compare", "--corpus", db, "j1", "j3", "--format", "json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "library" in r.stdout
    r = subprocess.run([*cmd, "compare", "--corpus", db, "j1", "missing-id"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "missing-id" in r.stderr


def test_cli_spark_engine_unavailable_names_extra(tmp_path, monkeypatch):
    import storydiff.cli.corpus as cli_corpus

    def boom(*a, **k):
        raise ImportError("No module named 'pyspark'")

    monkeypatch.setitem(sys.modules, "storydiff.corpus.spark", None)
    # An earlier import (the doctest run collects every module) leaves the submodule on its package.
    monkeypatch.delattr("storydiff.corpus.spark", raising=False)
    res = CliRunner().invoke(cli, ["corpus", "cluster", str(tmp_path / "x.db"), "--engine", "spark"])
    assert res.exit_code != 0
    assert "storydiff[spark]" in str(res.exception)
    assert cli_corpus  # imported for the monkeypatch target's module


def test_two_workers_give_identical_clusters(clustered, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(clustered.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM signatures WHERE kind = 'unigram'")  # recomputed by the workers
    con.close()
    cluster_store(str(db), config=ClusterConfig(workers=2))
    assert [c.to_dict() for c in read_clusters(str(db))] == [c.to_dict() for c in read_clusters(str(clustered))]


def _bridge_corpus(rows: list[dict[str, str]], path: Path) -> None:
    """Two stories; story B's documents also quote four of story A's five paragraphs (KJV wording)."""
    rng = random.Random(11)
    starts = rng.sample(range(0, len(rows) - 60, 60), 2 + 20)
    vocab = [w for r in rows[:3000] for w in r["web"].split()]

    def paras(start: int, n: int, col: str) -> list[str]:
        return [" ".join(v[col] for v in rows[start + 6 * p : start + 6 * p + 5]) for p in range(n)]

    def edited(text: str) -> str:
        words = text.split(" ")
        for k in rng.sample(range(len(words)), int(len(words) * 0.1)):
            words[k] = rng.choice(vocab)
        return " ".join(words)

    a = "\n\n".join(paras(starts[0], 5, "web"))
    b = "\n\n".join(paras(starts[1], 4, "web") + paras(starts[0], 4, "kjv"))
    out = [{"id": "a/base", "text": a}, {"id": "a/exact", "text": a}, {"id": "a/edited", "text": edited(a)},
           {"id": "b/base", "text": b}, {"id": "b/exact", "text": b}, {"id": "b/edited", "text": edited(b)}]
    for i, start in enumerate(starts[2:]):
        out.append({"id": f"single{i}", "text": "\n\n".join(paras(start, 5, "web"))})
    path.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")


def test_shared_passage_does_not_chain_two_groups(tmp_path):
    # a/* and b/* share four paragraphs: 0.8 of the shorter aligns, but they cover only ~half
    # of the longer; the old rule (cover_threshold=0; unigrams at 0.4 and no check_cosine triage,
    # since either of today's settings alone already stops this bridge) merges the groups, the default
    # keeps them apart
    src = tmp_path / "bridge.jsonl"
    _bridge_corpus(_verses(), src)
    groups = {}
    for cover in (0.0, ClusterConfig().cover_threshold):
        db = tmp_path / f"bridge{cover}.db"
        add_documents(str(db), [str(src)])
        old = {} if cover else {"check_cosine": 0.0, "unigram_threshold": 0.4}
        cluster_store(str(db), config=ClusterConfig(cover_threshold=cover, **old))
        groups[cover] = sorted(sorted(c.members) for c in read_clusters(str(db)))
    assert groups[0.0] == [sorted(f"{s}/{k}" for s in "ab" for k in ("base", "exact", "edited"))]
    assert groups[ClusterConfig().cover_threshold] == [[f"a/{k}" for k in ("base", "edited", "exact")],
                                                       [f"b/{k}" for k in ("base", "edited", "exact")]]


def test_decide_checks_only_triaged_pairs_and_applies_cover():
    from storydiff.corpus.policy import decide

    cfg = ClusterConfig(contain_threshold=1.01)  # containment off: the cover rule alone
    pairs = np.array([[0, 1], [0, 2], [0, 3], [1, 3]])
    method = np.array([1, 1, 2, 1], np.int8)  # minhash, minhash, semantic, minhash
    j3 = np.array([0.3, 0.25, 0.0, 0.3], np.float32)
    j1 = np.array([0.4, 0.1, 0.0, 0.4], np.float32)  # pair 1: lexical under check_unigram → dropped
    cos = np.array([0.8, 0.8, 0.6, 0.2], np.float32)  # pair 3: lexical under check_cosine → dropped
    size3 = np.array([100, 100, 100, 100])
    lengths = np.array([1000, 1000, 1000, 2000])
    asked = []

    def check(p):
        asked.append(p.tolist())
        return np.array([0.9, 0.9], np.float32)

    v = decide(cfg, pairs, method, j3, j1, size3, lengths, cos, check)
    assert asked == [[[0, 1], [0, 3]]]
    # pair 0: share 0.9, equal lengths → version; pair 2: 0.9 x 0.5 = 0.45 < cover → not one
    assert v["verified"].tolist() == [True, False, False, False]
    assert v["keep"].tolist() == [True, False, True, False]
    # without document vectors (NaN cosines) the cosine rule drops nothing
    asked.clear()
    v = decide(cfg, pairs[[0, 3]], method[[0, 3]], j3[[0, 3]], j1[[0, 3]], size3, lengths,
               np.full(2, np.nan, np.float32), check)
    assert asked == [[[0, 1], [1, 3]]]
    # containment on (the default): the 1000-character document is 95% inside the 2000-character one
    v = decide(ClusterConfig(), pairs, method, j3, j1, size3, lengths, cos, lambda p: np.full(len(p), 0.95, np.float32))
    assert v["verified"].tolist() == [True, False, True, False]
    assert v["relation"].tolist()[:3] == [1, 0, 2]  # same text, dropped, contained



def test_guarded_union_refuses_a_bridge_between_two_clusters():
    from storydiff.corpus.grouping import guarded_union, union_find

    pairs = np.array([[0, 1], [1, 2], [3, 4], [4, 5], [2, 3]])
    strength = np.array([1.0, 0.9, 1.0, 0.9, 0.61])  # the bridge 2-3 is the weakest pair
    asked = []

    def never(p):
        asked.append(tuple(p[0].tolist()))
        return np.zeros(len(p), bool)

    labels = guarded_union(6, pairs, strength, never)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert asked == [(0, 3)]  # the roots; (2, 3) itself is the pair being judged
    assert guarded_union(6, pairs, strength, lambda p: np.ones(len(p), bool)).tolist() == union_find(6, pairs).tolist()


def test_add_precomputes_vectors_and_unigram_signatures_that_cluster_uses(tmp_path):
    rows = _verses()
    src, db = tmp_path / "bible.jsonl", tmp_path / "a.db"
    _build(rows, src)
    cfg = ClusterConfig(stopword_sample=20, stopword_min_docs=2)
    add_documents(str(db), [str(src)], config=cfg, batch_size=10)
    con = duckdb.connect(str(db))
    vectors = con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]
    unigrams = con.execute("SELECT count(*) FROM signatures WHERE kind = 'unigram'").fetchall()[0][0]
    con.close()
    # vectors for every document; unigram signatures for batches fingerprinted after the stop list
    # became final (20 documents written; batch 3 was already in the workers by then)
    assert (vectors, unigrams) == (40, 10)
    plain = tmp_path / "b.db"
    plain.write_bytes(db.read_bytes())
    con = duckdb.connect(str(plain))
    con.execute("DELETE FROM embeddings")
    con.execute("DELETE FROM signatures WHERE kind = 'unigram'")
    con.close()
    cluster_store(str(db), config=cfg)
    cluster_store(str(plain), config=cfg)
    assert [c.to_dict() for c in read_clusters(str(db))] == [c.to_dict() for c in read_clusters(str(plain))]
    assert len(read_clusters(str(db))) == 2


def test_cli_show_writes_a_cluster_page_with_every_version(clustered, tmp_path):
    top = read_clusters(str(clustered))[0]
    out = tmp_path / "c.html"
    res = CliRunner().invoke(cli, ["corpus", "show", str(clustered), top.id, "--view", "versions", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert all(f"<strong>{m}</strong>" in page for m in top.members)
    res = CliRunner().invoke(cli, ["corpus", "show", str(clustered), "c999"])
    assert res.exit_code != 0 and "no cluster 'c999'" in str(res.exception)
