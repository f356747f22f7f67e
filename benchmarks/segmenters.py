"""Which sentence splitter serves storydiff best: accuracy and speed.

Candidates: pysbd, nupunkt, blingfire and a naive regex baseline, each raw
(``repair=False``: the splitter's boundaries inside each paragraph body) and
with storydiff's repair rules (``storydiff.segment_rules``). Paragraphs,
speaker labels and dialogue dashes are handled the same way for all.

Three measurements:

1. **Seeds** (``../shared/seeds``): sentence count per paragraph against
   counts checked by hand (below), plus a few known sentences that must come
   out exactly (label or dash stripped, bracket kept). Errors = sum over
   paragraphs of |predicted − expected| + known sentences missing.
2. **Phenomena**: hand-written sentences with abbreviations, initials,
   decimals, quotes, brackets and ellipses (below); errors = boundaries
   added or missed.
3. **Bible** (WEB column of ``../shared/data/bible-parallel-en/verses.tsv``;
   every ``--step``-th chapter; one chapter = one paragraph, one book = one
   document). A verse that ends with ``.``, ``?`` or ``!`` (closing quotes
   allowed) ends a sentence, so *verse-end recall* = share of those verse
   ends where a sentence ends. A boundary at a verse end that ends with
   ``,``/``;``/``:`` or a letter, or inside a verse right after a character
   that is not a final mark or closing quote, is a *bad split*. Speed is
   sentences per second over the whole segmentation (paragraphs, labels,
   repair included), one pass, warm.

Usage::

    .venv/bin/python benchmarks/segmenters.py            # all, writes benchmarks/results/segmenters.json
    .venv/bin/python benchmarks/segmenters.py --step 20 --no-write   # quicker look
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

from storydiff import read, segment_rules
from storydiff.model import Segmentation
from storydiff.segment import Splitter, nupunkt_spans, pysbd_splitter, segment, segment_with

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
VERSES = SHARED / "data" / "bible-parallel-en" / "verses.tsv"
RESULTS = ROOT / "benchmarks" / "results" / "segmenters.json"
SPLITTERS = ("pysbd", "nupunkt", "blingfire", "regex")




def get_splitter(name: str) -> Splitter:
    """A candidate sentence splitter by name: ``pysbd``, ``nupunkt``, ``blingfire`` or ``regex``.

    Each returns ``(start, end)`` spans of the text it is given.
    """
    if name == "pysbd":
        return pysbd_splitter("en")
    if name == "nupunkt":
        return nupunkt_spans
    if name == "blingfire":
        return _blingfire_spans
    if name == "regex":
        return _regex_spans
    raise ValueError(f"unknown splitter {name!r}: expected pysbd, nupunkt, blingfire or regex")


def _blingfire_spans(text: str) -> list[tuple[int, int]]:
    import blingfire

    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    return [(int(s), int(e)) for s, e in offsets]


_REGEX_BOUNDARY = re.compile(rf"[{re.escape(segment_rules.FINAL_MARKS)}]+[{re.escape(segment_rules.CLOSERS)}]*\s+")


def _regex_spans(text: str) -> list[tuple[int, int]]:
    cuts = [m.end() for m in _REGEX_BOUNDARY.finditer(text)]
    bounds = [0, *cuts, len(text)]
    return [(s, e) for s, e in zip(bounds, bounds[1:]) if e > s]


# Sentences per paragraph, counted by hand on the seed files (labels and
# dashes are not sentences; title lines are one sentence each).
SEED_EXPECTED: dict[str, dict[str, object]] = {
    "000_171b44ba9f12e7b5.txt": {
        "counts": [1, 1, 2, 4, 4, 2, 2, 2, 4, 3, 3, 6, 2, 2, 3, 3, 2, 4, 1, 4, 3, 3, 3, 2, 3],
        "known": [
            "Submitted on Sun, 12/31/2023 - 10:37",
            "The crimes of the Kiev regime are already under investigation.",
            "This trend is not new, let's be honest.",
            "Is this true?",
        ],
    },
    "001_52d9daff031644a3.txt": {
        "counts": [1, 3, 3, 2, 3, 3, 2, 2, 4, 4, 3, 2, 7, 3, 3, 4, 1, 4, 3, 3, 3, 2, 3],
        "known": [
            "Our dialogue with Serbia is rhythmic, characterized by openness and focus on the "
            "development of various areas of cooperation, including in the field of security.",
            "The investigation of the crimes of the Kyiv regime is already underway.",
            "Is this really true?",
            "We generally don’t care who wins the US presidential race.",
        ],
    },
}

# (text, expected sentences), written for this benchmark.
PHENOMENA: list[tuple[str, list[str]]] = [
    ("Mr. Smith met Dr. Jones on Tuesday. He left.", ["Mr. Smith met Dr. Jones on Tuesday.", "He left."]),
    ("We met in the U.S. on Monday. It rained.", ["We met in the U.S. on Monday.", "It rained."]),
    ("We met in the U.S. The talks went well.", ["We met in the U.S.", "The talks went well."]),
    ("Some states, e.g. France, agreed. Others did not.", ["Some states, e.g. France, agreed.", "Others did not."]),
    ("Read resolution No. 2334 again. Then vote.", ["Read resolution No. 2334 again.", "Then vote."]),
    ("J. R. R. Tolkien wrote it. He was English.", ["J. R. R. Tolkien wrote it.", "He was English."]),
    ("Sergey V. Lavrov spoke. Antony J. Blinken replied.", ["Sergey V. Lavrov spoke.", "Antony J. Blinken replied."]),
    ("Growth was 3.5 per cent. It fell to 0.7 later.", ["Growth was 3.5 per cent.", "It fell to 0.7 later."]),
    ("He said: “We will not go.” Then he left.", ["He said: “We will not go.”", "Then he left."]),
    ('She said, "Stop." Nobody moved.', ['She said, "Stop."', "Nobody moved."]),
    (
        "The wording [of the INF Treaty] was clear. We stated it.",
        ["The wording [of the INF Treaty] was clear.", "We stated it."],
    ),
    ("He paused... Then he spoke.", ["He paused...", "Then he spoke."]),
    ("She waited… and then she left. It was late.", ["She waited… and then she left.", "It was late."]),
    ("It was 4 p.m. Friday when we left. Nobody came.", ["It was 4 p.m. Friday when we left.", "Nobody came."]),
    ("Gen. Gerasimov and Prof. Ivanova came. They sat.", ["Gen. Gerasimov and Prof. Ivanova came.", "They sat."]),
    ("Plan B. The second plan failed.", ["Plan B.", "The second plan failed."]),
    ("What? No! Yes.", ["What?", "No!", "Yes."]),
    ("See p. 12 for details. The rest is in ch. 3.", ["See p. 12 for details.", "The rest is in ch. 3."]),
    ("The U.N. Security Council met. It adopted a text.", ["The U.N. Security Council met.", "It adopted a text."]),
    ("Turnout was 61.2%. That is a record.", ["Turnout was 61.2%.", "That is a record."]),
    ("“We cannot go. It is too far,” she said.", ["“We cannot go.", "It is too far,” she said."]),
    ("He asked: “Why?” Nobody answered.", ["He asked: “Why?”", "Nobody answered."]),
    ("The ship sailed at 5 a.m. The crew slept.", ["The ship sailed at 5 a.m.", "The crew slept."]),
    ("He was born in 1990. In 2000 he moved.", ["He was born in 1990.", "In 2000 he moved."]),
    ("The St. Petersburg forum opened. Mrs. Brown spoke.", ["The St. Petersburg forum opened.", "Mrs. Brown spoke."]),
    ("Washington, D.C., is large. It is old.", ["Washington, D.C., is large.", "It is old."]),
    ("(See Table 2.) The results differ.", ["(See Table 2.)", "The results differ."]),
    ("Acme Inc. reported losses. Shares fell.", ["Acme Inc. reported losses.", "Shares fell."]),
    ("The vote was 13 to 2. Russia vetoed it.", ["The vote was 13 to 2.", "Russia vetoed it."]),
    ("He left!!! Then silence.", ["He left!!!", "Then silence."]),
]


def _starts(seg: Segmentation) -> set[int]:
    return {s.start for s in seg.sentences}


def score_seeds(name: str) -> dict[str, object]:
    out: dict[str, object] = {}
    docs = {f: read.load(SEEDS / f) for f in SEED_EXPECTED}
    for f, exp in SEED_EXPECTED.items():
        seg = segment_with(docs[f], get_splitter(name), repair=False)
        fixed = segment_with(docs[f], get_splitter(name))
        for label, s in (("raw", seg), ("rules", fixed)):
            counts = [0] * len(s.paragraphs)
            for sent in s.sentences:
                counts[sent.paragraph] += 1
            expected = list(exp["counts"])  # type: ignore[call-overload]
            errors = sum(abs(a - b) for a, b in zip(counts, expected)) + abs(len(counts) - len(expected))
            texts = {sent.text for sent in s.sentences}
            missing = [k for k in exp["known"] if k not in texts]  # type: ignore[attr-defined]
            out[f"{f}:{label}"] = {"errors": errors + len(missing), "missing_known": missing}
    return out


def score_phenomena(name: str, repair: bool) -> dict[str, object]:
    errors = 0
    wrong = []
    for text, expected in PHENOMENA:
        seg = segment_with(read.from_text(text), get_splitter(name), repair=repair)
        gold, pos = set(), 0
        for sent in expected:
            pos = text.index(sent, pos)
            gold.add(pos)
        diff = len(_starts(seg) ^ gold)
        errors += diff
        if diff:
            wrong.append([s.text for s in seg.sentences])
    return {"errors": errors, "cases": len(PHENOMENA), "wrong": wrong}


def bible_books(step: int) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(text, verses as (start, end, verse text)) per book, every ``step``-th chapter."""
    chapters: dict[tuple[str, str], list[str]] = {}
    with VERSES.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["web"]:
                chapters.setdefault((row["book"], row["chapter"]), []).append(row["web"])
    books: dict[str, list[list[str]]] = {}
    for i, ((book, _), verses) in enumerate(chapters.items()):
        if i % step == 0:
            books.setdefault(book, []).append(verses)
    out = []
    for chaps in books.values():
        parts, spans, pos = [], [], 0
        for verses in chaps:
            for j, v in enumerate(verses):
                spans.append((pos, pos + len(v), v))
                pos += len(v) + (1 if j < len(verses) - 1 else 0)
            parts.append(" ".join(verses))
            pos += 2  # "\n\n" between chapters (the last verse added no space)
        out.append(("\n\n".join(parts), spans))
    return out


