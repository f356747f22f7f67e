"""What the default view shows of labelled real edits: whole documents through ``compare``.

For every human-labelled edit we ask whether the default view (changes of
medium or high severity; moves aside) shows a change whose span overlaps the
edit's span in either version. On edits that change meaning that is a hit;
on meaning-preserving edits it is a false flag.

- IteraTeR-HUMAN doc level: each revision pair (``before_revision`` /
  ``after_revision``) through :func:`storydiff.compare`; edits are character
  spans of the old text, carried into the new one through the edits before
  them. ``meaning-changed`` vs clarity / fluency / coherence / style
  (``others`` is left out).
- arXivEdits: each sentence pair through :func:`storydiff.compare_sentences`;
  ``Content`` edits vs the language and format intentions. Token spans become
  character spans of the sentence with the ``[MATH]``-style placeholders left
  out (they carry no words).

Train/dev splits only (the test splits are withheld). Usage::

    .venv/bin/python benchmarks/eval_docs.py --split dev
    .venv/bin/python benchmarks/eval_docs.py --split train   # only meaningful out of fold: see train_changes.py

Writes ``benchmarks/results/eval_docs[_train].json``. Reads ../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

DATA = HERE.parents[1] / "shared" / "data"

ITERATER_PRESERVING = ("clarity", "fluency", "coherence", "style")


@dataclass(frozen=True)
class Edit:
    """One labelled edit: half-open character spans in each version (empty where the edit adds or deletes)."""

    a: tuple[int, int]
    b: tuple[int, int]
    meaning: bool
    intent: str
    # Share of the annotators who called it a change of meaning (IteraTeR labels each edit three times;
    # arXivEdits once, so there it is 0 or 1).
    agreement: float | None = None


@dataclass(frozen=True)
class Case:
    """A labelled pair of texts and its edits."""

    id: str
    a: str
    b: str
    edits: tuple[Edit, ...]


def _b_offsets(before: str, after: str, edits: list[dict]) -> list[tuple[int, int]]:
    """Each edit's span in ``after``: applied in order to ``before``, then mapped onto ``after`` character by
    character (the released ``after_revision`` differs from the replayed text in a few spaces)."""
    out, parts, pos, at = [], [], 0, 0
    for e in edits:
        parts.append(before[pos : e["start_char_pos"]])
        at += e["start_char_pos"] - pos
        new = e["after"] or ""
        out.append((at, at + len(new)))
        parts.append(new)
        at += len(new)
        pos = e["end_char_pos"]
    parts.append(before[pos:])
    replay = "".join(parts)
    if replay == after:
        return out
    sm = SequenceMatcher(None, replay, after, autojunk=False)
    m: dict[int, int] = {}
    for blk in sm.get_matching_blocks():
        for k in range(blk.size + 1):
            m.setdefault(blk.a + k, blk.b + k)

    def near(i: int) -> int:
        for d in range(0, 40):
            for j in (i - d, i + d):
                if j in m:
                    return m[j] + (i - j)
        return i

    return [(near(s), max(near(s), near(e))) for s, e in out]


def iterater_docs(split: str) -> list[Case]:
    cases = []
    with open(DATA / "iterater-human" / f"doc_level_{split}.json", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            d = json.loads(line)
            eds = sorted(d["edit_actions"], key=lambda e: (e["start_char_pos"], e["end_char_pos"]))
            spans = _b_offsets(d["before_revision"], d["after_revision"], eds)
            edits = tuple(Edit((e["start_char_pos"], e["end_char_pos"]), sb, e["major_intent"] == "meaning-changed",
                               e["major_intent"], _agreement(e.get("raw_intents")))
                          for e, sb in zip(eds, spans) if e["major_intent"] != "others")
            cases.append(Case(f"{d['doc_id']}#{d.get('revision_depth', n)}#{n}", d["before_revision"],
                              d["after_revision"], edits))
    return cases


def _agreement(raw: list[str] | None) -> float | None:
    return sum(r == "meaning-changed" for r in raw) / len(raw) if raw else None


def _detok(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Tokens joined by spaces, placeholders dropped; each token's character span (empty for a placeholder)."""
    text, spans = "", []
    for t in tokens:
        if t.startswith("[") and t.endswith("]") and t[1:-1].isupper():
            spans.append((len(text), len(text)))
            continue
        if text:
            text += " "
        spans.append((len(text), len(text) + len(t)))
        text += t
    return text, spans


def _char_span(spans: list[tuple[int, int]], ix: list[int] | None, other: list[int] | None,
               other_spans: list[tuple[int, int]]) -> tuple[int, int]:
    if ix:
        inside = spans[ix[0] : ix[1]] or [spans[min(ix[0], len(spans) - 1)]]
        return (inside[0][0], inside[-1][1])
    return (0, 0)


