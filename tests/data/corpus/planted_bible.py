"""Build and score a planted corpus from the parallel Bible (for the figures in the corpus report).

    python tests/data/corpus/planted_bible.py build 10000 out.jsonl [--seed 1]
    storydiff corpus add out.db out.jsonl && storydiff corpus cluster out.db
    python tests/data/corpus/planted_bible.py score out.db

30% of the documents are planted groups of six: a base passage (4-7 runs of
2-5 WEB verses), an exact copy, a trimmed copy (70% of the verses), an edited
copy (15% of the words replaced), a re-worded copy (KJV) and a heavily
re-worded copy (YLT); the rest are unrelated WEB passages (which may share
verses by chance, as real reuse does). Ids are ``c<group>/<kind>`` or ``s<n>``.
Reads ../shared/data/bible-parallel-en/verses.tsv (see its SOURCE.md).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import random
from pathlib import Path

VERSES = Path(__file__).resolve().parents[4] / "shared" / "data" / "bible-parallel-en" / "verses.tsv"


def build(n: int, out: str, seed: int) -> None:
    with VERSES.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                if r["web"] and r["kjv"] and r["ylt"]]
    rng = random.Random(seed)
    words = [w for r in rng.sample(rows, 2000) for w in r["web"].split()]

    def passage() -> list[list[dict[str, str]]]:
        out_ = []
        for _ in range(rng.randint(4, 7)):
            s = rng.randrange(len(rows) - 6)
            out_.append(rows[s : s + rng.randint(2, 5)])
        return out_

    def render(paras: list[list[dict[str, str]]], col: str) -> str:
        return "\n\n".join(" ".join(v[col] for v in p) for p in paras)

    docs = []
    for c in range(int(n * 0.3) // 6):
        p = passage()
        base = render(p, "web")
        flat = [v for para in p for v in para]
        keep = sorted(rng.sample(range(len(flat)), int(len(flat) * 0.7)))
        ws = base.split(" ")
        for _ in range(int(len(ws) * 0.15)):
            ws[rng.randrange(len(ws))] = rng.choice(words)
        for kind, text in (("base", base), ("exact", base), ("trimmed", " ".join(flat[i]["web"] for i in keep)),
                           ("edited", " ".join(ws)), ("reworded", render(p, "kjv")), ("heavy", render(p, "ylt"))):
            docs.append((f"c{c}/{kind}", text))
    i = 0
    while len(docs) < n:
        docs.append((f"s{i}", render(passage(), "web")))
        i += 1
    rng.shuffle(docs)
    with open(out, "w", encoding="utf-8") as fh:
        for doc_id, text in docs:
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")


def score(store: str) -> dict[str, object]:
    import duckdb

    con = duckdb.connect(store, read_only=True)
    label = dict(con.execute("SELECT doc_id, cluster_id FROM clusters").fetchall())
    ids = [r[0] for r in con.execute("SELECT id FROM documents").fetchall()]
    cross = con.execute("SELECT count(*) FROM pairs WHERE verified AND split_part(a, '/', 1) <> split_part(b, '/', 1)"
                        ).fetchall()[0][0]
    verified = con.execute("SELECT count(*) FROM pairs WHERE verified").fetchall()[0][0]
    con.close()
    hits: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for i in ids:
        if "/" in i and not i.endswith("/base"):
            group, kind = i.split("/")
            hits[kind][1] += 1
            hits[kind][0] += int(label.get(i) is not None and label.get(i) == label.get(f"{group}/base"))
    return {"recall_in_base_cluster": {k: round(a / b, 3) for k, (a, b) in sorted(hits.items())},
            "verified_pairs": verified, "verified_pairs_across_groups": cross}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("n", type=int)
    b.add_argument("out")
    b.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("score")
    s.add_argument("store")
    args = ap.parse_args()
    if args.cmd == "build":
        build(args.n, args.out, args.seed)
    else:
        print(json.dumps(score(args.store)))
