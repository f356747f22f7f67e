"""Evaluate the product's verdicts on labelled sentence pairs (test/dev splits only).

Every pair goes through :func:`storydiff.compare_sentences` end to end
(identity rule, features, calibrated model, rule changes and the policy that
reconciles them), so the figures are the product's. P(changed) for ECE and
for the IteraTeR operating point is the reported confidence turned into the
probability of "changed" (``confidence`` if the verdict is changed, else
``1 - confidence``; identical counts as 0).

- MSRP test (1,725): accuracy, F1 of the paraphrase class;
- PAWS-Wiki test (8,000): accuracy, F1 of the paraphrase class;
- IteraTeR-HUMAN sentence-level dev: recall of ``meaning-changed`` at
  ≤ 20 % false alarms on clarity/fluency/coherence/style, and at the shipped
  decision threshold;
- ECE (10 bins) and a reliability table per set; pairs per second.

``--model-only`` switches the rule engine off, to show what the policy adds.

Usage::

    .venv/bin/python benchmarks/eval_pairs.py [--engine minilm] [--limit N]

Writes ``benchmarks/results/verdict_eval[_minilm].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from train_verdict import ece, load_iterater, load_msrp, load_paws  # noqa: E402


def run(rows: list[tuple[str, str, int, str]], engine: str) -> tuple[np.ndarray, np.ndarray, float]:
    """P(changed) and hard decision per pair, and seconds spent, through compare_sentences."""
    import storydiff

    storydiff.compare_sentences("Warm up.", "Warm up, once.", engine=engine)
    p, hard = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
    t = time.perf_counter()
    for i, (a, b, _, _) in enumerate(rows):
        j = storydiff.compare_sentences(a, b, engine=engine)
        hard[i] = j.verdict is storydiff.Verdict.CHANGED
        p[i] = j.confidence if hard[i] else (0.0 if j.verdict is storydiff.Verdict.IDENTICAL else 1 - j.confidence)
    return p, hard, time.perf_counter() - t


def binary_figures(p: np.ndarray, hard: np.ndarray, y: np.ndarray) -> dict[str, object]:
    para_pred, para_true = ~hard, y == 0
    tp = int((para_pred & para_true).sum())
    f1 = 2 * tp / (para_pred.sum() + para_true.sum())
    e, table = ece(p, y)
    return {"n": int(len(y)), "accuracy": round(float((hard == y).mean()), 4), "f1_paraphrase": round(f1, 4),
            "majority_accuracy": round(float(max(y.mean(), 1 - y.mean())), 4), "ece": round(e, 4),
            "reliability": table}


def iterater_figures(p: np.ndarray, hard: np.ndarray, y: np.ndarray) -> dict[str, object]:
    neg, pos = p[y == 0], p[y == 1]
    # Highest recall whose false-alarm rate stays at or under 20 %.
    best = (0.0, 0.0, 1.0)
    for t in np.unique(p):
        fa = float((neg >= t).mean())
        if fa <= 0.20:
            rec = float((pos >= t).mean())
            if rec > best[0]:
                best = (rec, fa, float(t))
    e, table = ece(p, y)
    return {"n": int(len(y)), "n_meaning_changed": int(y.sum()),
            "recall_at_fa_le_20": round(best[0], 4), "false_alarms_there": round(best[1], 4),
            "p_threshold_there": round(best[2], 4),
            "recall_at_shipped_decision": round(float(hard[y == 1].mean()), 4),
            "false_alarms_at_shipped_decision": round(float(hard[y == 0].mean()), 4),
            "ece": round(e, 4), "reliability": table}


def seed_timing(engine: str, repeats: int = 5) -> dict[str, object] | None:
    """Milliseconds classify() takes on the seed pair (already segmented and aligned), median of runs."""
    seeds = sorted((HERE.parent.parent / "shared" / "seeds").glob("*.txt"))
    if len(seeds) < 2:
        return None
    from storydiff.align import align
    from storydiff.classify import classify
    from storydiff.embed import get_encoder
    from storydiff.options import Options
    from storydiff.pipeline import as_segmentation

    opts, enc = Options(engine=engine), get_encoder(engine)
    sa, sb = (as_segmentation(p.read_text(encoding="utf-8"), options=opts) for p in seeds[:2])
    al = align(sa, sb, options=opts, encoder=enc)
    classify(sa, sb, al, encoder=enc)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        classify(sa, sb, al, encoder=enc)
        times.append((time.perf_counter() - t) * 1000)
    return {"groups": len(al.groups), "classify_ms_median": round(float(np.median(times)), 1),
            "loadavg": [round(v, 2) for v in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate verdicts on MSRP test, PAWS test, IteraTeR dev.")
    ap.add_argument("--engine", default="wordllama", choices=("wordllama", "minilm"))
    ap.add_argument("--limit", type=int, default=0, help="first N pairs of each set (0 = all)")
    ap.add_argument("--model-only", action="store_true",
                    help="switch the rule engine off (the model's own figures, for comparison)")
    args = ap.parse_args(argv)
    if args.model_only:
        import storydiff.classify

        storydiff.classify._rules = lambda a, b, encoder: ()  # type: ignore[attr-defined]
    sets = {"msrp_test": load_msrp("test"), "paws_test": load_paws("test"), "iterater_dev": load_iterater("dev")}
    out: dict[str, object] = {"engine": args.engine, "model_only": args.model_only, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "command": "benchmarks/eval_pairs.py " + " ".join(argv or sys.argv[1:])}
    total_n, total_s = 0, 0.0
    for name, rows in sets.items():
        rows = rows[: args.limit] if args.limit else rows
        # compare_sentences refuses an empty text (EmptyInput): IteraTeR's dev has 5 pairs whose sentence was
        # deleted outright (all labelled meaning-preserving); they are left out and counted.
        empty = sum(1 for a, b, *_ in rows if not a.strip() or not b.strip())
        rows = [r for r in rows if r[0].strip() and r[1].strip()]
        p, hard, secs = run(rows, args.engine)
        y = np.array([r[2] for r in rows])
        figs = iterater_figures(p, hard, y) if name.startswith("iterater") else binary_figures(p, hard, y)
        figs["pairs_per_s"] = round(len(rows) / secs, 1)
        figs["left_out_empty"] = empty
        figs["loadavg"] = [round(v, 2) for v in os.getloadavg()]
        out[name] = figs
        total_n, total_s = total_n + len(rows), total_s + secs
        print(name, {k: v for k, v in figs.items() if k != "reliability"}, flush=True)
    out["pairs_per_s_overall"] = round(total_n / total_s, 1)
    out["seed_pair"] = seed_timing(args.engine)
    print("seed_pair", out["seed_pair"])
    suffix = "" if args.engine == "wordllama" else "_minilm"
    suffix += "_model_only" if args.model_only else ""
    suffix += "_limit" if args.limit else ""
    path = HERE / "results" / f"verdict_eval{suffix}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("wrote", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
