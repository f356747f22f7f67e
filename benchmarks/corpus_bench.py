"""Corpus clustering benchmark: embedded engine vs the datasketch anchor (and Spark).

For one corpus made by ``benchmarks/corpus_gen.py`` this runs, in the same
invocation (so under the same machine load):

* **anchor**: datasketch ``MinHash`` + ``MinHashLSH`` as a user would write it
  (``re.findall(r"\\w+", text.lower())``, set of word n-grams ``.encode()``d,
  ``MinHash.generator``, ``insertion_session``, ``query`` for every document),
  timed for signatures, index and query; connected components of the LSH
  candidate pairs are its clusters. With ``--anchor-slice N`` it runs on the
  first N documents only and its time is extrapolated linearly to the corpus
  (labelled ``extrapolated`` in the JSON);
* **engine**: ``storydiff corpus add`` then ``storydiff corpus cluster`` as
  subprocesses (the public path), peak RSS of the process tree sampled with
  psutil;
* **candidate stage** (with the anchor): storydiff's own MinHash + LSH on the
  same documents in this process, 1 and 2 worker processes — the part of the
  engine that does what datasketch does (signatures bit-identical to
  datasketch's, banding at the same threshold), timed like the anchor;
* **spark** (``--spark``): :func:`storydiff.corpus.spark.run_spark_cluster`
  on ``local[2]`` in a subprocess, and its agreement with the engine.

Quality against the gold file: pairwise precision/recall/F1 over planted
clusters (strict: a pair is right only inside one planted cluster), adjusted
Rand index (singletons as their own clusters), and per version type the share
of versions that land in their base's cluster.

Usage::

    .venv/bin/python benchmarks/corpus_bench.py --size 10k --spark
    .venv/bin/python benchmarks/corpus_bench.py --size 100k --anchor-slice 20000 --lexical
    .venv/bin/python benchmarks/corpus_bench.py --size 1M --anchor 3:0.3 --anchor-slice 50000 --anchor-only
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results"
PY = sys.executable
TYPES = ("exact", "trimmed", "edited", "reordered", "reworded", "reworded_heavy", "combo")


# --------------------------------------------------------------------------- measuring


@dataclass
class Peak:
    """Peak RSS (bytes) of a process tree, sampled by a thread."""

    pid: int
    interval: float = 0.1
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _tree_rss(self) -> int:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._stop.wait(self.interval)

    @contextmanager
    def sampling(self) -> Iterator[Peak]:
        t = threading.Thread(target=self.run, daemon=True)
        t.start()
        try:
            yield self
        finally:
            self._stop.set()
            t.join()


def portable(text: str) -> str:
    """``text`` with this machine's paths made relative to the repository root (results are shared)."""
    exe = Path(sys.executable)
    venv_python = exe.relative_to(ROOT).as_posix() if exe.is_relative_to(ROOT) else ".venv/bin/python"
    for path, short in ((str(exe), venv_python), (str(ROOT) + "/", ""),
                        (str(ROOT.parent / "shared") + "/", "../shared/"),
                        (tempfile.gettempdir().rstrip("/") + "/", "$TMPDIR/")):
        text = text.replace(path, short)
    return text


def command_line() -> str:
    """How this benchmark was started, relative to the repository root."""
    return portable(" ".join([sys.executable, *(a if i else Path(a).resolve().as_posix()
                                                for i, a in enumerate(sys.argv))]))


