"""Synthetic corpus with planted clusters of versions, built from real verses.

Source: ``../shared/data/bible-parallel-en/verses.tsv`` (see its SOURCE.md);
only verses with text in ``web``, ``kjv`` and ``ylt`` are used. Design as in
``../shared/research/feasibility-corpus.md`` §1:

* a document is 4–9 paragraphs, each a run of 2–6 consecutive verses (``web``)
  from a random place, 300–800 words; a verse counts as a sentence;
* 30% of documents sit in planted clusters of 8: the base plus ``exact``,
  ``trimmed`` (20–40% of verses dropped, order kept), ``edited`` (10–20% of
  words changed: 70% substituted by a random corpus word, 15% deleted, 15%
  inserted), ``reordered`` (paragraphs shuffled), ``reworded`` (same verses,
  ``kjv``), ``reworded_heavy`` (same verses, ``ylt``) and ``combo`` (20%
  trimmed + 10% edited + reordered); the other 70% are singletons;
* document order is shuffled; everything follows from ``--seed``.

Every document is regenerated from its own seeded ``random.Random``, so rows
are produced one Parquet row group at a time and memory stays bounded at 1M.

Outputs in ``--out`` (default ``benchmarks/out/``, git-ignored):

* ``corpus_<size>.parquet``: ``id``, ``text``, ``date`` (ISO day; a base is
  dated before its versions), ``source``;
* ``corpus_<size>_gold.parquet``: ``id``, ``cluster`` (-1 for singletons),
  ``version`` (``base``, one of the seven types, or ``singleton``),
  ``verses`` (list of verse row numbers, for lenient precision).

Usage::

    .venv/bin/python benchmarks/corpus_gen.py --size 10k
    .venv/bin/python benchmarks/corpus_gen.py --size 1M --row-group 50000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
VERSES = ROOT.parent / "shared" / "data" / "bible-parallel-en" / "verses.tsv"
OUT = ROOT / "benchmarks" / "out"

CLUSTER_SIZE = 8
CLUSTER_FRACTION = 0.30
VERSIONS = ("base", "exact", "trimmed", "edited", "reordered", "reworded", "reworded_heavy", "combo")
SOURCES = tuple(f"site{i:02d}" for i in range(40))
EPOCH = dt.date(2024, 1, 1)
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}

# Paragraph = list of verse row numbers; a layout is a list of paragraphs.
Layout = list[list[int]]


@dataclass(frozen=True)
class Verses:
    """Parallel verse texts (rows with web, kjv and ylt all present)."""

    web: list[str]
    kjv: list[str]
    ylt: list[str]
    words: np.ndarray  # words per web verse
    vocab: list[str]  # every web token, so random picks follow corpus frequency


def load_verses(path: Path = VERSES) -> Verses:
    """Read the verse table, keeping rows that have web, kjv and ylt text."""
    csv.field_size_limit(sys.maxsize)
    web: list[str] = []
    kjv: list[str] = []
    ylt: list[str] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["web"] and row["kjv"] and row["ylt"]:
                web.append(row["web"])
                kjv.append(row["kjv"])
                ylt.append(row["ylt"])
    words = np.array([len(v.split()) for v in web], dtype=np.int32)
    vocab = [w for v in web for w in v.split()]
    return Verses(web, kjv, ylt, words, vocab)


def base_layout(rng: random.Random, verses: Verses) -> Layout:
    """4–9 paragraphs of 2–6 consecutive verses, 300–800 words (rejection sampling)."""
    n = len(verses.web)
    while True:
        paras = []
        for _ in range(rng.randint(4, 9)):
            length = rng.randint(2, 6)
            start = rng.randrange(n - length)
            paras.append(list(range(start, start + length)))
        total = sum(int(verses.words[v]) for p in paras for v in p)
        if 300 <= total <= 800:
            return paras


def trim(rng: random.Random, layout: Layout, frac: float) -> Layout:
    """Drop ``frac`` of the verses, keep order, drop emptied paragraphs."""
    flat = [v for p in layout for v in p]
    drop = set(rng.sample(flat, round(frac * len(flat))))
    return [kept for p in layout if (kept := [v for v in p if v not in drop])]


def reorder(rng: random.Random, layout: Layout) -> Layout:
    """Shuffle the paragraphs; retry so the order actually changes."""
    out = list(layout)
    for _ in range(10):
        rng.shuffle(out)
        if out != layout:
            break
    return out


def edit_words(rng: random.Random, text: str, rate: float, vocab: list[str]) -> str:
    """Change ``rate`` of the words: 70% substituted, 15% deleted, 15% inserted."""
    out: list[str] = []
    for word in text.split(" "):
        if rng.random() >= rate:
            out.append(word)
            continue
        op = rng.random()
        if op < 0.70:
            out.append(vocab[rng.randrange(len(vocab))])
        elif op < 0.85:
            continue
        else:
            out.extend((word, vocab[rng.randrange(len(vocab))]))
    return " ".join(out)


def render(layout: Layout, texts: list[str]) -> list[str]:
    """Paragraph strings for a layout in one translation."""
    return [" ".join(texts[v] for v in p) for p in layout]


def make_version(version: str, base: Layout, rng: random.Random, verses: Verses) -> tuple[str, Layout]:
    """Text and layout of one member of a planted cluster."""
    texts, layout, edit = verses.web, base, 0.0
    if version == "trimmed":
        layout = trim(rng, base, rng.uniform(0.2, 0.4))
    elif version == "edited":
        edit = rng.uniform(0.1, 0.2)
    elif version == "reordered":
        layout = reorder(rng, base)
    elif version == "reworded":
        texts = verses.kjv
    elif version == "reworded_heavy":
        texts = verses.ylt
    elif version == "combo":
        layout, edit = reorder(rng, trim(rng, base, 0.2)), 0.1
    paras = render(layout, texts)
    if edit:
        paras = [edit_words(rng, p, edit, verses.vocab) for p in paras]
    return "\n\n".join(paras), layout


@dataclass(frozen=True)
class Plan:
    """Which logical document sits in each output row."""

    n_docs: int
    n_clusters: int
    order: np.ndarray  # row -> logical index; logical < n_clusters*8 is a cluster member
    seed: int


def plan(n_docs: int, seed: int) -> Plan:
    """Cluster count (30% of documents, clusters of 8) and a shuffled row order."""
    n_clusters = round(CLUSTER_FRACTION * n_docs / CLUSTER_SIZE)
    order = np.random.default_rng(seed).permutation(n_docs)
    return Plan(n_docs, n_clusters, order, seed)


def make_doc(logical: int, p: Plan, verses: Verses) -> dict[str, object]:
    """One document (without its id) and its gold, from its logical index alone."""
    planted = p.n_clusters * CLUSTER_SIZE
    if logical < planted:
        cluster, member = divmod(logical, CLUSTER_SIZE)
        brng = random.Random(p.seed * 1_000_003 + 2 * cluster)
        base = base_layout(brng, verses)
        day0, source0 = brng.randrange(300), brng.choice(SOURCES)
        version = VERSIONS[member]
        vrng = random.Random((p.seed * 1_000_003 + 2 * cluster + 1) * 16 + member)
        text, layout = make_version(version, base, vrng, verses)
        day = day0 if member == 0 else day0 + vrng.randint(1, 30)
        source = source0 if member == 0 else vrng.choice(SOURCES)
    else:
        cluster, version = -1, "singleton"
        rng = random.Random(-(p.seed * 1_000_003 + logical + 1))
        layout = base_layout(rng, verses)
        text = "\n\n".join(render(layout, verses.web))
        day, source = rng.randrange(330), rng.choice(SOURCES)
    return {
        "text": text,
        "date": (EPOCH + dt.timedelta(days=day)).isoformat(),
        "source": source,
        "cluster": cluster,
        "version": version,
        "verses": sorted({v for para in layout for v in para}),
    }


def batches(p: Plan, verses: Verses, row_group: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Corpus and gold tables, one row group at a time."""
    for lo in range(0, p.n_docs, row_group):
        rows = range(lo, min(lo + row_group, p.n_docs))
        docs = [make_doc(int(p.order[r]), p, verses) for r in rows]
        ids = [f"d{r:07d}" for r in rows]
        corpus = pa.table(
            {
                "id": ids,
                "text": [d["text"] for d in docs],
                "date": [d["date"] for d in docs],
                "source": [d["source"] for d in docs],
            }
        )
        gold = pa.table(
            {
                "id": ids,
                "cluster": pa.array([d["cluster"] for d in docs], pa.int32()),
                "version": [d["version"] for d in docs],
                "verses": pa.array([d["verses"] for d in docs], pa.list_(pa.int32())),
            }
        )
        yield corpus, gold


