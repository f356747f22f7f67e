"""Time `storydiff.collate.collate` on many long versions (and CollateX on the same input).

Builds a synthetic tradition (benchmarks/traditions.py) from a run of World English Bible
chapters of about ``--words`` words and times collating ``--versions`` versions of it:
reading and segmenting, the alignments against the base, grouping readings by meaning,
and the stemma. With ``--collatex-python`` (a Python that has the ``collatex`` package,
e.g. a separate virtualenv), CollateX's ``collate(..., output="json")`` runs on the same
witnesses in a subprocess, under ``--collatex-timeout`` seconds.

Usage:
    .venv/bin/python benchmarks/collate_speed.py --versions 20 --words 10000
    .venv/bin/python benchmarks/collate_speed.py --versions 20 --words 1000 --collatex-python <venv>/bin/python
Writes benchmarks/results/collate_speed_<versions>x<words>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from traditions import bible_chapters, make_tradition  # noqa: E402

COLLATEX_SCRIPT = """
import json, sys, time
from collatex import Collation, collate
texts = json.load(open(sys.argv[1], encoding="utf-8"))
c = Collation()
for wid, text in texts.items():
    c.add_plain_witness(wid, text)
t = time.perf_counter()
collate(c, output="json", segmentation=False)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def tradition(versions: int, words: int, seed: int) -> dict[str, str]:
    rnd = random.Random(seed)
    # Copies lose about a seventh of the text over the generations: start a little longer
    # so that the versions average about ``words`` words.
    runs = bible_chapters("ot", int(words * 1.15), translations=("web",))
    text = rnd.choice([r for r in runs if len(r["web"].split()) < words * 1.4])["web"]
    return make_tradition("speed", text, rnd, versions).texts


def time_storydiff(texts: dict[str, str]) -> dict[str, float]:
    from storydiff.collate import collate

    t = time.perf_counter()
    c = collate(list(texts.values()), names=list(texts))
    return {"seconds": round(time.perf_counter() - t, 2), "rows": len(c.rows),
            "edges": len(c.stemma.edges) if c.stemma else 0, "passages": c.passages}


def time_collatex(texts: dict[str, str], python: str, timeout: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "witnesses.json"
        src.write_text(json.dumps(texts), encoding="utf-8")
        t = time.perf_counter()
        try:
            p = subprocess.run([python, "-c", COLLATEX_SCRIPT, str(src)], capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "note": f"did not finish within {timeout} s"}
        if p.returncode != 0:
            return {"seconds": None, "note": p.stderr.strip().splitlines()[-1] if p.stderr else "failed"}
        return {"seconds": round(time.perf_counter() - t, 2), "collate_seconds": round(json.loads(p.stdout)["seconds"], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--versions", type=int, default=20)
    ap.add_argument("--words", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unpunctuated", action="store_true",
                    help="strip punctuation and case, as in a transcription (word-window passages)")
    ap.add_argument("--collatex-python", default=None)
    ap.add_argument("--collatex-timeout", type=int, default=300)
    args = ap.parse_args()
    texts = tradition(args.versions, args.words, args.seed)
    if args.unpunctuated:
        texts = {k: re.sub(r"[^\w\s]", "", v).lower() for k, v in texts.items()}
    out: dict[str, object] = {
        "command": f".venv/bin/python benchmarks/collate_speed.py --versions {args.versions} --words {args.words}"
                   + (" --unpunctuated" if args.unpunctuated else "")
                   + (" --collatex-python <venv with collatex>/bin/python" if args.collatex_python else ""),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": len(texts),
        "mean_words": round(sum(len(t.split()) for t in texts.values()) / len(texts)),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "storydiff": time_storydiff(texts),
    }
    if args.collatex_python:
        out["collatex"] = time_collatex(texts, args.collatex_python, args.collatex_timeout)
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    name = f"collate_speed_{args.versions}x{args.words}{'_unpunctuated' if args.unpunctuated else ''}.json"
    (ROOT / "benchmarks" / "results" / name).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
