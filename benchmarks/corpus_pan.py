"""Corpus clustering on the PAN 2013 text-alignment subset: recall of known reuse pairs.

Data: ``../shared/data/pan13-text-alignment-subset`` (see its SOURCE.md). All
1,175 suspicious and 1,949 source documents go into one store
(``storydiff corpus add STORE susp/ src/``; ids are the file names), then
``storydiff corpus cluster``. The 500 pairs in ``02-no-obfuscation/pairs.txt``
are verbatim reuse (passages copied from the source into the suspicious
document). Other pairs are of unknown category, so they are *not* negatives:
we report how many clusters and pairs the run reports, not a precision.

A gold pair counts as found

* ``same_cluster``: both documents end in one cluster;
* ``verified_pair``: the pair itself was verified (``pairs.verified``);
* ``candidate_pair``: the pair was a candidate kept for checking.

Usage::

    .venv/bin/python benchmarks/corpus_pan.py            # default settings (semantic step on)
    .venv/bin/python benchmarks/corpus_pan.py --lexical  # --no-semantic
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "pan13-text-alignment-subset"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bench import command_line, run_cmd  # noqa: E402


def gold_pairs(path: Path = DATA / "02-no-obfuscation" / "pairs.txt") -> list[tuple[str, str]]:
    return [tuple(line.split()) for line in path.read_text().splitlines() if line.strip()]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lexical", action="store_true", help="cluster with --no-semantic")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        sys.exit(f"{DATA} missing: the PAN subset is not available here")
    import duckdb

    gold = gold_pairs()
    result: dict[str, object] = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "cpus": os.cpu_count(), "gold_pairs": len(gold), "argv": sys.argv[1:], "command": command_line()}
    work = Path(tempfile.mkdtemp(prefix="sd_pan_"))
    try:
        store = work / "pan.duckdb"
        exe = [sys.executable, "-m", "storydiff", "corpus"]
        result["add"] = run_cmd([*exe, "add", str(store), str(DATA / "susp"), str(DATA / "src"), "-q"])
        extra = ["--no-semantic"] if args.lexical else []
        result["cluster"] = run_cmd([*exe, "cluster", str(store), *extra])
        con = duckdb.connect(str(store), read_only=True)
        n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        members = con.execute("SELECT doc_id, cluster_id FROM clusters").fetchall()
        pairs = con.execute("SELECT a, b, method, verified FROM pairs").fetchall()
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cluster_of = dict(members)
    kept = {frozenset((a, b)): (m, v) for a, b, m, v in pairs}
    same = sum(1 for s, d in gold if s in cluster_of and cluster_of.get(s) == cluster_of.get(d))
    ver = sum(1 for s, d in gold if kept.get(frozenset((s, d)), (None, False))[1])
    cand = sum(1 for s, d in gold if frozenset((s, d)) in kept)
    sizes = Counter(Counter(cluster_of.values()).values())
    methods = Counter(kept[frozenset(p)][0] for p in gold if frozenset(p) in kept and kept[frozenset(p)][1])
    secs = result["add"]["seconds"] + result["cluster"]["seconds"]  # type: ignore[operator]
    result.update({
        "documents": n_docs,
        "recall_same_cluster": round(same / len(gold), 4),
        "recall_verified_pair": round(ver / len(gold), 4),
        "recall_candidate_pair": round(cand / len(gold), 4),
        "verified_gold_pairs_by_method": dict(methods),
        "clusters": len(set(cluster_of.values())),
        "clustered_documents": len(cluster_of),
        "cluster_sizes": {str(k): v for k, v in sorted(sizes.items())},
        "largest_cluster": max(sizes) if sizes else 0,
        "pairs_checked_or_accepted": len(kept),
        "pairs_verified": sum(1 for m, v in kept.values() if v),
        "seconds_total": round(secs, 1),
        "docs_per_s": round(n_docs / secs, 1),
    })
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"corpus_pan{'_lexical' if args.lexical else ''}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