def run_cmd(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run a command, return wall seconds, peak tree RSS, load average and output tail."""
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = Peak(proc.pid)
    with peak.sampling():
        out, err = proc.communicate()
    secs = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return {
        "cmd": portable(" ".join(cmd)),
        "seconds": round(secs, 2),
        "peak_rss_mb": round(peak.peak / 2**20),
        "loadavg_before": [round(x, 2) for x in load0],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "stdout_tail": portable(out[-800:]),
        "stderr_tail": portable(err[-800:]),
    }


# --------------------------------------------------------------------------- quality


@dataclass(frozen=True)
class Gold:
    ids: np.ndarray  # str ids in corpus order
    cluster: np.ndarray  # int, -1 = singleton
    version: np.ndarray  # str
    verses: list[list[int]]

    def head(self, n: int) -> Gold:
        return Gold(self.ids[:n], self.cluster[:n], self.version[:n], self.verses[:n])


def load_gold(path: Path) -> Gold:
    t = pq.read_table(path).to_pandas()
    return Gold(t["id"].to_numpy(), t["cluster"].to_numpy(), t["version"].to_numpy(), list(t["verses"]))


def labels_from_clusters(ids: np.ndarray, clusters: Iterable[Iterable[str]]) -> np.ndarray:
    """Cluster label per document (index into ``ids``); unclustered documents get their own."""
    pos = {d: i for i, d in enumerate(ids)}
    labels = np.arange(len(ids), dtype=np.int64)
    for members in clusters:
        idx = [pos[m] for m in members if m in pos]
        if idx:
            labels[idx] = min(idx)
    return labels


def labels_from_pairs(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected components of index pairs, as a label per document."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64)
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


def quality(gold: Gold, labels: np.ndarray) -> dict[str, object]:
    """Pairwise P/R/F1 (strict), ARI and per-type recall of a clustering."""
    from sklearn.metrics import adjusted_rand_score

    n = len(labels)
    gl = np.where(gold.cluster >= 0, gold.cluster, -1 - np.arange(n))  # singletons: own label
    df = pd.DataFrame({"p": labels, "g": gl, "planted": gold.cluster >= 0})
    pred_sizes = df.groupby("p").size().to_numpy()
    pred_pairs = int((pred_sizes * (pred_sizes - 1) // 2).sum())
    cells = df[df.planted].groupby(["p", "g"]).size().to_numpy()
    tp = int((cells * (cells - 1) // 2).sum())
    gsz = df[df.planted].groupby("g").size().to_numpy()
    gold_pairs = int((gsz * (gsz - 1) // 2).sum())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / gold_pairs if gold_pairs else 1.0
    base_label = {c: labels[i] for i, (c, v) in enumerate(zip(gold.cluster, gold.version)) if v == "base"}
    per_type = {}
    for t in TYPES:
        idx = np.flatnonzero(gold.version == t)
        idx = idx[[gold.cluster[i] in base_label for i in idx]]
        hit = sum(labels[i] == base_label[gold.cluster[i]] for i in idx)
        per_type[t] = round(float(hit) / len(idx), 4) if len(idx) else None
    return {
        "pairwise_precision": round(p, 4),
        "pairwise_recall": round(r, 4),
        "pairwise_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "ari": round(float(adjusted_rand_score(gl, labels)), 4),
        "recall_by_type": per_type,
        "clusters_2plus": int((pred_sizes >= 2).sum()),
        "largest_cluster": int(pred_sizes.max()),
        "pairs_in_clusters": pred_pairs,
    }


# --------------------------------------------------------------------------- datasketch anchor


def _shingles(text: str, n: int) -> list[bytes]:
    toks = re.findall(r"\w+", text.lower())
    return list({" ".join(toks[i : i + n]).encode() for i in range(max(len(toks) - n + 1, 1))})


def datasketch_anchor(texts: Sequence[str], *, ngram: int, threshold: float, num_perm: int = 128) -> dict[str, object]:
    """What a datasketch user writes: MinHash per document, LSH index, query each."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    sigs = list(MinHash.generator((_shingles(t, ngram) for t in texts), num_perm=num_perm, seed=1))
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sigs):
            session.insert(i, m)
    t2 = time.perf_counter()
    pairs = {(min(i, j), max(i, j)) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i}
    t3 = time.perf_counter()
    n = len(texts)
    total = t3 - t0
    return {
        "ngram": ngram,
        "threshold": threshold,
        "bands_rows": list(lsh.b_r) if hasattr(lsh, "b_r") else [lsh.b, lsh.r],
        "docs": n,
        "sig_seconds": round(t1 - t0, 2),
        "index_seconds": round(t2 - t1, 2),
        "query_seconds": round(t3 - t2, 2),
        "total_seconds": round(total, 2),
        "docs_per_s": round(n / total, 1),
        "candidate_pairs": len(pairs),
        "_pairs": np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2),
    }


