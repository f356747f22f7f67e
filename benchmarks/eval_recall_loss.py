"""Where the default view loses meaning-changing edits: edit by edit, why each one is not shown.

For every labelled edit of IteraTeR-HUMAN doc level and arXivEdits (the same
cases and span rules as ``eval_docs.py``) that the default view does not show,
one reason, the first that holds:

- ``hidden_by_verdict``: a candidate change touching the edit passes the change
  model's threshold of its kind, but its group is judged reworded, so it is
  kept as a low hint (the group's candidates are not shown);
- ``under_threshold``: candidates touch the edit, and none passes its threshold
  (split by the verdict of the group they sit in: reworded, changed, or a
  passage added or removed; a detector's low note counts as under threshold);
- ``no_candidate``: nothing storydiff proposes touches the edit.

The same counts are given for the meaning-preserving edits (what is flagged and
what is kept back, and why), and for arXivEdits' ``Content`` edits by the shape
of the edit (words added, deleted, or replaced; with a digit or a capitalised
word in it).

    .venv/bin/python benchmarks/eval_recall_loss.py --split dev

Writes ``benchmarks/results/recall_loss[_train].json``. Train/dev only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from eval_docs import Case, Edit, arxiv_pairs, default_view, iterater_docs, overlaps, shown  # noqa: E402

REASONS = ("shown", "hidden_by_verdict", "under_threshold_reworded", "under_threshold_changed",
           "under_threshold_passage", "no_candidate")


def _touch(c, e: Edit, da: int = 0, db: int = 0) -> bool:
    a = (c.a.start + da, c.a.end + da) if c.a else None
    b = (c.b.start + db, c.b.end + db) if c.b else None
    return overlaps(a, e.a) or overlaps(b, e.b)


def _reason(e: Edit, view: list[dict], judged: list[tuple[object, int, int, str]]) -> tuple[str, float]:
    """The first reason that holds for ``e`` and the highest probability among the candidates touching it.

    ``judged``: (change judged by the change model before the verdict's gate, a offset, b offset, where: the
    group's verdict value or "passage").
    """
    from storydiff.model import Severity

    if shown(e, view):
        return "shown", 1.0
    touching = [(c, where) for c, da, db, where in judged if _touch(c, e, da, db)]
    if not touching:
        return "no_candidate", -1.0
    best = max(c.confidence or 0.0 for c, _ in touching)
    if any(c.severity.at_least(Severity.MEDIUM) and where != "changed" for c, where in touching):
        return "hidden_by_verdict", best
    wheres = {w for _, w in touching}
    where = "passage" if wheres == {"passage"} else "changed" if "changed" in wheres else "reworded"
    return f"under_threshold_{where}", best


def doc_case(case: Case, enc) -> list[tuple[Edit, str, float]]:
    import storydiff
    from storydiff.classify import _judge, candidates

    cmp = storydiff.compare(case.a, case.b)
    view = default_view(cmp.changes)
    _, cands, passages = candidates(cmp.a, cmp.b, cmp.alignment, encoder=enc)
    flat = _judge([k for row in cands for k in row] + passages, enc)
    judged, at = [], 0
    for g, j, row in zip(cmp.alignment.groups, cmp.judgements, cands):
        da, db = cmp.a.span_of(g.a).start, cmp.b.span_of(g.b).start
        judged += [(c, da, db, j.verdict.value) for c in flat[at : at + len(row)]]
        at += len(row)
    judged += [(c, 0, 0, "passage") for c in flat[at:]]
    return [(e, *_reason(e, view, judged)) for e in case.edits]


def pair_case(case: Case, enc) -> list[tuple[Edit, str, float]]:
    import storydiff
    from storydiff.classify import _judge, pair_candidates

    j = storydiff.compare_sentences(case.a, case.b)
    view = default_view(j.changes)
    _, cands = pair_candidates([(case.a, case.b)], encoder=enc)
    judged = [(c, 0, 0, j.verdict.value) for c in _judge(cands[0], enc)]
    return [(e, *_reason(e, view, judged)) for e in case.edits]


def shape(case: Case, e: Edit) -> str:
    """What an edit does to the words: added, deleted or replaced; "+fact" when a digit or a capitalised word
    (past the first word) is among them."""
    ta, tb = case.a[e.a[0] : e.a[1]], case.b[e.b[0] : e.b[1]]
    kind = "added" if not ta.strip() else "deleted" if not tb.strip() else "replaced"
    words = re.findall(r"\w+", ta + " " + tb)
    fact = any(ch.isdigit() for ch in ta + tb) or any(w[0].isupper() for w in words[1:])
    return kind + ("+fact" if fact else "")


def tally(rows: list[tuple[Case, Edit, str, float]]) -> dict:
    out: dict[str, dict] = {}
    for side, want in (("meaning", True), ("preserving", False)):
        sel = [(c, e, r, p) for c, e, r, p in rows if e.meaning is want]
        counts = collections.Counter(r for _, _, r, _ in sel)
        out[side] = {"edits": len(sel), **{r: counts.get(r, 0) for r in REASONS},
                     "share": {r: round(counts.get(r, 0) / max(len(sel), 1), 4) for r in REASONS}}
        by_shape: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for c, e, r, _ in sel:
            by_shape[shape(c, e)][r] += 1
        out[side]["by_shape"] = {k: dict(v) for k, v in sorted(by_shape.items())}
        # How far under their thresholds the kept-back candidates are (the best one touching each edit).
        under = sorted(p for _, _, r, p in sel if r.startswith("under_threshold"))
        out[side]["under_threshold_best_p_quartiles"] = ([round(under[int(q * (len(under) - 1))], 3)
                                                          for q in (0.25, 0.5, 0.75)] if under else [])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    ap.add_argument("--examples", type=int, default=0, help="print N lost meaning edits of each reason")
    args = ap.parse_args(argv)
    from storydiff.embed import get_encoder

    enc = get_encoder("wordllama")
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "split": args.split,
           "command": "benchmarks/eval_recall_loss.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "loadavg_before": [round(v, 2) for v in os.getloadavg()]}
    for name, cases, fn in (("iterater_docs", iterater_docs(args.split), doc_case),
                            ("arxivedits_pairs", arxiv_pairs(args.split), pair_case)):
        rows = [(case, e, r, p) for case in cases for e, r, p in fn(case, enc)]
        out[name] = tally(rows)
        print(name, json.dumps({k: {r: v[r] for r in ("edits", *REASONS)} for k, v in out[name].items()}), flush=True)
        if args.examples:
            seen: collections.Counter = collections.Counter()
            for case, e, r, p in rows:
                if e.meaning and r != "shown" and seen[r] < args.examples:
                    seen[r] += 1
                    print(f"  [{r} p={p:.2f}] A: {case.a[max(0, e.a[0] - 40):e.a[1] + 40]!r}\n"
                          f"      edit A={case.a[e.a[0]:e.a[1]]!r} B={case.b[e.b[0]:e.b[1]]!r}")
    out["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    path = HERE / "results" / f"recall_loss{'' if args.split == 'dev' else '_' + args.split}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("wrote", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
