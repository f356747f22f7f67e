"""Time the verdict's pair features and `compare_sentences` on paragraph-long pairs.

A pair is a text against itself with its sentences shuffled (seeded), repeated
``--times`` times: every word moved, the worst case for the moved-span and
string-similarity features. Sentences of the training data are at most ~1,400
characters; this checks that longer inputs (a `storydiff pairs` row holding a
paragraph, an unpunctuated transcript) cost seconds, not minutes.

Usage:
    .venv/bin/python benchmarks/long_pair.py [TEXT] [--times 1 4]

Defaults to the first seed text. Prints JSON and writes benchmarks/results/long_pair.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("text", nargs="?", type=Path)
    ap.add_argument("--times", type=int, nargs="+", default=[1, 4])
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import storydiff
    from storydiff.classify.features import batch_features
    from storydiff.embed import get_encoder

    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if args.text is None and not seeds:
        raise SystemExit("no TEXT given and no ../shared/seeds/*.txt beside the checkout")
    path = args.text or seeds[0]
    sentences = path.read_text(encoding="utf-8").split(". ")
    shuffled = sentences[:]
    random.Random(0).shuffle(shuffled)
    a, b = ". ".join(sentences), ". ".join(shuffled)
    enc = get_encoder("wordllama")
    storydiff.compare_sentences("Warm up.", "Warm it up.")
    runs = []
    for k in args.times:
        x, y = a * k, b * k
        t = time.perf_counter()
        batch_features([(x, y)], enc)
        features_s = time.perf_counter() - t
        t = time.perf_counter()
        verdict = storydiff.compare_sentences(x, y).verdict.value
        runs.append({"times": k, "chars": len(x), "features_s": round(features_s, 3),
                     "compare_sentences_s": round(time.perf_counter() - t, 3), "verdict": verdict})
    report = {"benchmark": "long_pair", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "text": path.name, "loadavg_1m": round(os.getloadavg()[0], 2), "runs": runs}
    out = ROOT / "benchmarks" / "results" / "long_pair.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