def candidate_stage(texts: Sequence[str], *, ngram: int, threshold: float, workers: int,
                    num_perm: int = 128) -> dict[str, object]:
    """storydiff's MinHash + LSH over ``texts`` (what the datasketch anchor does), timed."""
    import scipy.integrate  # noqa: F401  (imported outside the clock, as datasketch's import does)

    from storydiff.corpus.lsh import band_keys, candidate_pairs, optimal_bands
    from storydiff.corpus.parallel import pool, signatures_pooled

    optimal_bands.cache_clear()  # each run searches its banding, as MinHashLSH() does
    with pool(workers) as ex:
        t0 = time.perf_counter()
        sigs, _ = signatures_pooled(ex, texts, parts=workers, ngram=ngram, num_perm=num_perm, seed=1)
        t1 = time.perf_counter()
        b, r = optimal_bands(threshold, num_perm)
        pairs = candidate_pairs(band_keys(sigs, bands=b, rows=r), executor=ex, parts=workers)
        t2 = time.perf_counter()
    return {"ngram": ngram, "threshold": threshold, "workers": workers, "bands_rows": [b, r], "docs": len(texts),
            "sig_seconds": round(t1 - t0, 2), "lsh_seconds": round(t2 - t1, 2), "total_seconds": round(t2 - t0, 2),
            "docs_per_s": round(len(texts) / (t2 - t0), 1), "candidate_pairs": int(len(pairs)),
            "loadavg": [round(x, 2) for x in os.getloadavg()], "_pairs": pairs}


def run_anchor(corpus: Path, gold: Gold, *, slice_n: int | None, settings: list[tuple[int, float]]) -> list[dict[str, object]]:
    source = pq.ParquetFile(corpus)
    n_all = source.metadata.num_rows
    # read only the slice: a million texts loaded and dropped leave a freed heap
    # that forked workers then fault into page by page (the two-worker run slowed
    # from 1.8x to 1.1x the one-worker run)
    texts: list[str] = []
    for batch in source.iter_batches(batch_size=10_000, columns=["text"]):
        texts.extend(batch.column(0).to_pylist())
        if slice_n and len(texts) >= slice_n:
            break
    if slice_n and slice_n < n_all:
        texts = texts[:slice_n]
    g = gold.head(len(texts))
    out = []
    for ngram, thr in settings:
        # storydiff's stage first, on a fresh heap, as in the engine (which starts its
        # workers before it loads anything): forked after datasketch's millions of small
        # objects were freed, workers fault into their pages and two ran 1.4x one, not 1.8x
        stages = [candidate_stage(texts, ngram=ngram, threshold=thr, workers=w) for w in (1, 2)]
        peak = Peak(os.getpid())
        load0 = os.getloadavg()
        with peak.sampling():
            res = datasketch_anchor(texts, ngram=ngram, threshold=thr)
        pairs = res.pop("_pairs")
        res["loadavg_before"] = [round(x, 2) for x in load0]
        res["peak_rss_mb_process"] = round(peak.peak / 2**20)
        res["quality_on_docs_measured"] = quality(g, labels_from_pairs(len(texts), pairs))
        # the stage's own quality, scored like the anchor's (components of its candidate
        # pairs): the "equal or better recall" half of the speed comparison
        stage_pairs = [st.pop("_pairs") for st in stages]
        stages[0]["quality_on_docs_measured"] = quality(g, labels_from_pairs(len(texts), stage_pairs[0]))
        res["storydiff_candidate_stage"] = stages
        for st in stages:
            st["speedup_vs_datasketch"] = round(st["docs_per_s"] / res["docs_per_s"], 1)
        if len(texts) < n_all:
            res["extrapolated_total_seconds"] = round(res["total_seconds"] * n_all / len(texts), 1)
            res["note"] = f"measured on the first {len(texts)} documents; time extrapolated linearly to {n_all}"
        out.append(res)
    return out


# --------------------------------------------------------------------------- engine and spark


def run_engine(corpus: Path, store: Path, extra: Sequence[str]) -> dict[str, object]:
    """``storydiff corpus add`` + ``storydiff corpus cluster`` as subprocesses."""
    exe = [PY, "-m", "storydiff"]
    add = run_cmd([*exe, "corpus", "add", str(store), str(corpus), "-q"])
    cluster = run_cmd([*exe, "corpus", "cluster", str(store), "-q", *extra])
    return {"add": add, "cluster": cluster}


def store_clusters(store: Path) -> list[list[str]]:
    """Members of every cluster written to the store by the engine."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute("SELECT cluster_id, list(doc_id) FROM clusters GROUP BY cluster_id").fetchall()
    finally:
        con.close()
    return [list(m) for _, m in rows]


def cluster_summary(store: Path) -> dict[str, object] | None:
    """What ``corpus cluster`` recorded in the store: counts and seconds per step."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute("SELECT value FROM settings WHERE key = 'last_cluster_summary'").fetchall()
    finally:
        con.close()
    return json.loads(rows[0][0]) if rows else None