_FINAL = re.compile(r"[.!?…][\"'”’)\]]*$")


def score_bible(name: str, repair: bool, books: list[tuple[str, list[tuple[int, int, str]]]]) -> dict[str, object]:
    splitter = get_splitter(name)
    final_ends = hit = bad = n_sent = 0
    elapsed = 0.0
    for text, verses in books:
        doc = read.from_text(text, name="bible")
        assert doc.text == text, "bible text changed in normalisation"
        t0 = time.perf_counter()
        seg = segment_with(doc, splitter, repair=repair)
        elapsed += time.perf_counter() - t0
        n_sent += len(seg.sentences)
        ends = {s.end for s in seg.sentences}
        verse_ends = set()
        for start, end, v in verses:
            verse_ends.add(end)
            if _FINAL.search(v):
                final_ends += 1
                hit += end in ends
            elif end in ends:
                bad += 1
        for s in seg.sentences:
            if s.end not in verse_ends and not _FINAL.search(text[: s.end][-4:]):
                bad += 1
    return {
        "verse_end_recall": round(hit / final_ends, 4),
        "final_verse_ends": final_ends,
        "bad_splits": bad,
        "sentences": n_sent,
        "sentences_per_s": round(n_sent / elapsed),
        "seconds": round(elapsed, 2),
    }


