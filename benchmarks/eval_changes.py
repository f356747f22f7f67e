"""How often find_changes reports a change of meaning on labelled edits (train/dev splits only).

For each pair we ask: does find_changes report at least one change of
severity medium or high? On edits labelled as changing meaning that is a hit
(recall); on edits labelled as clarity/fluency/style/grammar it is a false alarm.

    .venv/bin/python benchmarks/eval_changes.py --split dev

Writes benchmarks/results/eval_changes.json. Reads ../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import time
from pathlib import Path

from storydiff.classify.changes import find_changes
from storydiff.embed import get_encoder
from storydiff.model import Severity

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "results" / "eval_changes.json"


def iterater(split: str) -> list[tuple[str, str, bool, str]]:
    rows = []
    with open(DATA / "iterater-human" / f"sent_level_{split}.json", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if d["labels"] == "others":
                    continue
                rows.append((d["before_sent"].strip(), d["after_sent"].strip(), d["labels"] == "meaning-changed",
                             d["labels"]))
    return rows


def arxivedits(split: str) -> list[tuple[str, str, bool, str]]:
    data = json.loads((DATA / "arxivedits" / f"edits_{split}.json").read_text(encoding="utf-8"))
    rows = []
    for d in data.values():
        edits = list(d["edits-combination-0"].values())
        if not edits:
            continue
        content = any(e["intention"] == "Content" for e in edits)
        label = "Content" if content else "+".join(sorted({e["intention"] for e in edits}))
        rows.append((_unmask(d["sentence-1"]), _unmask(d["sentence-2"]), content, label))
    return rows


def _unmask(sentence: str) -> str:
    """arXivEdits stands [MATH], [CITATION], [REF], [EQUATION] in for removed LaTeX: drop them, they carry no words."""
    return re.sub(r"\s*\[[A-Z_]+\]", "", sentence)


def msrp(limit: int) -> list[tuple[str, str, bool, str]]:
    rows = []
    with open(DATA / "msrp" / "msr_paraphrase_train.txt", encoding="utf-8-sig") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                rows.append((parts[3], parts[4], parts[0] == "0", "non-paraphrase" if parts[0] == "0" else "paraphrase"))
    return rows[:limit]


def evaluate(rows: list[tuple[str, str, bool, str]], encoder) -> dict:
    hit = collections.Counter()
    total = collections.Counter()
    by_label: dict[str, list[int]] = {}
    cats: dict[str, collections.Counter] = {"meaning": collections.Counter(), "other": collections.Counter()}
    t0 = time.perf_counter()
    for a, b, meaning, label in rows:
        cs = find_changes(a, b, encoder=encoder)
        strong = [c for c in cs if c.severity.rank >= Severity.MEDIUM.rank]
        side = "meaning" if meaning else "other"
        total[side] += 1
        hit[side] += bool(strong)
        counts = by_label.setdefault(label if "+" not in label else "mixed-non-content", [0, 0])
        counts[0] += bool(strong)
        counts[1] += 1
        for c in strong:
            cats[side][str(c.category)] += 1
    elapsed = time.perf_counter() - t0
    return {
        "pairs": dict(total),
        "flagged_share_meaning": round(hit["meaning"] / max(total["meaning"], 1), 4),
        "flagged_share_other": round(hit["other"] / max(total["other"], 1), 4),
        "flagged_share_by_label": {k: round(v[0] / v[1], 4) for k, v in sorted(by_label.items()) if v[1] >= 10},
        "categories_meaning": dict(cats["meaning"].most_common()),
        "categories_other": dict(cats["other"].most_common()),
        "ms_per_pair": round(1000 * elapsed / max(len(rows), 1), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--msrp", type=int, default=1000, help="how many MSRP train pairs to run")
    args = ap.parse_args()
    enc = get_encoder("wordllama")
    find_changes("warm up", "warm-up call", encoder=enc)
    res = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "split": args.split,
        "loadavg_before": os.getloadavg(),
        "iterater_human": evaluate(iterater(args.split), enc),
        "arxivedits": evaluate(arxivedits(args.split), enc),
        "msrp_train_first": evaluate(msrp(args.msrp), enc),
        "note": "flagged = >=1 change of severity medium/high; 'meaning' = meaning-changed (IteraTeR), has a Content "
                "edit (arXivEdits), non-paraphrase (MSRP)",
    }
    res["loadavg_after"] = os.getloadavg()
    print(json.dumps(res, indent=2))
    if args.split == "dev":
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
