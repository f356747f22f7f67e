"""A/B of clustering rules on one planted corpus: the same store, several ``ClusterConfig`` overrides.

Signatures and vectors are computed once (``corpus add`` + the first run);
each variant then re-runs candidates, verification and union-find on a copy of
the store, in this process, under the same load. Quality as in
``corpus_bench.py`` (pairwise P/R/F1, ARI, per-type recall).

Usage::

    .venv/bin/python benchmarks/corpus_gen.py --size 30000 --seed 3 --name 30k_s3
    .venv/bin/python benchmarks/corpus_ab.py --size 30k_s3 \\
        --variant 'before:cover_threshold=0,check_unigram=0' --variant 'after:'
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_bench import OUT, RESULTS, command_line, labels_from_clusters, load_gold, quality, store_clusters  # noqa: E402


def _parse(spec: str) -> tuple[str, dict[str, object]]:
    name, _, kv = spec.partition(":")
    over: dict[str, object] = {}
    for item in filter(None, kv.split(",")):
        k, v = item.split("=")
        over[k] = json.loads(v) if v not in ("True", "False") else v == "True"
    return name, over


def main(argv: list[str] | None = None) -> None:
    from storydiff.corpus.config import ClusterConfig
    from storydiff.corpus.engine import cluster_store

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", required=True, help="corpus name part: benchmarks/out/corpus_<size>.parquet")
    ap.add_argument("--variant", action="append", required=True, help="name:key=value,... (ClusterConfig overrides)")
    ap.add_argument("--tag", default="")
    ap.add_argument("--keep", type=Path, default=None, help="copy each variant's store here (for analysis)")
    args = ap.parse_args(argv)
    corpus, gold_path = OUT / f"corpus_{args.size}.parquet", OUT / f"corpus_{args.size}_gold.parquet"
    gold = load_gold(gold_path)
    work = Path(tempfile.mkdtemp(prefix="sd_ab_", dir=OUT))
    result: dict[str, object] = {"size": args.size, "docs": len(gold.ids),
                                 "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "argv": sys.argv[1:], "command": command_line(), "variants": {}}
    try:
        base = work / "base.duckdb"
        import subprocess

        subprocess.run([sys.executable, "-m", "storydiff", "corpus", "add", str(base), str(corpus), "-q"], check=True)
        for spec in args.variant:
            name, over = _parse(spec)
            path = work / f"{name}.duckdb"
            shutil.copy(base, path)
            load = [round(x, 2) for x in os.getloadavg()]
            s = cluster_store(str(path), config=ClusterConfig(**over))
            if not (work / "warm").exists():  # keep the signatures and vectors for the next variants
                shutil.copy(path, base)
                (work / "warm").touch()
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, args.keep / f"{args.size}_{name}.duckdb")
            q = quality(gold, labels_from_clusters(gold.ids, store_clusters(path)))
            result["variants"][name] = {"overrides": over, "loadavg_before": load, "checked": s.checked,
                                        "verified": s.verified, "candidates": s.candidates,
                                        "seconds": s.seconds, "quality": q}
            print(name, json.dumps(result["variants"][name]), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"corpus_ab_{args.size}{args.tag}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
