"""Peak memory and time of compare on hostile inputs, each in a fresh process.

Every case writes two files (A and a lightly edited B) and runs
``storydiff.compare(Path(a), Path(b))`` in a child process that reports its own
peak resident set size (``ru_maxrss``), so cases do not share a heap. The goal
(issue 14): any input under the size limit (20 MB by default) compares within
2 GB.

Cases:
    paragraph_300k    300 kB of words without punctuation (one "sentence"); B has an insertion
    paragraph_5m      the same at 5 MB
    paragraph_20m     the same at 20 MB, the default size limit
    prose_20m         20 MB of sentences of everyday words (some with a name and a number), 1% of B's
                      sentences edited, deleted or inserted
    prose_2m_shuffled 2 MB of such sentences, B's paragraphs shuffled (most of B moved)
    prose_5m_unrelated  two different 5 MB texts of such sentences (nothing in common to pair first)
    interview_100k    a 100 kB question/answer transcript (above 2,000 sentences each side, roles on)
    identical_3000    3,000 identical lines against themselves
    quoted_lines_20k  20,000 lines, each a quotation, 1% edited in B
    short_lines_50k   50,000 short lines from a 200-line vocabulary, 1% edited in B
    short_lines_50k_self  the same lines against themselves

Usage:
    nice -n 10 .venv/bin/python benchmarks/hostile_inputs.py [--cases paragraph_300k,interview_100k]

Prints JSON and writes benchmarks/results/hostile_inputs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 2048
WORDS = "the bridge council river mayor vote money school bus street shop baker fund design spring tender".split()

CHILD = """
import json, resource, sys, time
from pathlib import Path
import storydiff
t = time.perf_counter()
c = storydiff.compare(Path(sys.argv[1]), Path(sys.argv[2]))
wall = time.perf_counter() - t
print(json.dumps({"wall_s": round(wall, 2), "sentences": [len(c.a.sentences), len(c.b.sentences)],
                  "summary": c.summary(), "changes": len(c.changes),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def _unpunctuated(n: int) -> tuple[str, str]:
    rng = random.Random(1)
    a = " ".join(rng.choices(WORDS, k=n // 6))[:n]
    mid = len(a) // 2
    return a, a[:mid] + " and some extra words " + a[mid:]


def _prose(n: int, shuffle: bool = False, seed: int = 2) -> tuple[str, str]:
    """Sentences of 8-24 everyday words (the package's common-word list), some with a name and a number, in
    paragraphs of five; B has 1% of its sentences deleted, inserted or with one word replaced."""
    from storydiff.resources import read_lines

    rng = random.Random(seed)
    vocab = [w for w in read_lines("common_words.txt") if w.isalpha()]
    names = ["Ortiz", "Moreau", "Schmidt", "Novak", "Haddad", "Kowalski", "Okafor", "Lindqvist"]

    def sentence() -> str:
        words = rng.choices(vocab, k=rng.randrange(8, 25))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), f"{rng.choice(names)} said {rng.randrange(10_000)}")
        return " ".join(words).capitalize() + "."

    sents, size = [], 0
    while size < n:
        sents.append(sentence())
        size += len(sents[-1]) + 1
    b = list(sents)
    for _ in range(len(b) // 100):
        k = rng.randrange(len(b))
        op = rng.randrange(3)
        if op == 0:
            del b[k]
        elif op == 1:
            b.insert(k, sentence())
        else:
            words = b[k].split()
            words[rng.randrange(len(words))] = rng.choice(vocab)
            b[k] = " ".join(words)

    def join(xs: list[str]) -> str:
        return "\n\n".join(" ".join(xs[i : i + 5]) for i in range(0, len(xs), 5))

    a_text, b_text = join(sents), join(b)
    if shuffle:  # paragraphs in another order: most of B moved, matched by similarity
        paras = b_text.split("\n\n")
        rng.shuffle(paras)
        b_text = "\n\n".join(paras)
    return a_text[:n], b_text[:n]


def _interview(n: int) -> tuple[str, str]:
    rng = random.Random(1)
    lines, size, k = [], 0, 0
    while size < n:
        q = f"Q: Question {k} about {' '.join(rng.choices(WORDS, k=5))}?"
        r = f"A: Answer {k} is {' '.join(rng.choices(WORDS, k=6))}. It {rng.choice(WORDS)} the {rng.choice(WORDS)}."
        lines += [q, r]
        size += len(q) + len(r) + 2
        k += 1
    a = "\n".join(lines)
    return a, a.replace("Answer 5 is", "Reply 5 is").replace("Question 9 about", "Question nine about")


def _quoted(n: int) -> tuple[str, str]:
    """An interview of quoted lines: every sentence a quotation, 1% of B's edited."""
    rng = random.Random(4)
    a = [f'"{" ".join(rng.choices(WORDS, k=8)).capitalize()} number {k}," {rng.choice(["she", "he"])} said.'
         for k in range(n)]
    b = list(a)
    for _ in range(n // 100):
        k = rng.randrange(n)
        b[k] = b[k].replace("said", "added")
    return "\n".join(a), "\n".join(b)


def _identical(n: int) -> tuple[str, str]:
    a = "\n".join(["Same line here."] * n)
    return a, a


def _short_lines(n: int, self_compare: bool = False) -> tuple[str, str]:
    rng = random.Random(1)
    vocab = [f"Item number {k} is here." for k in range(200)]
    a = [rng.choice(vocab) for _ in range(n)]
    b = list(a)
    if not self_compare:
        for k in range(n // 100):
            p = rng.randrange(len(b))
            if k % 3 == 0:
                del b[p]
            elif k % 3 == 1:
                b.insert(p, f"New line {k} was inserted.")
            else:
                b[p] = b[p].replace("here", "there")
    return "\n".join(a), "\n".join(b)


CASES: dict[str, Callable[[], tuple[str, str]]] = {
    "paragraph_300k": lambda: _unpunctuated(300_000),
    "paragraph_5m": lambda: _unpunctuated(5_000_000),
    "paragraph_20m": lambda: _unpunctuated(19_900_000),
    "prose_20m": lambda: _prose(19_900_000),
    "prose_2m_shuffled": lambda: _prose(2_000_000, shuffle=True),
    "prose_5m_unrelated": lambda: (_prose(5_000_000)[0], _prose(5_000_000, seed=3)[0]),
    "interview_100k": lambda: _interview(100_000),
    "identical_3000": lambda: _identical(3000),
    "quoted_lines_20k": lambda: _quoted(20_000),
    "short_lines_50k": lambda: _short_lines(50_000),
    "short_lines_50k_self": lambda: _short_lines(50_000, self_compare=True),
}


def run_case(name: str, tmp: Path, timeout: float) -> dict[str, object]:
    a_text, b_text = CASES[name]()
    a, b = tmp / f"{name}-a.txt", tmp / f"{name}-b.txt"
    a.write_text(a_text, encoding="utf-8")
    b.write_text(b_text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, str(a), str(b)], capture_output=True, timeout=timeout,
                           env=env)
    except subprocess.TimeoutExpired:
        return {"bytes": [a.stat().st_size, b.stat().st_size], "error": f"over {timeout:g} s"}
    out: dict[str, object] = {"bytes": [a.stat().st_size, b.stat().st_size]}
    if p.returncode != 0:
        out["error"] = p.stderr.decode(errors="replace").strip().splitlines()[-1:]
        return out
    out.update(json.loads(p.stdout))
    out["process_s"] = round(time.perf_counter() - t, 2)
    out["within_goal"] = out["peak_rss_mb"] <= GOAL_MB  # type: ignore[operator]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per case")
    ap.add_argument("--out", default="benchmarks/results/hostile_inputs.json", help="relative to the repository")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    names = [c for c in args.cases.split(",") if c]
    unknown = set(names) - set(CASES)
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            load = round(os.getloadavg()[0], 2)
            results[name] = {**run_case(name, Path(tmp), args.timeout), "loadavg_1m": load}
            print(name, json.dumps(results[name]), file=sys.stderr)
    report = {
        "benchmark": "hostile_inputs",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "nice -n 10 .venv/bin/python benchmarks/hostile_inputs.py"
                   + ("" if names == list(CASES) else f" --cases {','.join(names)}"),
        "goal_peak_rss_mb": GOAL_MB,
        "cases": results,
    }
    text = json.dumps(report, indent=2)
    print(text)
    (ROOT / args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
