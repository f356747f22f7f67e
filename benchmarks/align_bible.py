"""Alignment quality on independent Bible translations, and on the seed pair.

Document pairs are built from ``../shared/data/bible-parallel-en/verses.tsv``:
one chapter, A in one translation (``web``), B in an independent one (``kjv``,
or ``ylt`` for heavy rewording), one verse = one sentence unit, verses grouped
into paragraphs of 3–6. Conditions on B:

* ``plain``: same order;
* ``shuffled``: paragraphs in a random order;
* ``shuffled+edits``: shuffled, and some verses split in two at a comma or
  semicolon near the middle, some adjacent verse pairs merged into one unit,
  a few verses deleted and a few verses from another chapter inserted;
* ``shuffled+shifts``: shuffled, and in some adjacent verse pairs the
  boundary shifts: the second half of the first verse moves to the start of
  the second, or the first half of the second to the end of the first (two
  units whose content is redistributed over two; the aligner should make a
  2:2 group or two 1:1 pairs, not a 2:1 group and an added unit).

Units go straight into ``storydiff.align.align`` (no segmenter). A predicted
link is a pair (A unit, B unit) inside one group; it is correct when the two
units share a verse; gold links are all unit pairs sharing a verse.

The seed pair (``../shared/seeds/``) is segmented with ``storydiff.segment``
and scored against hand-written expected links (below).

Usage::

    .venv/bin/python benchmarks/align_bible.py            # test chapters → results JSON
    .venv/bin/python benchmarks/align_bible.py --fit      # fit score weights on dev chapters
    .venv/bin/python benchmarks/align_bible.py --chapters 20 --no-write   # quick look
    .venv/bin/python benchmarks/align_bible.py --scale 2000 6000          # long documents
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storydiff.align import align
from storydiff.embed import get_encoder
from storydiff.model import Alignment, Document, Segmentation, Sentence, Span
from storydiff.options import Options

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "bible-parallel-en" / "verses.tsv"
SEEDS = ROOT.parent / "shared" / "seeds"
RESULTS = ROOT / "benchmarks" / "results"
TEST_SEED = 20261123
DEV_SEED = 7


@dataclass(frozen=True)
class Unit:
    text: str
    verses: frozenset[int | str]


# ---------------------------------------------------------------- data


def load_chapters(cols: Sequence[str]) -> dict[tuple[str, int], list[dict[str, str]]]:
    """Chapters (book, chapter) → verse rows, keeping chapters where every column has every verse."""
    csv.field_size_limit(1 << 30)
    chapters: dict[tuple[str, int], list[dict[str, str]]] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if not row["kjv"]:
                continue
            chapters.setdefault((row["book"], int(row["chapter"])), []).append(row)
    return {k: v for k, v in chapters.items() if all(r[c] for r in v for c in cols)}


def split_chapters(keys: list[tuple[str, int]], n_test: int, n_dev: int) -> tuple[list, list]:
    """Disjoint random test and dev chapter lists (fixed seeds)."""
    keys = sorted(keys)
    test = random.Random(TEST_SEED).sample(keys, n_test)
    rest = sorted(set(keys) - set(test))
    dev = random.Random(DEV_SEED).sample(rest, n_dev)
    return test, dev


def paragraphs(n: int, rng: random.Random) -> list[list[int]]:
    """Cut 0..n-1 into consecutive runs of 3–6."""
    out, i = [], 0
    while i < n:
        k = rng.randint(3, 6)
        out.append(list(range(i, min(n, i + k))))
        i += k
    return out


def split_text(text: str) -> tuple[str, str] | None:
    """Split at the comma/semicolon/colon nearest the middle, if both halves are substantial."""
    cuts = [m.end() for m in re.finditer(r"[,;:](?=\s)", text)]
    cuts = [c for c in cuts if 0.25 * len(text) <= c <= 0.75 * len(text)]
    if not cuts:
        return None
    c = min(cuts, key=lambda x: abs(x - len(text) / 2))
    return text[:c].strip(), text[c:].strip()


def make_pair(
    rows: list[dict[str, str]], col_a: str, col_b: str, condition: str, seed: int, foreign: list[str]
) -> tuple[list[list[Unit]], list[list[Unit]]]:
    """Paragraphs of units for A and B under one condition."""
    return _make_pair(rows, col_a, col_b, condition, seed, foreign)[:2]


def expected_moves(a: list[list[Unit]], order: list[int]) -> tuple[int, set[int]]:
    """Moves and moved A units expected from a paragraph shuffle (same rules as the aligner)."""
    from storydiff.align.moves import find_moves
    from storydiff.model import Group

    starts_a, k = [], 0
    for p in a:
        starts_a.append(k)
        k += len(p)
    pos_b, k = {}, 0
    for p in order:
        pos_b[p] = k
        k += len(a[p])
    groups = [
        Group(tuple(range(starts_a[p], starts_a[p] + len(a[p]))), tuple(range(pos_b[p], pos_b[p] + len(a[p]))), 1.0)
        for p in range(len(a))
    ]
    moved, moves = find_moves(groups, k)
    return len(moves), {i for g, mv in zip(groups, moved, strict=True) if mv for i in g.a}


def _make_pair(
    rows: list[dict[str, str]], col_a: str, col_b: str, condition: str, seed: int, foreign: list[str]
) -> tuple[list[list[Unit]], list[list[Unit]], list[int]]:
    rng = random.Random(seed)
    paras = paragraphs(len(rows), rng)
    vid = [int(r["verse_id"]) for r in rows]
    a = [[Unit(rows[i][col_a], frozenset([vid[i]])) for i in p] for p in paras]
    b = [[Unit(rows[i][col_b], frozenset([vid[i]])) for i in p] for p in paras]
    order = list(range(len(b)))
    if condition == "plain":
        return a, b, order
    while len(order) > 1 and order == sorted(order):
        rng.shuffle(order)
    b = [b[k] for k in order]
    if condition == "shuffled":
        return a, b, order
    if condition == "shuffled+shifts":
        return a, [shift_boundaries(p, rng) for p in b], order
    edited: list[list[Unit]] = []
    for p in b:
        out: list[Unit] = []
        k = 0
        while k < len(p):
            u, x = p[k], rng.random()
            if x < 0.05:  # deleted
                k += 1
                continue
            if x < 0.15 and (halves := split_text(u.text)):
                out += [Unit(halves[0], u.verses), Unit(halves[1], u.verses)]
            elif x < 0.25 and k + 1 < len(p):
                out.append(Unit(u.text + " " + p[k + 1].text, u.verses | p[k + 1].verses))
                k += 1
            else:
                out.append(u)
            if rng.random() < 0.05:  # a foreign verse inserted
                out.append(Unit(rng.choice(foreign), frozenset([f"x{rng.random()}"])))
            k += 1
        if out:
            edited.append(out)
    return a, edited, order


def shift_boundaries(p: list[Unit], rng: random.Random, rate: float = 0.2) -> list[Unit]:
    """Shift the boundary between some adjacent units (half of one unit moves to its neighbour)."""
    out: list[Unit] = []
    k = 0
    while k < len(p):
        u = p[k]
        if k + 1 < len(p) and rng.random() < rate:
            v = p[k + 1]
            if rng.random() < 0.5:
                if halves := split_text(u.text):  # the tail of u moves to v
                    out += [Unit(halves[0], u.verses), Unit(halves[1] + " " + v.text, u.verses | v.verses)]
                    k += 2
                    continue
            elif halves := split_text(v.text):  # the head of v moves to u
                out += [Unit(u.text + " " + halves[0], u.verses | v.verses), Unit(halves[1], v.verses)]
                k += 2
                continue
        out.append(u)
        k += 1
    return out


def segmentation(paras: list[list[Unit]], name: str) -> Segmentation:
    """One Sentence per unit, paragraphs separated by blank lines."""
    text, sents, spans = "", [], []
    for pi, p in enumerate(paras):
        if text:
            text += "\n\n"
        p_start = len(text)
        for k, u in enumerate(p):
            if k:
                text += " "
            sents.append(Sentence(len(sents), len(text), len(text) + len(u.text), u.text, pi))
            text += u.text
        spans.append(Span(p_start, len(text)))
    return Segmentation(Document(id=name, source=name, text=text), tuple(sents), tuple(spans))


def score_links(al: Alignment, ua: list[Unit], ub: list[Unit]) -> tuple[int, int, int]:
    """(correct predicted links, predicted links, gold links) at unit level."""
    pred = {(i, j) for g in al.groups for i in g.a for j in g.b}
    correct = sum(1 for i, j in pred if ua[i].verses & ub[j].verses)
    by_verse: dict[int | str, list[int]] = {}
    for j, u in enumerate(ub):
        for v in u.verses:
            by_verse.setdefault(v, []).append(j)
    gold = {(i, j) for i, u in enumerate(ua) for v in u.verses for j in by_verse.get(v, [])}
    return correct, len(pred), len(gold)


def prf(c: int, p: int, g: int) -> dict[str, float]:
    pr = c / p if p else 1.0
    rc = c / g if g else 1.0
    return {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(2 * pr * rc / (pr + rc) if pr + rc else 0.0, 4)}


# ---------------------------------------------------------------- bible runs


def run_bible(chapters, data, col_a: str, col_b: str, condition: str, foreign: list[str]) -> dict:
    enc = get_encoder("wordllama")
    opts = Options()
    tot = [0, 0, 0]
    moves = exp_moves = 0
    mv = [0, 0, 0]  # moved A units: flagged by both, flagged by the aligner, expected
    whole = 0  # chapters whose moved units are whole paragraphs, as few as the shuffle needs
    secs = 0.0
    orphans = 0
    for ci, key in enumerate(chapters):
        a, b, order = _make_pair(data[key], col_a, col_b, condition, seed=TEST_SEED + ci, foreign=foreign)
        sa, sb = segmentation(a, "a"), segmentation(b, "b")
        t0 = time.perf_counter()
        al = align(sa, sb, options=opts, encoder=enc)
        secs += time.perf_counter() - t0
        ua = [u for p in a for u in p]
        ub = [u for p in b for u in p]
        for k, v in enumerate(score_links(al, ua, ub)):
            tot[k] += v
        # units reported added or removed although they have a counterpart
        verses_a = {v for u in ua for v in u.verses}
        verses_b = {v for u in ub for v in u.verses}
        orphans += sum(1 for i in al.removed if ua[i].verses & verses_b)
        orphans += sum(1 for j in al.added if ub[j].verses & verses_a)
        moves += len(al.moves)
        n_exp, exp_units = expected_moves(a, order)
        exp_moves += n_exp
        got_units = {i for g in al.groups if g.moved for i in g.a}
        mv[0] += len(got_units & exp_units)
        mv[1] += len(got_units)
        mv[2] += len(exp_units)
        para_of = [p for p, para in enumerate(a) for _ in para]
        aligned = {i for g in al.groups for i in g.a}
        mixed = {para_of[i] for i in aligned if i in got_units} & {para_of[i] for i in aligned if i not in got_units}
        whole += not mixed and len(got_units) == len(exp_units & aligned)
    moved = {k: v for k, v in prf(*mv).items()}
    moved["chapters_whole_paragraphs_minimal"] = round(whole / len(chapters), 4)
    return {
        **prf(*tot),
        "links_gold": tot[2],
        "unaligned_with_counterpart": orphans,
        "moves": moves,
        "moves_expected": exp_moves,
        "moved_units": moved,
        "align_seconds": round(secs, 3),
    }


# ---------------------------------------------------------------- fitting


def fit(chapters, data) -> None:
    """Fit the calibrated-score weights on dev chapters (prints them)."""
    from sklearn.linear_model import LogisticRegression

    from storydiff.align.similarity import csls_margin, length_ratio, lexical_vectors

    enc = get_encoder("wordllama")
    xs, ys = [], []
    for ci, key in enumerate(chapters):
        for col_b in ("kjv", "ylt", "asv"):
            a, b = make_pair(data[key], "web", col_b, "shuffled", seed=DEV_SEED + ci, foreign=[])
            ua = [u.text for p in a for u in p]
            ub = [u.text for p in b for u in p]
            vb = [u.verses for p in b for u in p]
            va = [u.verses for p in a for u in p]
            ea, eb = enc.encode(ua), enc.encode(ub)
            la, lb = lexical_vectors(ua, ub)
            sem = ea @ eb.T
            lex = np.asarray((la @ lb.T).todense())
            cs = csls_margin(sem)
            lr = length_ratio([len(t) for t in ua], [len(t) for t in ub])
            y = np.array([[bool(x & z) for z in vb] for x in va])
            xs.append(np.stack([sem.ravel(), lex.ravel(), cs.ravel(), lr.ravel()], 1))
            ys.append(y.ravel())
    x, y = np.concatenate(xs), np.concatenate(ys)
    for c in (0.01, 0.1, 1.0):
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit(x, y)
        print(f"C={c} weights sem, lex, csls, lenratio:", clf.coef_.round(3).tolist(), "bias:", clf.intercept_.round(3).tolist())
    for name, col in zip(("sem", "lex", "csls", "lenratio"), x.T, strict=True):
        print(f"{name}: pos mean {col[y].mean():.3f}  neg mean {col[~y].mean():.3f}  neg p99 {np.quantile(col[~y], 0.99):.3f}")


# ---------------------------------------------------------------- seed pair

# Expected links for the seed pair, judged by reading both texts: (start of an
# A sentence, start of the B sentence it corresponds to). Substrings are taken
# from inside the sentence (not its "Question:" label or dash) so they survive
# a change of segmenter. Sentences with no counterpart are listed apart.
SEED_LINKS: list[tuple[str, str]] = [
    # Kiev question and answer
    ("What will happen to the representatives", "What awaits the representatives"),
    ("Will an investigation into the crimes", "Will an investigation be launched"),
    ("The crimes of the Kiev regime are already", "The investigation of the crimes of the Kyiv"),
    ("Russian law enforcement authorities are meticulously", "Russian law enforcement agencies carefully"),
    ("The suffering of Donbass civilians", "The suffering of the peaceful population"),
    ("All those responsible will be held", "The guilty will also be brought"),
    ("The Investigative Committee of the Russian Federation is conducting", "The Investigative Committee of the Russian Federation is conducting"),
    ("According to the Investigative Committee", "According to the Investigative Committee"),
    ("This includes not only members", "Among them are not only members"),
    ("Those who have been charged in absentia", "Those of them who have been charged"),
    ("Based on the evidence gathered", "Based on the evidence gathered"),
    ("The remaining criminals will face", "The same fate awaits"),
    ("The remaining criminals will face", "Each of them will receive"),
    # Palestine
    ("Does Moscow plan to organise talks", "Is Moscow planning to organize"),
    ("How likely is it that the Palestinians", "How likely are the Palestinians"),
    ("Russia consistently advocates", "Russia has consistently advocated"),
    ("The lack of Palestinian unity remains", "One of the obstacles in their way"),
    ("We support the actions taken by our partners", "We support the actions of our partners"),
    ("We also assist our Palestinian friends", "For our part, we are also helping"),
    ("We have provided them with a venue", "We provided them with a Russian tribune"),
    ("We call for unification", "We promote unity"),
    ("We call for unification", "We explain the danger of division"),
    ("In April 2023, Russia proposed", "In April 2023, Russia proposed"),
    ("It was suggested that representatives", "In the second stage, representatives"),
    ("Our proposal is still on the table", "Our offer remains on the table"),
    ("Recently, on December 20", "Most recently, on December 20"),
    ("During the forum, I spoke with my colleagues", "With my colleagues from a number"),
    ("The discussions revealed", "The discussion showed"),
    # Serbia (moved to the front of B)
    ("During the protests in Belgrade", "Russian officials recently held"),
    ("Prime Minister of Serbia Ana Brnabic", "Russian officials recently held"),
    ("Can you confirm if Moscow", "Can you confirm that Moscow"),
    ("And which Western countries", "Which specific Western countries"),
    ("Is there a threat of a coup in Serbia", "Which specific Western countries"),
    ("Serbia and Russia engage in regular dialogue", "Our dialogue with Serbia is rhythmic"),
    ("This is a sensitive sphere", "This is quite a sensitive area"),
    ("This is a sensitive sphere", "It would be correct to say"),
    ("The events in Belgrade are yet another", "What happened in Belgrade is another"),
    ("It seems that not everyone in the West", "Apparently, not everyone in the West"),
    ("This trend is not new", "The trend, to be honest, is not new"),
    ("It is well known how similar ventures", "It is well known how such adventures"),
    ("We need only recall the coup", "It is enough to recall the coup"),
    ("Serbia has not forgotten this", "In Serbia, they have not forgotten"),
    ("Perhaps this is why the number", "Obviously, that is why the number"),
    ("People do not trust the activists", "Citizens do not trust individuals"),
    ("We assess the overall situation in Serbia", "We assess the general situation in Serbia"),
    ("The country's leadership firmly", "The country’s leadership firmly"),
    # missiles
    ("Recently, there have been signals", "Recently, there have been signals"),
    ("Is this true?", "Is this really true?"),
    ("Can the moratorium be lifted", "Is it possible to lift the moratorium"),
    ("Have possible locations", "Have the probable locations"),
    ("A clear signal that we may reconsider", "An unequivocal signal that we may"),
    ("Let me remind you that our commitment", "Let me remind you that our commitment"),
    ("Due to the characteristics and applications", "Due to the characteristics and peculiarities"),
    ("In the case of the United States, this aspect", "In the case of the United States, this aspect"),
    ("If Washington creates additional", "It is clear that Washington"),
    ("If the United States does not take", "Absent extraordinary steps"),
    ("However, judging by the preparations", "However, judging by the preparations"),
    ("Therefore, the time when we will have", "So the time when we will have"),
    # United States
    ("When discussing the outcome of the year", "Russian President Vladimir Putin, summarizing"),
    ("Can we expect any shifts", "Will Moscow expect such changes"),
    ("Could this lead to the revival", "Could this lead to an improvement"),
    ("Our readiness to restore", "Our willingness to restore"),
    ("Russia-US relations have become strained", "Russian-American relations deteriorated"),
    ("Although the White House", "Although the White House"),
    ("We will only be able to develop", "We will be able to arrive"),
    ("Meanwhile, the ruling circles", "Meanwhile, US ruling circles"),
    ("The US political establishment", "The American political elite"),
    ("Given the existing bipartisan consensus", "Given the existing cross-party consensus"),
    ("In general, the outcome of the US", "We generally don’t care"),
]
SEED_A_ONLY = ["Foreign Minister Sergey Lavrov’s interview with", "Submitted on", "How else can we help Belgrade"]
SEED_B_ONLY = ["In an interview about the results of 2023", "world today news"]
SERBIA_A = ["During the protests in Belgrade", "The country's leadership firmly"]
SERBIA_B = ["Russian officials recently held", "The country’s leadership firmly"]


def _find(seg: Segmentation, needle: str) -> int | None:
    for s in seg.sentences:
        if needle in s.text:
            return s.index
    return None


def run_seed() -> dict:
    from storydiff import read
    from storydiff.segment import segment

    files = sorted(SEEDS.glob("*.txt"))
    sa = segment(read.load(files[0]))
    sb = segment(read.load(files[1]))
    enc = get_encoder("wordllama")
    opts = Options()
    align(sa, sb, options=opts, encoder=enc)  # warm-up
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        al = align(sa, sb, options=opts, encoder=enc)
        times.append(time.perf_counter() - t0)
    load = os.getloadavg()[0]
    pred = {(i, j) for g in al.groups for i in g.a for j in g.b}
    missing, found, unresolved = [], 0, []
    for x, y in SEED_LINKS:
        i, j = _find(sa, x), _find(sb, y)
        if i is None or j is None:
            unresolved.append((x, y))
        elif (i, j) in pred:
            found += 1
        else:
            missing.append((x, y))
    expected = {(_find(sa, x), _find(sb, y)) for x, y in SEED_LINKS}
    a_expected = {i for i, _ in expected}
    b_expected = {j for _, j in expected}
    # precision: links among sentences that have a counterpart, judged against the list
    judged = {(i, j) for i, j in pred if i in a_expected and j in b_expected}
    wrong = sorted(judged - expected)
    # per sentence: its partners are exactly the expected ones
    exp_a: dict[int, set[int]] = {}
    exp_b: dict[int, set[int]] = {}
    for i, j in expected:
        exp_a.setdefault(i, set()).add(j)
        exp_b.setdefault(j, set()).add(i)
    a2b, b2a = al.a2b(), al.b2a()
    a_ok = sum(1 for i, js in exp_a.items() if set(a2b.get(i, ())) == js)
    b_ok = sum(1 for j, is_ in exp_b.items() if set(b2a.get(j, ())) == is_)
    removed_ok = {x: (_find(sa, x) in al.removed) for x in SEED_A_ONLY}
    added_ok = {x: (_find(sb, x) in al.added) for x in SEED_B_ONLY}
    sa0, sa1 = (_find(sa, x) for x in SERBIA_A)
    sb0, sb1 = (_find(sb, x) for x in SERBIA_B)
    serbia_move = [
        {"a": [min(m.a), max(m.a)], "b": [min(m.b), max(m.b)], "groups": len(m.groups)}
        for m in al.moves
        if sa0 is not None and sa1 is not None and set(m.a) & set(range(sa0, sa1 + 1))
    ]
    ok_one_move = (
        len(serbia_move) == 1
        and serbia_move[0]["a"][0] <= sa0 and serbia_move[0]["a"][1] >= sa1
        and serbia_move[0]["b"][0] <= sb0 and serbia_move[0]["b"][1] >= sb1
    )
    return {
        "sentences": [len(sa.sentences), len(sb.sentences)],
        "expected_links": len(SEED_LINKS),
        "found_links": found,
        "link_recall": round(found / max(1, len(SEED_LINKS) - len(unresolved)), 4),
        "a_sentences_with_counterpart": len(exp_a),
        "a_sentences_aligned_exactly": a_ok,
        "b_sentences_with_counterpart": len(exp_b),
        "b_sentences_aligned_exactly": b_ok,
        "sentence_accuracy": round((a_ok + b_ok) / (len(exp_a) + len(exp_b)), 4),
        "wrong_links_between_counterparts": [[sa.sentences[i].text[:50], sb.sentences[j].text[:50]] for i, j in wrong],
        "missing": missing,
        "unresolved_substrings": unresolved,
        "a_only_removed": removed_ok,
        "b_only_added": added_ok,
        "moves": [{"a": [min(m.a), max(m.a)], "b": [min(m.b), max(m.b)], "groups": len(m.groups)} for m in al.moves],
        "serbia_block_one_move": ok_one_move,
        "groups": len(al.groups),
        "removed": len(al.removed),
        "added": len(al.added),
        "align_ms_min": round(1000 * min(times), 2),
        "align_ms_median": round(1000 * sorted(times)[len(times) // 2], 2),
        "loadavg_1min": round(load, 2),
    }


def run_scale(n: int) -> dict:
    """One long document pair (n verses, web vs kjv, paragraphs shuffled): time and peak memory."""
    import tracemalloc

    import storydiff.align

    data = load_chapters(("web", "kjv"))
    rows: list[dict[str, str]] = []
    for key in sorted(data):
        rows += data[key]
        if len(rows) >= n:
            break
    a, b = make_pair(rows[:n], "web", "kjv", "shuffled", seed=1, foreign=[])
    sa, sb = segmentation(a, "a"), segmentation(b, "b")
    enc = get_encoder("wordllama")
    tracemalloc.start()
    t0 = time.perf_counter()
    al = align(sa, sb, options=Options(), encoder=enc)
    secs = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ua = [u for p in a for u in p]
    ub = [u for p in b for u in p]
    return {
        "sentences": n,
        "path": "dense" if n * n <= storydiff.align.DENSE_MAX_CELLS else "sparse",
        **prf(*score_links(al, ua, ub)),
        "seconds_with_tracemalloc": round(secs, 2),
        "peak_traced_mb": round(peak / 2**20, 1),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chapters", type=int, default=100)
    ap.add_argument("--dev", type=int, default=60)
    ap.add_argument("--fit", action="store_true", help="fit score weights on dev chapters and exit")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--seed-only", action="store_true")
    ap.add_argument("--split", choices=("test", "dev"), default="test", help="dev: for tuning; report test")
    ap.add_argument("--scale", type=int, nargs="*", metavar="N", help="only time long documents of N verses")
    args = ap.parse_args(argv)
    if args.scale:
        res = [run_scale(n) for n in args.scale]
        for r in res:
            print(r, flush=True)
        if not args.no_write:
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "align_bible_scale.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        return 0
    out: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if not args.seed_only:
        if not DATA.exists():
            print(f"no data at {DATA}", file=sys.stderr)
            return 1
        data = load_chapters(("web", "kjv", "ylt", "asv"))
        test, dev = split_chapters(list(data), args.chapters, args.dev)
        if args.fit:
            fit(dev, data)
            return 0
        # foreign verses come from chapters outside the evaluated split
        foreign_pool = {c: [r[c] for k in (dev if args.split == "test" else test)[:20] for r in data[k]] for c in ("kjv", "ylt")}
        if args.split == "dev":
            test = dev
        out["split"] = args.split
        out["chapters"] = len(test)
        out["verses"] = sum(len(data[k]) for k in test)
        out["bible"] = {}
        for col_b in ("kjv", "ylt"):
            for cond in ("plain", "shuffled", "shuffled+edits", "shuffled+shifts"):
                r = run_bible(test, data, "web", col_b, cond, foreign_pool[col_b])
                out["bible"][f"web-{col_b}/{cond}"] = r
                print(f"web-{col_b:4s} {cond:15s} {r}", flush=True)
    if SEEDS.exists():
        out["seed"] = run_seed()
        print(json.dumps(out["seed"], indent=1, ensure_ascii=False))
    out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        full = args.chapters == 100 and not args.seed_only and args.split == "test"
        name = "align_bible.json" if full else "align_bible_partial.json"
        (RESULTS / name).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
