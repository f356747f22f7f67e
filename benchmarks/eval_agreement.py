"""How often one careful reader agrees with the others: IteraTeR's three annotators, each read as a "system".

IteraTeR-HUMAN labels every edit three times (``raw_intents``). Taking one
annotator's "meaning-changed" as what they would flag, and the other two as the
reference where they agree (meaning-changed, or both one of the meaning-preserving
intentions; edits where they disagree, or either says ``others``, are left out),
gives the share of meaning-changing edits a person flags and the share of
meaning-preserving edits they flag: the same two figures ``eval_docs.py`` reports
for storydiff's default view, measured on people (a case is one annotator on one edit). For comparison it also gives
each annotator against the released majority label (which includes their own vote,
so it flatters them).

    .venv/bin/python benchmarks/eval_agreement.py --split dev

Writes ``benchmarks/results/agreement_iterater[_train].json``. Train/dev only. arXivEdits
releases one annotation per edit, so it has no such figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"
MEANING = "meaning-changed"


def edits(split: str) -> list[tuple[str, list[str]]]:
    """(majority intent, the three annotators' intents) of every doc-level edit."""
    out = []
    with open(DATA / "iterater-human" / f"doc_level_{split}.json", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out += [(e["major_intent"], e["raw_intents"]) for e in json.loads(line)["edit_actions"]]
    return out


def rates(pairs: list[tuple[bool, bool]]) -> dict[str, float | int]:
    """(flagged, reference says meaning) pairs → shown share of meaning edits, flagged share of the others."""
    pos = [f for f, m in pairs if m]
    neg = [f for f, m in pairs if not m]
    return {"meaning_cases": len(pos), "preserving_cases": len(neg),
            "shown_share_meaning": round(sum(pos) / max(len(pos), 1), 4),
            "flagged_share_preserving": round(sum(neg) / max(len(neg), 1), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    args = ap.parse_args(argv)
    rows = edits(args.split)
    loo, vs_majority = [], []
    for major, raw in rows:
        if len(raw) != 3:
            continue
        for k in range(3):
            flagged = raw[k] == MEANING
            if major != "others":
                vs_majority.append((flagged, major == MEANING))
            others = [raw[j] for j in range(3) if j != k]
            if "others" in others or (others[0] == MEANING) != (others[1] == MEANING):
                continue
            loo.append((flagged, others[0] == MEANING))
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "split": args.split,
           "command": "benchmarks/eval_agreement.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "edits": len(rows),
           "one_annotator_vs_the_other_two": rates(loo),
           "one_annotator_vs_majority_incl_own_vote": rates(vs_majority)}
    print(json.dumps(out, indent=2))
    suffix = "" if args.split == "dev" else f"_{args.split}"
    path = HERE / "results" / f"agreement_iterater{suffix}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("wrote", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