def run_spark(store: Path, out_dir: Path, extra: Sequence[str]) -> dict[str, object]:
    """``storydiff corpus cluster --engine spark`` (local[2]) as a subprocess; clusters from its Parquet."""
    res = run_cmd([PY, "-m", "storydiff", "corpus", "cluster", str(store), "--engine", "spark",
                   "--master", "local[2]", "--output", str(out_dir), *extra])
    t = pq.read_table(out_dir).to_pandas()
    res["clusters"] = [list(g.doc_id) for _, g in t.groupby("cluster_id")]
    return res


def agreement(a: list[list[str]], b: list[list[str]]) -> dict[str, object]:
    sa = {frozenset(x) for x in a if len(x) > 1}
    sb = {frozenset(x) for x in b if len(x) > 1}
    return {
        "clusters_a": len(sa),
        "clusters_b": len(sb),
        "identical": len(sa & sb),
        "only_a": len(sa - sb),
        "only_b": len(sb - sa),
        "all_identical": sa == sb,
    }


# --------------------------------------------------------------------------- main


def run_engines(args: argparse.Namespace, corpus: Path, gold: Gold, settings: list[tuple[int, float]],
                result: dict[str, object]) -> None:
    """The engine (and Spark) on the whole corpus, into ``result``."""
    n = len(gold.ids)
    work = Path(tempfile.mkdtemp(prefix="sd_bench_", dir=OUT))
    try:
        store = work / "corpus.duckdb"
        extra = ["--no-semantic"] if args.lexical else []
        eng = run_engine(corpus, store, extra)
        add_s, clu_s = eng["add"]["seconds"], eng["cluster"]["seconds"]
        eng["add_docs_per_s"] = round(n / add_s, 1)
        eng["cluster_docs_per_s"] = round(n / clu_s, 1)
        eng["end_to_end_docs_per_s"] = round(n / (add_s + clu_s), 1)
        eng["peak_rss_mb"] = max(eng["add"]["peak_rss_mb"], eng["cluster"]["peak_rss_mb"])
        clusters = store_clusters(store)
        eng["cluster_summary"] = cluster_summary(store)
        eng["quality"] = quality(gold, labels_from_clusters(gold.ids, clusters))
        result["engine"] = eng
        print(json.dumps(eng, indent=1), file=sys.stderr)
        if settings:
            # same run, same load; anchor docs/s as measured (on its slice if any)
            result["speedup_vs_datasketch"] = {
                f"{r['ngram']}gram_t{r['threshold']}": round(eng["end_to_end_docs_per_s"] / r["docs_per_s"], 2)
                for r in result["datasketch"]
            }
        if args.spark:
            sp = run_spark(store, work / "spark_out", extra)
            sp_clusters = sp.pop("clusters")
            sp["docs_per_s"] = round(n / sp["seconds"], 1)
            sp["agreement_with_engine"] = agreement(clusters, sp_clusters)
            sp["quality"] = quality(gold, labels_from_clusters(gold.ids, sp_clusters))
            result["spark"] = sp
            print(json.dumps(sp, indent=1), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="10k")
    ap.add_argument("--anchor-slice", type=int, default=None, help="time datasketch on the first N docs only")
    ap.add_argument("--anchor", default="3:0.3,5:0.5", help="ngram:threshold list for datasketch ('' = skip)")
    ap.add_argument("--lexical", action="store_true", help="engine without the semantic step (--no-semantic)")
    ap.add_argument("--spark", action="store_true", help="also run the Spark backend and compare clusters")
    ap.add_argument("--tag", default="", help="suffix of the results file name")
    ap.add_argument("--anchor-only", action="store_true",
                    help="only the datasketch anchor and storydiff's MinHash + LSH stage, not the engine")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    corpus, gold_path = OUT / f"corpus_{args.size}.parquet", OUT / f"corpus_{args.size}_gold.parquet"
    if not corpus.exists():
        sys.exit(f"{corpus} missing: run benchmarks/corpus_gen.py --size {args.size} first")
    gold = load_gold(gold_path)
    n = len(gold.ids)
    result: dict[str, object] = {
        "size": args.size,
        "docs": n,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "argv": sys.argv[1:], "command": command_line(),
    }
    settings = [(int(a), float(b)) for a, b in (s.split(":") for s in args.anchor.split(",") if s)]
    if settings:
        result["datasketch"] = run_anchor(corpus, gold, slice_n=args.anchor_slice, settings=settings)
        print(json.dumps(result["datasketch"], indent=1), file=sys.stderr)

    if not args.anchor_only:
        run_engines(args, corpus, gold, settings, result)
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"corpus_bench_{args.size}{args.tag}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
