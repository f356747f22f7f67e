"""The Spark backend gives the embedded engine's clusters (real local Spark, ``local[2]``)."""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from storydiff.corpus.config import ClusterConfig
from storydiff.errors import BackendUnavailable

pytestmark = pytest.mark.spark

SYLLABLES = ["ka", "lo", "mi", "ner", "tu", "sa", "vel", "dor", "pi", "ran", "go", "le", "ste", "mu", "bri", "zon"]


def _corpus(seed: int = 7, clusters: int = 20, singletons: int = 200) -> list[dict[str, str]]:
    """Documents of random pseudo-words with planted versions: exact, trimmed, edited, reordered."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(3000)})

    def sentence() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 15))).capitalize() + "."

    def doc() -> list[list[str]]:
        return [[sentence() for _ in range(rng.randint(3, 5))] for _ in range(5)]

    def text(paras: list[list[str]]) -> str:
        return "\n\n".join(" ".join(p) for p in paras)

    docs: list[tuple[str, str | None]] = []
    for c in range(clusters):
        base = doc()
        trimmed = [[s for s in p if rng.random() > 0.3] or p[:1] for p in base]
        edited = [[" ".join(w if rng.random() > 0.12 else rng.choice(vocab) for w in s.split()) for s in p] for p in base]
        reordered = base[::-1]
        for version in (base, base, trimmed, edited, reordered):
            docs.append((text(version), f"2024-01-{1 + c % 28:02d}"))
    docs.extend((text(doc()), None) for _ in range(singletons))
    rng.shuffle(docs)
    return [{"id": f"doc{i:04d}", "text": t, **({"date": d} if d else {})} for i, (t, d) in enumerate(docs)]


def _clusters_from_rows(rows: list[tuple[str, str]]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for cid, doc in rows:
        groups[cid].add(doc)
    return {frozenset(g) for g in groups.values()}


def _store_rows(store_path: str) -> set[tuple[str, str, bool]]:
    import duckdb

    con = duckdb.connect(store_path, read_only=True)
    try:
        return set(con.execute("SELECT cluster_id, doc_id, is_origin FROM clusters").fetchall())
    finally:
        con.close()


def _store_clusters(store_path: str) -> set[frozenset[str]]:
    return _clusters_from_rows([(c, d) for c, d, _ in _store_rows(store_path)])


def _parquet_clusters(path: str) -> set[frozenset[str]]:
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    return _clusters_from_rows(list(zip(t.column("cluster_id").to_pylist(), t.column("doc_id").to_pylist())))


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from storydiff.corpus.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in _corpus()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lexical_store(corpus_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, set[frozenset[str]], set]:
    """A store clustered by the embedded engine (no semantic step), and its clusters."""
    from storydiff.corpus.add import add_documents
    from storydiff.corpus.engine import cluster_store

    store = str(tmp_path_factory.mktemp("store") / "corpus.db")
    add_documents(store, [str(corpus_file)])
    # max_bucket=3 forces star edges in some buckets, so that rule is compared too
    cluster_store(store, config=ClusterConfig(semantic=False, max_bucket=3))
    return store, _store_clusters(store), _store_rows(store)


def test_spark_gives_the_embedded_clusters(spark, lexical_store, tmp_path: Path) -> None:
    from storydiff.corpus.spark import run_spark_cluster

    store, embedded, rows = lexical_store
    assert len(embedded) >= 20  # the planted clusters were found, so the comparison means something
    summary = run_spark_cluster(store, config=ClusterConfig(semantic=False, max_bucket=3),
                                output=str(tmp_path / "out"), spark=spark)
    assert _parquet_clusters(str(tmp_path / "out")) == embedded
    assert _store_rows(store) == rows  # written back as the engine writes it: same ids and origins
    assert summary.clusters == len(embedded)


def test_a_stored_stemma_names_the_origin_after_a_spark_run(spark, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from test_corpus_stemma import _docs  # the stemma tests' corpus: undated copies of a copy, and dated versions

    from storydiff.corpus import add_documents, cluster, read_clusters, stemmas
    from storydiff.corpus.spark import run_spark_cluster

    src = tmp_path / "docs.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in _docs()), encoding="utf-8")
    db = str(tmp_path / "c.db")
    add_documents(db, [str(src)])
    cluster(db)
    stemmas(db)
    guess = "no member is dated; the stemma's root, a/base"
    run_spark_cluster(db, output=str(tmp_path / "out"), spark=spark)
    a = next(c for c in read_clusters(db) if "a/base" in c.members)
    assert a.origin is None and a.origin_reason.startswith(guess)  # the store's origin survives the Spark run
    t = pq.read_table(str(tmp_path / "out")).to_pylist()
    rows = [r for r in t if r["doc_id"].startswith("a/")]
    assert rows and all(r["origin_reason"].startswith(guess) and not r["is_origin"] for r in rows)
    assert [r["doc_id"] for r in t if r["is_origin"]] == ["b/base"]


def test_spark_reads_an_input_file_directly(spark, lexical_store, corpus_file: Path, tmp_path: Path) -> None:
    from storydiff.corpus.spark import run_spark_cluster

    _, embedded, _ = lexical_store
    run_spark_cluster(str(tmp_path / "unused.db"), config=ClusterConfig(semantic=False, max_bucket=3),
                      output=str(tmp_path / "out"), input_path=str(corpus_file), spark=spark)
    assert _parquet_clusters(str(tmp_path / "out")) == embedded
    assert not (tmp_path / "unused.db").exists()


def test_spark_banding_matches_numpy_candidate_pairs(spark) -> None:
    import pandas as pd

    from storydiff.corpus.lsh import candidate_pairs
    from storydiff.corpus.spark import banded_pairs, collect_pairs

    rng = np.random.default_rng(3)
    keys = rng.integers(1, 6, size=(60, 4)).astype(np.uint64)  # few distinct keys: big buckets
    rows = pd.DataFrame({"idx": np.repeat(np.arange(60), 4), "band": np.tile(np.arange(4), 60),
                         "key": keys.ravel().view(np.int64)})
    df = spark.createDataFrame(rows).selectExpr("CAST(idx AS BIGINT) idx", "CAST(band AS INT) band", "key")
    for max_bucket in (1000, 10):
        assert np.array_equal(collect_pairs(banded_pairs(df, max_bucket)), candidate_pairs(keys, max_bucket=max_bucket))


@pytest.mark.slow
def test_spark_matches_the_engine_with_the_semantic_step(spark, corpus_file: Path, tmp_path: Path) -> None:
    from storydiff.corpus.add import add_documents
    from storydiff.corpus.engine import cluster_store
    from storydiff.corpus.spark import run_spark_cluster

    store = str(tmp_path / "corpus.db")
    add_documents(store, [str(corpus_file)])
    cluster_store(store, config=ClusterConfig())
    embedded = _store_clusters(store)
    run_spark_cluster(store, config=ClusterConfig(), output=str(tmp_path / "out"), spark=spark)
    assert _parquet_clusters(str(tmp_path / "out")) == embedded


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from storydiff.corpus import spark as backend

    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes `import pyspark` raise ImportError
    with pytest.raises(BackendUnavailable, match=r"pip install 'storydiff\[spark\]'"):
        backend.run_spark_cluster(str(tmp_path / "c.db"), config=ClusterConfig())


def test_spark_finds_the_embedded_reused_passages(spark, lexical_store) -> None:
    from storydiff.corpus import reuse
    from storydiff.corpus.passages import ReuseConfig
    from storydiff.corpus.spark_reuse import run_spark_reuse

    store, _, _ = lexical_store
    embedded = reuse(store, min_words=20)
    assert len(embedded.passages) >= 20 and embedded.clusters  # planted copies share passages
    on_spark = run_spark_reuse(store, config=ReuseConfig(min_words=20), spark=spark)
    assert on_spark == embedded