def arxiv_pairs(split: str) -> list[Case]:
    data = json.loads((DATA / "arxivedits" / f"edits_{split}.json").read_text(encoding="utf-8"))
    cases = []
    for key, d in data.items():
        ta, sa = _detok(d["sentence-1"].split(" "))
        tb, sb = _detok(d["sentence-2"].split(" "))
        edits = []
        for e in d["edits-combination-0"].values():
            i, j = e["sentence-1-token-indices"], e["sentence-2-token-indices"]
            a = _char_span(sa, i, j, sb) if i else _insertion_point(sa, j, sb)
            b = _char_span(sb, j, i, sa) if j else _insertion_point(sb, i, sa)
            edits.append(Edit(a, b, e["intention"] == "Content", e["intention"]))
        if edits:
            cases.append(Case(f"arxiv{key}", ta, tb, tuple(edits)))
    return cases


def _insertion_point(spans: list[tuple[int, int]], other: list[int] | None,
                     other_spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Where a one-sided edit sits on the side that lacks it: at the same token position (a point)."""
    if not other or not spans:
        return (0, 0)
    k = min(other[0], len(spans) - 1)
    p = spans[k][0]
    return (p, p)


def overlaps(x: tuple[int, int] | None, y: tuple[int, int]) -> bool:
    """Spans overlap; an empty span (a point where something was added) touches what is next to it."""
    if x is None:
        return False
    if x[0] == x[1] or y[0] == y[1]:
        return max(x[0], y[0]) <= min(x[1], y[1])
    return x[0] < y[1] and y[0] < x[1]


def shown(edit: Edit, changes: list[dict]) -> bool:
    for c in changes:
        a = (c["a"]["start"], c["a"]["end"]) if c.get("a") else None
        b = (c["b"]["start"], c["b"]["end"]) if c.get("b") else None
        if overlaps(a, edit.a) or overlaps(b, edit.b):
            return True
    return False


def default_view(changes) -> list[dict]:
    from storydiff.model import ChangeKind, Severity

    return [c.to_dict() for c in changes if c.severity.at_least(Severity.MEDIUM) and c.kind is not ChangeKind.MOVED]


def score(cases: list[Case], run) -> dict:
    hit = collections.Counter()
    total = collections.Counter()
    by_intent: dict[str, list[int]] = {}
    cats: dict[str, collections.Counter] = {"meaning": collections.Counter(), "preserving": collections.Counter()}
    t0 = time.perf_counter()
    for case in cases:
        changes = run(case)
        for e in case.edits:
            side = "meaning" if e.meaning else "preserving"
            total[side] += 1
            s = shown(e, changes)
            hit[side] += s
            by_intent.setdefault(e.intent, [0, 0])
            by_intent[e.intent][0] += s
            by_intent[e.intent][1] += 1
            if s:
                for c in changes:
                    a = (c["a"]["start"], c["a"]["end"]) if c.get("a") else None
                    b = (c["b"]["start"], c["b"]["end"]) if c.get("b") else None
                    if overlaps(a, e.a) or overlaps(b, e.b):
                        cats[side][c.get("rule") or c["category"]] += 1
    secs = time.perf_counter() - t0
    return {
        "cases": len(cases),
        "edits": dict(total),
        "shown_share_meaning": round(hit["meaning"] / max(total["meaning"], 1), 4),
        "flagged_share_preserving": round(hit["preserving"] / max(total["preserving"], 1), 4),
        "shown_share_by_intent": {k: round(v[0] / v[1], 4) for k, v in sorted(by_intent.items())},
        "rules_on_meaning": dict(cats["meaning"].most_common(15)),
        "rules_on_preserving": dict(cats["preserving"].most_common(15)),
        "seconds": round(secs, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Default-view recall and false flags on labelled real edits.")
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    ap.add_argument("--limit", type=int, default=0, help="first N cases of each set (0 = all)")
    args = ap.parse_args(argv)
    import storydiff

    def run_doc(case: Case) -> list[dict]:
        return default_view(storydiff.compare(case.a, case.b).changes)

    def run_pair(case: Case) -> list[dict]:
        return default_view(storydiff.compare_sentences(case.a, case.b).changes)

    storydiff.compare("Warm up. Once.", "Warm up, once more.")
    docs, pairs = iterater_docs(args.split), arxiv_pairs(args.split)
    if args.limit:
        docs, pairs = docs[: args.limit], pairs[: args.limit]
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "split": args.split,
           "command": "benchmarks/eval_docs.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "loadavg_before": [round(v, 2) for v in os.getloadavg()]}
    out["iterater_docs"] = score(docs, run_doc)
    print("iterater_docs", json.dumps(out["iterater_docs"]), flush=True)
    out["arxivedits_pairs"] = score(pairs, run_pair)
    print("arxivedits_pairs", json.dumps(out["arxivedits_pairs"]), flush=True)
    out["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    out["targets"] = {"iterater_docs": "shown >= 0.75 at flagged <= 0.10", "arxivedits_pairs": "shown >= 0.75 at flagged <= 0.15"}
    suffix = "" if args.split == "dev" and not args.limit else f"_{args.split}" + ("_limit" if args.limit else "")
    path = HERE / "results" / f"eval_docs{suffix}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("wrote", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
