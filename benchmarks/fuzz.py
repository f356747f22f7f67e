"""Fuzz compare for a given time with the properties of tests/test_fuzz.py.

The suite runs a few dozen examples of each kind; this runs the same
strategies (random Unicode, random edits of the examples, decomposed and
combining text, NFD copies of the examples) and the same checks
(``test_fuzz.check_pair``: no exception, offsets inside the documents and
slices equal to the quoted text, JSON valid against the shipped schema,
no control character in the text reports, ``compare(x, x)`` with no change
and no move) in rounds of ``--batch`` examples per kind, each round with its
own Hypothesis seed, until ``--minutes`` have passed. Failures are counted,
not shrunk, and the first few of each kind are recorded with their input.

Usage:
    nice -n 10 .venv/bin/python benchmarks/fuzz.py --minutes 10

Prints JSON and writes benchmarks/results/fuzz.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEEP_EXAMPLES = 3


def _where(e: BaseException) -> str:
    """``module.py:line`` where the exception was raised (what tells two failures apart)."""
    frame = traceback.extract_tb(e.__traceback__)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


def _property(tf: Any, kind: str, strategy: Any, round_: int, batch: int, deadline: float,
              record: Callable[[str, tuple[str, str], Exception | None], None]) -> Callable[[], None]:
    """One round of one kind: ``batch`` examples under seed ``round_``, each checked and recorded."""
    from hypothesis import HealthCheck, given, seed, settings

    @seed(round_)
    @settings(max_examples=batch, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(pair: tuple[str, str]) -> None:
        if time.monotonic() >= deadline:
            return
        try:
            tf.check_pair(*pair)
        except Exception as e:  # every failure is counted; none stops the run
            record(kind, pair, e)
        else:
            record(kind, pair, None)

    return prop  # type: ignore[no-any-return]


def run(minutes: float, batch: int) -> dict[str, Any]:
    import test_fuzz as tf

    cases: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    kinds: Counter[str] = Counter()  # (kind, exception, where) → count
    examples: list[dict[str, str]] = []
    deadline = time.monotonic() + 60 * minutes
    rounds = 0

    def record(kind: str, pair: tuple[str, str], e: Exception | None) -> None:
        cases[kind] += 1
        if e is None:
            return
        failures[kind] += 1
        key = f"{kind}: {type(e).__name__} at {_where(e)}"
        kinds[key] += 1
        if kinds[key] <= KEEP_EXAMPLES:
            examples.append({"failure": key, "message": str(e)[:500], "a": pair[0][:2000], "b": pair[1][:2000]})

    while time.monotonic() < deadline:
        for kind, strategy in tf.STRATEGIES.items():
            if time.monotonic() >= deadline:
                break

            _property(tf, kind, strategy, rounds, batch, deadline, record)()
        rounds += 1
    return {"rounds": rounds, "cases": sum(cases.values()), "failures": sum(failures.values()),
            "cases_by_kind": dict(sorted(cases.items())), "failures_by_kind": dict(sorted(failures.items())),
            "distinct_failures": dict(sorted(kinds.items())), "failure_examples": examples}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--batch", type=int, default=200, help="examples per kind and round (one seed per round)")
    ap.add_argument("--out", default="benchmarks/results/fuzz.json", help="results file, relative to the repository")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    import storydiff

    started = time.monotonic()
    result = run(args.minutes, args.batch)
    report = {
        "benchmark": "fuzz",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": f"nice -n 10 .venv/bin/python benchmarks/fuzz.py --minutes {args.minutes:g} --batch {args.batch}",
        "storydiff_version": storydiff.__version__,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "wall_s": round(time.monotonic() - started, 1),
        **result,
    }
    text = json.dumps(report, indent=2, ensure_ascii=True)
    print(text)
    out = ROOT / args.out
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