def seed_pair_ms(runs: int = 7) -> dict[str, float]:
    """Warm read + segment of both seeds, milliseconds (median, min)."""
    paths = [SEEDS / f for f in SEED_EXPECTED]
    for p in paths:
        segment(read.load(p))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for p in paths:
            segment(read.load(p))
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=5, help="use every STEP-th Bible chapter (default 5)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    if not SEEDS.is_dir():
        print(f"seeds not found at {SEEDS}", file=sys.stderr)
        return 2
    books = bible_books(args.step) if VERSES.is_file() else []
    load_before = os.getloadavg()
    rows = {}
    for name in SPLITTERS:
        for repair in (False, True):
            key = f"{name}{'+rules' if repair else ''}"
            seeds = score_seeds(name)
            rows[key] = {
                "seed_errors": sum(v["errors"] for k, v in seeds.items() if k.endswith(":rules" if repair else ":raw")),  # type: ignore[index]
                "phenomena": score_phenomena(name, repair),
                "bible": score_bible(name, repair, books) if books else None,
            }
            print(key, json.dumps({k: v for k, v in rows[key].items()}, ensure_ascii=False)[:400], file=sys.stderr)
    result = {
        "benchmark": "segmenters",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": f"benchmarks/segmenters.py --step {args.step}",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.python_implementation()} {platform.python_version()}",
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "bible_chapters": f"every {args.step}th chapter, WEB column" if books else "absent",
        "chosen": "nupunkt+rules",
        "why": (
            "with the repair rules all candidates reach 0 seed and phenomena errors and >=0.996 Bible "
            "verse-end recall (the rest are data quirks); nupunkt is the best raw splitter with "
            "blingfire, ~30x faster than pysbd, pure Python (1 MB, no native code, unlike blingfire's "
            "99 MB x86-only binaries) and maintained"
        ),
        "splitters": rows,
        "seed_pair_read_segment": seed_pair_ms(),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
