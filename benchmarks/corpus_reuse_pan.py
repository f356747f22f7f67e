"""Passage reuse on the PAN 2013 text-alignment subset: gold pairs found, found passages on gold.

Data: ``../shared/data/pan13-text-alignment-subset`` (see its SOURCE.md): all
1,175 suspicious and 1,949 source documents in one store, then
``storydiff corpus reuse``. Gold: the 624 passages of the 500 verbatim-reuse
pairs in ``02-no-obfuscation`` (XML, character offsets).

Scoring with approximate offsets: the gold offsets of this copy are shifted
(characters were dropped when it was made ASCII; SOURCE.md measured 0-50
characters), so a span *matches* a gold span when they overlap once the gold
span is widened by ``--tolerance`` characters (default 100) on both ends.

* **gold pairs found**: share of the 500 gold pairs with at least one found
  passage matching one of its gold passages on both sides;
* **found passages on gold**: among the found passages between the documents of a
  gold pair, the share matching a gold passage on both sides. Pairs outside
  ``02-no-obfuscation`` are of unknown category (they may be obfuscated reuse),
  so passages there are counted and reported, not scored;
* gold passages found (share of the 624), and the same figures per side.

Usage::

    .venv/bin/python benchmarks/corpus_reuse_pan.py                    # CLI, default settings
    .venv/bin/python benchmarks/corpus_reuse_pan.py --min-words 20 --store benchmarks/out/pan.duckdb
    .venv/bin/python benchmarks/corpus_reuse_pan.py --spark            # also Spark, and its agreement
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "pan13-text-alignment-subset"
RESULTS = ROOT / "benchmarks" / "results"
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bench import command_line, run_cmd  # noqa: E402


def gold_passages() -> dict[frozenset[str], list[dict[str, tuple[int, int]]]]:
    """Gold passages per (susp, src) pair: {doc id: (start, end)} for both documents."""
    gold: dict[frozenset[str], list[dict[str, tuple[int, int]]]] = defaultdict(list)
    for xml in sorted((DATA / "02-no-obfuscation").glob("*.xml")):
        root = ET.parse(xml).getroot()
        susp = root.get("reference")
        for f in root.iter("feature"):
            if f.get("name") != "plagiarism":
                continue
            src = f.get("source_reference")
            s0, sl = int(f.get("this_offset")), int(f.get("this_length"))
            r0, rl = int(f.get("source_offset")), int(f.get("source_length"))
            gold[frozenset((susp, src))].append({susp: (s0, s0 + sl), src: (r0, r0 + rl)})
    return gold


def _hits(span: tuple[int, int], gold: tuple[int, int], tol: int) -> bool:
    return span[0] < gold[1] + tol and span[1] > gold[0] - tol


def score(passages: list[dict], gold: dict, tol: int) -> dict[str, object]:
    by_pair: dict[frozenset[str], list[dict]] = defaultdict(list)
    for p in passages:
        by_pair[frozenset((p["a"], p["b"]))].append(p)
    listed = {frozenset(line.split()) for line in (DATA / "pairs_all_unlabelled.txt").read_text().splitlines()
              if line.strip()}

    def matches(p: dict, g: dict) -> bool:
        return (_hits((p["a_start"], p["a_end"]), g[p["a"]], tol)
                and _hits((p["b_start"], p["b_end"]), g[p["b"]], tol))

    pairs_found = sum(1 for pair, gs in gold.items() if any(matches(p, g) for p in by_pair.get(pair, ()) for g in gs))
    gold_found = sum(1 for pair, gs in gold.items() for g in gs if any(matches(p, g) for p in by_pair.get(pair, ())))
    on_gold_pairs = [p for pair in gold for p in by_pair.get(pair, ())]
    on_gold = sum(1 for p in on_gold_pairs if any(matches(p, g) for g in gold[frozenset((p["a"], p["b"]))]))
    other = [p for pair, ps in by_pair.items() if pair not in gold for p in ps]
    return {
        "gold_pairs": len(gold), "gold_passages": sum(len(v) for v in gold.values()),
        "gold_pairs_found": round(pairs_found / len(gold), 4),
        "gold_passages_found": round(gold_found / sum(len(v) for v in gold.values()), 4),
        "passages_on_gold_pairs": len(on_gold_pairs),
        "found_passages_on_gold": round(on_gold / max(len(on_gold_pairs), 1), 4),
        "passages_on_other_listed_pairs (unknown category)": sum(1 for p in other
                                                                  if frozenset((p["a"], p["b"])) in listed),
        "passages_on_unlisted_pairs": sum(1 for p in other if frozenset((p["a"], p["b"])) not in listed),
        "tolerance_chars": tol,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-words", type=int, default=None, help="passed to corpus reuse")
    ap.add_argument("--tolerance", type=int, default=100, help="characters of slack around gold spans")
    ap.add_argument("--store", type=Path, default=OUT / "pan.duckdb", help="store (built when missing)")
    ap.add_argument("--spark", action="store_true", help="also run --engine spark and compare")
    ap.add_argument("--tag", default="")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        sys.exit(f"{DATA} missing: the PAN subset is not available here")
    exe = [sys.executable, "-m", "storydiff", "corpus"]
    result: dict[str, object] = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "cpus": os.cpu_count(), "command": command_line(), "argv": sys.argv[1:]}
    if not args.store.exists():
        args.store.parent.mkdir(parents=True, exist_ok=True)
        result["add"] = run_cmd([*exe, "add", str(args.store), str(DATA / "susp"), str(DATA / "src"), "-q"])
    extra = ["--min-words", str(args.min_words)] if args.min_words else []
    out = args.store.with_suffix(".reuse.json")
    out.unlink(missing_ok=True)  # this script's own output of an earlier run
    result["reuse"] = run_cmd([*exe, "reuse", str(args.store), "--format", "json", "-o", str(out), *extra])
    found = json.loads(out.read_text())
    result["passages"] = len(found["passages"])
    result["reuse_clusters"] = len(found["clusters"])
    result["candidate_pairs"] = found["candidate_pairs"]
    gold = gold_passages()
    result["score"] = score(found["passages"], gold, args.tolerance)
    # how much the figures lean on the tolerance (SOURCE.md: gold offsets are 0-50 characters off)
    result["score_by_tolerance"] = {t: {k: v for k, v in score(found["passages"], gold, t).items()
                                        if k in ("gold_pairs_found", "found_passages_on_gold")} for t in (0, 25, 50, 200)}
    if args.spark:
        sout = args.store.with_suffix(".reuse_spark.json")
        sout.unlink(missing_ok=True)
        result["spark"] = run_cmd([*exe, "reuse", str(args.store), "--engine", "spark", "--format", "json",
                                   "-o", str(sout), *extra])
        result["spark_same_passages_and_clusters"] = json.loads(sout.read_text()) == found
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"corpus_reuse_pan{args.tag}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
