"""Approximate kNN for corpus semantic candidates: faiss IVF vs exact vs usearch HNSW.

Vectors are the real ones ``storydiff corpus cluster`` uses: WordLlama document
vectors of ``benchmarks/out/corpus_<size>.parquet`` (``embed_documents``), style
projection fitted as the engine does (``fit_projection(drop_pcs=10,
sample=20000, seed=1)``, ``project``). They are cached (with the exact top-10)
under ``benchmarks/out/`` (git-ignored) so re-runs skip the minute of embedding.

For each ``ivf_knn`` setting (nlist, nprobe; ``min_sim=0.5`` as the engine
would call it) and for faiss's own ``IndexIVFFlat.search`` on the same lists,
it reports times, recall@10 (without ``min_sim``) against the exact top-10, recall of the exact kNN pairs
with cosine >= 0.5 (what ``knn_pairs(min_cos=0.5)`` keeps; a pair counts as
found when either document lists the other, as in ``knn_pairs``), and, from
the gold file, how many planted pairs with a ``reworded``/``reworded_heavy``
member the exact kNN pairs hold and how many of those the IVF pairs hold.
usearch HNSW as the engine configured it before the IVF index (cos, f16, built on one thread) is measured alongside.

``--million`` then times :func:`storydiff.corpus.ann.ivf_knn` (defaults, ``min_sim=0.5``) on
1M rows, the real vectors tiled 10x with seeded gaussian noise (per-coordinate
sigma 0.02, about cosine 0.95 to the original) and re-normalised, in a child
process so that its peak RSS is its own.

Usage::

    .venv/bin/python benchmarks/ann_bench.py --threads 2 --hnsw --million
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results"
REWORDED = ("reworded", "reworded_heavy")
K = 10
MIN_COS = 0.5


def load_vectors(size: str) -> np.ndarray:
    """Projected document vectors of the corpus (cached)."""
    from storydiff.corpus.semantic import embed_documents, fit_projection, project

    cache = OUT / f"ann_vectors_{size}.npy"
    if cache.exists():
        return np.load(cache)
    texts = pq.read_table(OUT / f"corpus_{size}.parquet", columns=["text"]).column("text").to_pylist()
    t = time.perf_counter()
    v = embed_documents(texts)
    print(f"embedded {len(texts)} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    mean, comps = fit_projection(v, drop_pcs=10, sample=20_000, seed=1)
    x = project(v, mean, comps)
    np.save(cache, x)
    return x


def exact_topk(x: np.ndarray, size: str) -> np.ndarray:
    """Exact top-K by blocked matrix products (as ``semantic._exact_knn``), cached."""
    from storydiff.corpus.semantic import _exact_knn

    cache = OUT / f"ann_exact{K}_{size}.npy"
    if cache.exists():
        return np.load(cache)
    t = time.perf_counter()
    nb = _exact_knn(x, K)
    print(f"exact top-{K} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    np.save(cache, nb)
    return nb


def pair_codes(nbrs: np.ndarray, x: np.ndarray, min_cos: float | None) -> np.ndarray:
    """Unique undirected pairs ``lo * n + hi`` of a neighbour table (optionally cos >= min_cos)."""
    n = len(nbrs)
    left = np.repeat(np.arange(n), nbrs.shape[1])
    right = nbrs.ravel()
    ok = (right >= 0) & (right != left)
    lo, hi = np.minimum(left[ok], right[ok]), np.maximum(left[ok], right[ok])
    codes = np.unique(lo * n + hi)
    if min_cos is None:
        return codes
    cos = np.einsum("ij,ij->i", x[codes // n], x[codes % n])
    return codes[cos >= min_cos]


def planted_reworded_codes(size: str, n: int) -> np.ndarray:
    """Planted same-cluster pairs with at least one reworded/reworded_heavy member."""
    g = pq.read_table(OUT / f"corpus_{size}_gold.parquet", columns=["cluster", "version"]).to_pandas()
    g = g.iloc[:n]
    codes = []
    for _, grp in g[g["cluster"] >= 0].groupby("cluster"):
        idx = grp.index.to_numpy()
        rew = grp["version"].isin(REWORDED).to_numpy()
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                if rew[a] or rew[b]:
                    codes.append(min(idx[a], idx[b]) * n + max(idx[a], idx[b]))
    return np.unique(np.asarray(codes, dtype=np.int64))


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(len(np.intersect1d(a[a >= 0], e)) for a, e in zip(approx, exact))
    return hits / exact.size


def score(nbrs: np.ndarray, x: np.ndarray, exact: np.ndarray, exact_pairs: np.ndarray,
          planted_exact: np.ndarray) -> dict[str, float | int]:
    pairs = pair_codes(nbrs, x, MIN_COS)
    return {
        "recall_at_10": round(recall_at_k(nbrs, exact), 4),
        "recall_pairs_cos05": round(float(np.isin(exact_pairs, pairs).mean()), 4),
        "pairs_cos05": len(pairs),
        "planted_reworded_found": int(np.isin(planted_exact, pairs).sum()),
    }


def bench_ivf(x: np.ndarray, nlist: int, nprobes: list[int], threads: int, seed: int) -> list[dict[str, object]]:
    """Build one IVF index per nlist, search it at each nprobe (same steps as ``ivf_knn``)."""
    import faiss

    from storydiff.corpus.ann import _omp_threads, _search, _train_centroids

    rows = []
    with _omp_threads(threads):
        t0 = time.perf_counter()
        quantizer = faiss.IndexFlatIP(x.shape[1])
        quantizer.add(_train_centroids(x, nlist, seed))
        t1 = time.perf_counter()
        index = faiss.IndexIVFFlat(quantizer, x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        index.add(x)
        t2 = time.perf_counter()
        sizes = np.array([index.invlists.list_size(i) for i in range(nlist)])
        for nprobe in nprobes:
            index.nprobe = nprobe
            t3 = time.perf_counter()
            nb = _search(index, x, K, -np.inf, 1)  # faiss parallelises the IVF search itself (OpenMP)
            rows.append({"nlist": nlist, "nprobe": nprobe, "train_s": round(t1 - t0, 2), "add_s": round(t2 - t1, 2),
                         "search_s": round(time.perf_counter() - t3, 2), "list_size_max": int(sizes.max()),
                         "scanned_per_query_mean": None, "_nbrs": nb, "load": os.getloadavg()})
    return rows


def bench_hnsw(x: np.ndarray, threads: int) -> dict[str, object]:
    """usearch HNSW as the engine used it before the IVF index (cos, f16, add on one thread)."""
    from usearch.index import Index

    t0 = time.perf_counter()
    index = Index(ndim=x.shape[1], metric="cos", dtype="f16")
    index.add(np.arange(len(x), dtype=np.uint64), x, threads=1)
    t1 = time.perf_counter()
    matches = index.search(x, K + 1, threads=threads)
    keys = np.asarray(matches.keys).astype(np.int64)
    counts = np.asarray(matches.counts).reshape(-1)
    keys[np.arange(keys.shape[1])[None, :] >= counts[:, None]] = -1
    t2 = time.perf_counter()
    # as knn_pairs does: drop self, keep K
    is_self = keys == np.arange(len(x))[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")[:, :K]
    nb = np.take_along_axis(keys, order, axis=1)
    return {"build_s": round(t1 - t0, 2), "search_s": round(t2 - t1, 2), "_nbrs": nb, "load": os.getloadavg()}


def million(size: str, threads: int, reps: int, sigma: float, seed: int) -> dict[str, object]:
    """Child process: ivf_knn defaults on the vectors tiled ``reps`` times with noise."""
    from storydiff.corpus.ann import default_nlist, default_nprobe, ivf_knn

    base = np.load(OUT / f"ann_vectors_{size}.npy")
    rng = np.random.default_rng(seed)
    x = np.empty((len(base) * reps, base.shape[1]), np.float32)
    for r in range(reps):
        part = base + rng.normal(scale=sigma, size=base.shape).astype(np.float32)
        x[r * len(base) : (r + 1) * len(base)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    load0 = os.getloadavg()
    t = time.perf_counter()
    nb = ivf_knn(x, K, threads=threads, seed=1, min_sim=MIN_COS)
    dt = time.perf_counter() - t
    # sanity: a row's own noisy copies are its nearest neighbours; how many came back
    own = (nb >= 0) & ((nb % len(base)) == (np.arange(len(x)) % len(base))[:, None])
    return {"n": len(x), "threads": threads, "min_sim": MIN_COS, "nlist": default_nlist(len(x)),
            "nprobe": default_nprobe(default_nlist(len(x))), "sigma": sigma, "ivf_knn_s": round(dt, 1),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "rss_before_ivf_bytes": rss_before, "input_bytes": int(x.nbytes),
            "own_copies_found_share": round(float(own.sum()) / (len(x) * (reps - 1)), 4),
            "load_before": load0, "load_after": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="100k")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--grid", nargs="*", default=["1024:16,32", "2048:8,16,32"],
                    help="ivf_knn settings (min_sim=0.5) as NLIST:NPROBE,NPROBE,...")
    ap.add_argument("--faiss-grid", nargs="*", default=["2048:16"],
                    help="faiss IndexIVFFlat.search settings, for comparison, as NLIST:NPROBE,...")
    ap.add_argument("--hnsw", action="store_true", help="also usearch HNSW as configured today (~1 min at 100k)")
    ap.add_argument("--million", action="store_true", help="time ivf_knn defaults on 1M tiled vectors")
    ap.add_argument("--million-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--sigma", type=float, default=0.02)
    ap.add_argument("--out", default=str(RESULTS / "ann_bench.json"))
    args = ap.parse_args()

    if args.million_child:
        print(json.dumps(million(args.size, args.threads, args.reps, args.sigma, args.seed)))
        return

    from threadpoolctl import threadpool_limits

    from storydiff.corpus.ann import default_nlist, default_nprobe, ivf_knn

    # numpy's BLAS (exact kNN) on the same threads as faiss: a fair comparison on a shared machine
    with threadpool_limits(limits=args.threads):
        x = load_vectors(args.size)
        exact = exact_topk(x, args.size)
    n = len(x)
    exact_pairs = pair_codes(exact, x, MIN_COS)
    planted = planted_reworded_codes(args.size, n)
    planted_exact = planted[np.isin(planted, exact_pairs)]
    result: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "n": n, "d": int(x.shape[1]), "k": K, "threads": args.threads,
        "cpus": os.cpu_count(), "exact_pairs_cos05": len(exact_pairs),
        "planted_reworded_pairs": len(planted),
        "planted_reworded_in_exact_knn_cos05": len(planted_exact),
        "planted_reworded_in_exact_knn_any_cos": int(np.isin(planted, pair_codes(exact, x, None)).sum()),
        "command": " ".join([".venv/bin/python", "benchmarks/ann_bench.py", *sys.argv[1:]]),
        "ivf": [], "default": {"nlist": default_nlist(n), "nprobe": default_nprobe(default_nlist(n))},
    }
    result["faiss_ivfflat"] = []
    for spec in args.faiss_grid:
        nlist, probes = spec.split(":")
        for row in bench_ivf(x, int(nlist), [int(p) for p in probes.split(",")], args.threads, args.seed):
            row.update(score(row.pop("_nbrs"), x, exact, exact_pairs, planted_exact))
            row.pop("scanned_per_query_mean")
            print(json.dumps(row), file=sys.stderr)
            result["faiss_ivfflat"].append(row)  # type: ignore[union-attr]
    for spec in args.grid:
        nlist, probes = spec.split(":")
        for nprobe in (int(p) for p in probes.split(",")):
            load0 = os.getloadavg()
            t = time.perf_counter()
            nb = ivf_knn(x, K, threads=args.threads, seed=args.seed, nlist=int(nlist), nprobe=nprobe, min_sim=MIN_COS)
            row = {"nlist": int(nlist), "nprobe": nprobe, "min_sim": MIN_COS,
                   "ivf_knn_s": round(time.perf_counter() - t, 2), "load": load0,
                   **score(nb, x, exact, exact_pairs, planted_exact)}
            row.pop("recall_at_10")  # meaningless with min_sim: neighbours below it are -1
            print(json.dumps(row), file=sys.stderr)
            result["ivf"].append(row)  # type: ignore[union-attr]
    for floor in (None, MIN_COS):
        load0 = os.getloadavg()
        t = time.perf_counter()
        nb = ivf_knn(x, K, threads=args.threads, seed=args.seed, min_sim=floor)
        row = {"min_sim": floor, "ivf_knn_s": round(time.perf_counter() - t, 2), "load": load0,
               **score(nb, x, exact, exact_pairs, planted_exact)}
        if floor is not None:
            row.pop("recall_at_10")
        result["default"][f"min_sim_{floor}"] = row  # type: ignore[index]
        print(json.dumps(row), file=sys.stderr)
    if args.hnsw:
        h = bench_hnsw(x, args.threads)
        h.update(score(h.pop("_nbrs"), x, exact, exact_pairs, planted_exact))
        result["hnsw_usearch"] = h
        print(json.dumps(h), file=sys.stderr)
    if args.million:
        cmd = [sys.executable, __file__, "--million-child", "--size", args.size, "--threads", str(args.threads),
               "--reps", str(args.reps), "--sigma", str(args.sigma), "--seed", str(args.seed)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result["million"] = json.loads(res.stdout.strip().splitlines()[-1])
        print(json.dumps(result["million"]), file=sys.stderr)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "ivf"}, indent=1))


if __name__ == "__main__":
    main()
