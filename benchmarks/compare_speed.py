"""Time `compare` on a pair, warm (in process) and cold (whole CLI), beside difflib on the same words.

Usage:
    .venv/bin/python benchmarks/compare_speed.py [A B] [--runs 20] [--cold-runs 5]

Defaults to the seed pair in ../shared/seeds. Prints JSON and writes benchmarks/results/compare_speed.json.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timeit(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _stats(ms: list[float]) -> dict[str, float]:
    return {"min_ms": round(min(ms), 2), "median_ms": round(statistics.median(ms), 2), "max_ms": round(max(ms), 2)}


def main() -> None:
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    ap = argparse.ArgumentParser()
    ap.add_argument("a", nargs="?", default=str(seeds[0]) if seeds else None)
    ap.add_argument("b", nargs="?", default=str(seeds[1]) if len(seeds) > 1 else None)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--engine", default="wordllama")
    args = ap.parse_args()
    if not args.a or not args.b:
        sys.exit("no pair given and ../shared/seeds not found")

    import storydiff

    text_a = Path(args.a).read_text(encoding="utf-8")
    text_b = Path(args.b).read_text(encoding="utf-8")
    t = time.perf_counter()
    storydiff.compare(text_a, text_b, engine=args.engine)  # loads the models once
    first_ms = (time.perf_counter() - t) * 1000
    warm = _timeit(lambda: storydiff.compare(text_a, text_b, engine=args.engine), args.runs)
    from storydiff.align import align
    from storydiff.embed import MemoEncoder, get_encoder
    from storydiff.options import Options
    from storydiff.pipeline import as_segmentation

    opts = Options(engine=args.engine)

    def foundation() -> None:  # read + segment + align, without change detection (issue 2's target)
        sa, sb = as_segmentation(text_a, options=opts), as_segmentation(text_b, options=opts)
        align(sa, sb, options=opts, encoder=MemoEncoder(get_encoder(args.engine)))

    align_only = _timeit(foundation, args.runs)
    words_a, words_b = text_a.split(), text_b.split()
    diff = _timeit(lambda: difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes(), args.runs)
    cli = [sys.executable, "-m", "storydiff", "compare", args.a, args.b, "--format", "json", "--engine", args.engine]
    cold = _timeit(lambda: subprocess.run(cli, check=True, capture_output=True), args.cold_runs)

    result = {
        "benchmark": "compare_speed",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "pair": [Path(args.a).name, Path(args.b).name],
        "engine": args.engine,
        "first_call_in_process_ms": round(first_ms, 1),
        "compare_warm": _stats(warm),
        "segment_and_align_warm": _stats(align_only),
        "cli_cold": _stats(cold),
        "difflib_words_warm": _stats(diff),
        "runs": args.runs,
        "cold_runs": args.cold_runs,
    }
    out = ROOT / "benchmarks" / "results" / "compare_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
