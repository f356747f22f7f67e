"""Document clustering on real revisions: IteraTeR documents, their excerpts, and the planted rule's limits.

Data: ``../shared/data/iterater-human`` (train and dev doc-level files; the test
split is withheld): real revisions of arXiv abstracts, Wikipedia and Wikinews
articles (SOURCE.md). Every revision of one ``doc_id`` is one gold cluster:
its ``before`` and ``after`` texts, plus one **excerpt** per document — a
contiguous run of 30-50% of the sentences of its latest text (a copy of part of
a source) — and one **short excerpt** of 2-3 sentences for documents of at least
8 sentences. Documents of different ``doc_id`` are different texts (many on the
same topic: arXiv abstracts about translation, Wikinews stories).

For each variant (``--variant name:key=value,...``, ClusterConfig overrides) the
script clusters one store (lexical and semantic steps, default settings) and
scores pairwise precision/recall/F1 against the gold clusters, and recall per
kind of member (revision, excerpt, short excerpt).

Usage::

    .venv/bin/python benchmarks/corpus_real.py
    .venv/bin/python benchmarks/corpus_real.py --variant nocontain:contain_threshold=1.01
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "iterater-human"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bench import command_line  # noqa: E402

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def documents(seed: int = 1) -> list[dict[str, str]]:
    """Revisions, excerpts and short excerpts, each with its gold cluster and kind."""
    rng = random.Random(seed)
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for split in ("train", "dev"):
        for line in (DATA / f"doc_level_{split}.json").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                by_doc[row["doc_id"]].append(row)
    out: list[dict[str, str]] = []
    for doc_id, rows in sorted(by_doc.items()):
        rows.sort(key=lambda r: r["revision_depth"])
        texts = list(dict.fromkeys([rows[0]["before_revision"]] + [r["after_revision"] for r in rows]))
        for k, text in enumerate(texts):
            out.append({"id": f"{doc_id}/v{k}", "text": text, "gold": doc_id, "kind": "revision"})
        sents = [s for s in _SENT.split(texts[-1]) if s.strip()]
        if len(sents) >= 4:
            size = max(2, round(len(sents) * rng.uniform(0.3, 0.5)))
            start = rng.randrange(len(sents) - size + 1)
            out.append({"id": f"{doc_id}/excerpt", "text": " ".join(sents[start : start + size]), "gold": doc_id,
                        "kind": "excerpt"})
        if len(sents) >= 8:
            start = rng.randrange(len(sents) - 2)
            out.append({"id": f"{doc_id}/short", "text": " ".join(sents[start : start + rng.choice((2, 3))]),
                        "gold": doc_id, "kind": "short_excerpt"})
    return out


def score(docs: list[dict[str, str]], clusters: list) -> dict[str, object]:
    label = {d["id"]: d["id"] for d in docs}
    for c in clusters:
        for m in c.members:
            label[m] = c.id
    gold = {d["id"]: d["gold"] for d in docs}
    by_gold: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        by_gold[d["gold"]].append(d["id"])
    by_found: dict[str, list[str]] = defaultdict(list)
    for i, lab in label.items():
        by_found[lab].append(i)
    true_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_gold.values())
    found_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_found.values())
    right = sum(1 for v in by_found.values() for a, b in combinations(v, 2) if gold[a] == gold[b])
    p, r = right / max(found_pairs, 1), right / max(true_pairs, 1)
    recall_by_kind = {}
    for kind in ("revision", "excerpt", "short_excerpt"):
        members = [d for d in docs if d["kind"] == kind and len(by_gold[d["gold"]]) > 1]
        with_sibling = sum(1 for d in members if any(label[o] == label[d["id"]] for o in by_gold[d["gold"]] if o != d["id"]))
        recall_by_kind[kind] = round(with_sibling / max(len(members), 1), 4)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-9), 4),
            "true_pairs": true_pairs, "found_pairs": found_pairs, "recall_by_kind": recall_by_kind,
            "largest_cluster": max((len(v) for v in by_found.values()), default=0)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", action="append", default=[], help="name:key=value,... ClusterConfig overrides")
    ap.add_argument("--tag", default="")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        sys.exit(f"{DATA} missing: IteraTeR is not available here")
    from storydiff.corpus import ClusterConfig, add_documents, cluster, read_clusters

    docs = documents()
    kinds: dict[str, int] = defaultdict(int)
    for d in docs:
        kinds[d["kind"]] += 1
    result: dict[str, object] = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "loadavg": [round(x, 2) for x in os.getloadavg()], "command": command_line(),
                                 "documents": len(docs), "kinds": dict(kinds),
                                 "gold_clusters": len({d["gold"] for d in docs}), "variants": {}}
    work = Path(tempfile.mkdtemp(prefix="sd_real_"))
    try:
        src = work / "docs.jsonl"
        src.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n" for d in docs))
        base = work / "base.db"
        add_documents(str(base), [str(src)])
        for spec in ["default", *args.variant]:
            name, _, rest = spec.partition(":")
            over = {k: json.loads(v) for k, v in (kv.split("=", 1) for kv in rest.split(",") if kv)}
            db = work / f"{name}.db"
            shutil.copy(base, db)
            t0 = time.perf_counter()
            summary = cluster(str(db), config=ClusterConfig(**over))
            result["variants"][name] = {"overrides": over, "seconds": round(time.perf_counter() - t0, 2),  # type: ignore[index]
                                        "checked": summary.checked, **score(docs, read_clusters(str(db)))}
            print(name, json.dumps(result["variants"][name]), file=sys.stderr)  # type: ignore[index]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"corpus_real{args.tag}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
