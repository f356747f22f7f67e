"""What a stemma costs per cluster, and how often it names the right origin.

Two corpora with a known origin per cluster:

* ``--planted SIZE``: the planted corpus of ``benchmarks/corpus_gen.py``
  (``benchmarks/out/corpus_<SIZE>.parquet``); each planted cluster's origin is
  its ``base``, dated before its seven versions (two of which, the KJV and YLT
  re-wordings, are other translations, not copies of the base's words).
  ``--no-dates`` drops the dates, so the stemma decides from the words alone.
* ``--iterater``: real revisions (``../shared/data/iterater-human``, train and
  dev, as ``benchmarks/corpus_real.py`` builds them, no dates): a cluster's
  origin is the document's first revision; its excerpts are cut from the last.

For each: ``corpus add``, ``corpus cluster`` (default settings), then the
stemma of every cluster of 2–50 members (``storydiff.corpus.stemmas``), timed,
and the origin of each cluster before (dates) and after (stemma) scored
against the gold origin, over the clusters that contain their gold origin.

Usage::

    .venv/bin/python benchmarks/corpus_stemma.py --planted 1k
    .venv/bin/python benchmarks/corpus_stemma.py --planted 10k --limit 60
    .venv/bin/python benchmarks/corpus_stemma.py --iterater
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bench import command_line  # noqa: E402


def planted(size: str, dates: bool) -> tuple[list[dict], dict[str, str]]:
    """Documents (id, text, date) and each planted member's gold origin (its cluster's base)."""
    import pyarrow.parquet as pq

    docs = pq.read_table(OUT / f"corpus_{size}.parquet").to_pylist()
    gold = pq.read_table(OUT / f"corpus_{size}_gold.parquet").to_pylist()
    base = {g["cluster"]: g["id"] for g in gold if g["version"] == "base"}
    origin = {g["id"]: base[g["cluster"]] for g in gold if g["cluster"] >= 0}
    rows = [{"id": d["id"], "text": d["text"], **({"date": d["date"]} if dates else {})} for d in docs]
    return rows, origin


def iterater() -> tuple[list[dict], dict[str, str]]:
    from corpus_real import documents

    docs = documents()
    origin = {d["id"]: f"{d['gold']}/v0" for d in docs}
    return [{"id": d["id"], "text": d["text"]} for d in docs], origin


def score(clusters: list, origin: dict[str, str], text: dict[str, str]) -> dict[str, object]:
    """Of the clusters holding their gold origin: how many name it, name another member, name none.

    ``same_text``: named origins that are not the gold one but have its very text (an exact copy:
    no evidence can tell them apart).
    """
    named = right = same = scored = 0
    for c in clusters:
        gold = {origin.get(m) for m in c.members} - {None}
        if len(gold) != 1 or next(iter(gold)) not in c.members:
            continue
        g = next(iter(gold))
        scored += 1
        named += c.origin is not None
        right += c.origin == g
        same += c.origin is not None and c.origin != g and text[c.origin] == text[g]
    return {"clusters_scored": scored, "origin_named": named, "origin_right": right, "same_text": same,
            "origin_wrong": named - right - same, "precision": round(right / max(named, 1), 4),
            "recall": round(right / max(scored, 1), 4)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--planted", metavar="SIZE", help="1k, 10k, … (run benchmarks/corpus_gen.py first)")
    src.add_argument("--iterater", action="store_true")
    ap.add_argument("--no-dates", action="store_true", help="planted: drop the dates")
    ap.add_argument("--limit", type=int, default=None, help="collate only the first N clusters (largest first)")
    ap.add_argument("--workers", type=int, default=1, help="processes collating clusters")
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)

    from storydiff.corpus import add_documents, cluster, read_clusters, stemmas
    from storydiff.corpus.config import ClusterConfig

    docs, origin = iterater() if args.iterater else planted(args.planted, not args.no_dates)
    name = "iterater" if args.iterater else f"planted_{args.planted}{'_nodates' if args.no_dates else ''}"
    with tempfile.TemporaryDirectory() as tmp:
        src_file, db = Path(tmp) / "docs.jsonl", str(Path(tmp) / "corpus.db")
        src_file.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        add_documents(db, [str(src_file)], config=ClusterConfig(workers=2))
        summary = cluster(db, config=ClusterConfig(workers=2))
        before = read_clusters(db, evidence=False)
        chosen = [c.id for c in before if len(c.members) <= 50][: args.limit] if args.limit else None
        load0 = os.getloadavg()
        t0 = time.perf_counter()
        s = stemmas(db, clusters=chosen, workers=args.workers)
        secs = time.perf_counter() - t0
        load1 = os.getloadavg()
        after = read_clusters(db, evidence=True)
    text = {d["id"]: d["text"] for d in docs}
    ids = set(chosen) if chosen else {c.id for c in after if c.stemma is not None}
    sizes = [len(c.members) for c in after if c.id in ids]
    result = {
        "command": command_line(), "corpus": name, "documents": len(docs), "clusters": summary.clusters,
        "workers": args.workers, "collated": s.computed, "failed": s.failed, "members_collated": sum(sizes),
        "seconds": round(secs, 1), "seconds_collating": round(s.collating, 1),
        "seconds_per_cluster": round(secs / max(s.computed, 1), 3),
        "seconds_per_member": round(secs / max(sum(sizes), 1), 3),
        "cluster_seconds": round(summary.seconds.get("total", 0.0), 1),
        "origin_by_dates": score([c for c in before if c.id in ids], origin, text),
        "origin_by_stemma": score([c for c in after if c.id in ids], origin, text),
        "reasons_without_origin": _reasons([c for c in after if c.id in ids and c.origin is None]),
        "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in load1],
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"corpus_stemma_{name}{'_w%d' % args.workers if args.workers > 1 else ''}{args.tag}.json").write_text(json.dumps(result, indent=2) + "\n")


def _reasons(clusters: list) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in clusters:
        key = (c.origin_reason or "").split("(")[0].split(";")[0].strip()
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


if __name__ == "__main__":
    main()