def generate(n_docs: int, *, seed: int = 1, out: Path = OUT, row_group: int = 20_000, name: str | None = None) -> dict[str, object]:
    """Write ``corpus_<name>.parquet`` and ``corpus_<name>_gold.parquet``; return a summary."""
    t0 = time.perf_counter()
    verses = load_verses()
    p = plan(n_docs, seed)
    name = name or next((k for k, v in SIZES.items() if v == n_docs), str(n_docs))
    out.mkdir(parents=True, exist_ok=True)
    corpus_path, gold_path = out / f"corpus_{name}.parquet", out / f"corpus_{name}_gold.parquet"
    writers: tuple[pq.ParquetWriter, pq.ParquetWriter] | None = None
    words = 0
    for corpus, gold in batches(p, verses, row_group):
        if writers is None:
            writers = (pq.ParquetWriter(corpus_path, corpus.schema), pq.ParquetWriter(gold_path, gold.schema))
        writers[0].write_table(corpus)
        writers[1].write_table(gold)
        words += sum(len(t.split()) for t in corpus.column("text").to_pylist())
    assert writers is not None
    for w in writers:
        w.close()
    return {
        "corpus": str(corpus_path),
        "gold": str(gold_path),
        "n_docs": n_docs,
        "n_clusters": p.n_clusters,
        "seed": seed,
        "mean_words": round(words / n_docs, 1),
        "bytes": corpus_path.stat().st_size,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="10k", help="1k, 10k, 100k, 1M or a number of documents")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--row-group", type=int, default=20_000)
    ap.add_argument("--name", default=None, help="file name part (default: the size), e.g. 30k_s3 for a held-out seed")
    args = ap.parse_args(argv)
    n = SIZES.get(args.size) or int(args.size)
    name = args.name or (args.size if args.size in SIZES else None)
    print(json.dumps(generate(n, seed=args.seed, out=args.out, row_group=args.row_group, name=name), indent=2))


if __name__ == "__main__":
    main()
