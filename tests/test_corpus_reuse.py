"""Passage reuse: passages shared by different documents, offsets, reuse clusters, CLI (storydiff.corpus.passages)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from storydiff.cli import cli
from storydiff.corpus import ReuseConfig, add_documents, reuse
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.passages import align_pair, candidate_pairs_from_postings

PAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "pan13-text-alignment-subset"
VOCAB = [f"{a}{b}" for a in ("ka", "lo", "mi", "ner", "tu", "sa", "vel", "dor") for b in ("pi", "ran", "go", "le", "ste", "mu")]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) + str(rng.randrange(50)) for _ in range(n))


QUOTE = ("The council voted on Tuesday to close the old harbour bridge for repairs, after engineers found cracks "
         "in two of its five supporting piers; the work will take eighteen months and cost about four million "
         "euros, the mayor said, adding that a ferry would run every twenty minutes until it reopens.")


def _corpus(tmp_path: Path) -> Path:
    rng = random.Random(5)
    docs = [
        {"id": "a", "text": f"{_words(rng, 80)}. {QUOTE} {_words(rng, 60)}."},
        {"id": "b", "text": f"{_words(rng, 40)}. {QUOTE.upper()} {_words(rng, 90)}."},
        {"id": "c", "text": f"{_words(rng, 120)}. " + QUOTE.replace("eighteen", "nineteen").replace("Tuesday", "Monday")},
        *({"id": f"z{i}", "text": _words(rng, 150) + "."} for i in range(20)),
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("reuse")
    db = str(work / "c.db")
    add_documents(db, [str(_corpus(work))], config=ClusterConfig(semantic=False))
    return db


def test_align_pair_gives_offsets_of_the_shared_passage() -> None:
    rng = random.Random(1)
    a = f"{_words(rng, 50)}. {QUOTE} {_words(rng, 30)}"
    b = f"Intro: {_words(rng, 20)}! {QUOTE}"
    (a0, a1, b0, b1, words, sim), = align_pair(a, b, ReuseConfig())
    assert a[a0:a1] == b[b0:b1] == QUOTE[:-1]  # word to word: the final full stop is not a word
    assert words == len(QUOTE.split()) and sim == 1.0


def test_reworded_passage_is_found_with_a_lower_similarity() -> None:
    rng = random.Random(2)
    changed = QUOTE.replace("eighteen", "nineteen").replace("Tuesday", "Monday").replace("ferry", "boat")
    (p,) = align_pair(f"{_words(rng, 40)} {QUOTE}", f"{changed} {_words(rng, 40)}", ReuseConfig())
    assert 0.9 < p[5] < 1.0


def test_documents_sharing_no_passage_give_nothing() -> None:
    rng = random.Random(3)
    assert align_pair(_words(rng, 300), _words(rng, 300), ReuseConfig()) == []


def test_short_shared_phrases_are_below_min_words() -> None:
    shared = " ".join(QUOTE.split()[:20])
    rng = random.Random(4)
    assert align_pair(f"{_words(rng, 50)} {shared}", f"{shared} {_words(rng, 50)}", ReuseConfig()) == []
    assert len(align_pair(f"{_words(rng, 50)} {shared}", f"{shared} {_words(rng, 50)}", ReuseConfig(min_words=15))) == 1


def test_boilerplate_ngrams_are_not_evidence() -> None:
    hashes = np.repeat(np.arange(6, dtype=np.uint64), 3)
    docs = np.tile(np.arange(3), 6)
    assert candidate_pairs_from_postings(hashes, docs, ReuseConfig(min_shared=5)).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert candidate_pairs_from_postings(hashes, docs, ReuseConfig(min_shared=5, max_df=2)).size == 0


def test_reuse_finds_one_cluster_across_three_documents(store: str) -> None:
    found = reuse(store)
    assert {(p.a, p.b) for p in found.passages} == {("a", "b"), ("a", "c"), ("b", "c")}
    (top, *rest) = found.clusters
    assert top.documents == 3 and {o.doc for o in top.occurrences} == {"a", "b", "c"}
    assert not rest
    for p in found.passages:
        assert p.words >= 30 and p.cluster == top.id
    by_doc = found.by_document()
    assert set(by_doc) == {"a", "b", "c"} and len(by_doc["a"]) == 2


def test_offsets_slice_the_quoted_text(store: str) -> None:
    from storydiff.corpus import load_document

    for p in reuse(store).passages:
        assert load_document(store, p.a).text[p.a_start : p.a_end] == p.a_text
        assert load_document(store, p.b).text[p.b_start : p.b_end] == p.b_text


def test_cli_reuse_formats_and_no_overwrite(store: str, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["corpus", "reuse", store, "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) == {"documents", "candidate_pairs", "passages", "clusters", "by_document"}
    res = runner.invoke(cli, ["corpus", "reuse", store, "-q", "--format", "csv"])
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("cluster,a,a_start") and len(lines) == 4
    out = tmp_path / "reuse.html"
    res = runner.invoke(cli, ["corpus", "reuse", store, "-q", "--format", "html", "-o", str(out)])
    assert res.exit_code == 0 and "harbour bridge" in out.read_text() and "<script" not in out.read_text()
    res = runner.invoke(cli, ["corpus", "reuse", store, "-q", "--format", "html", "-o", str(out)])
    assert res.exit_code != 0 and "does not overwrite" in str(res.exception)


def test_min_words_below_the_ngram_size_is_refused(store: str) -> None:
    from storydiff.errors import OptionError

    with pytest.raises(OptionError, match="min_words must be at least"):
        reuse(store, min_words=3)


@pytest.mark.skipif(not PAN.is_dir(), reason="the PAN subset (../shared/data/pan13-text-alignment-subset) is absent")
def test_reuse_finds_pan_gold_passages(tmp_path: Path) -> None:
    """Real data: 12 gold pairs of the PAN no-obfuscation set; passages within 100 characters of the gold spans."""
    import xml.etree.ElementTree as ET

    gold = []
    for xml in sorted((PAN / "02-no-obfuscation").glob("*.xml"))[:12]:
        root = ET.parse(xml).getroot()
        for f in root.iter("feature"):
            gold.append((root.get("reference"), int(f.get("this_offset")), int(f.get("this_length")),
                         f.get("source_reference"), int(f.get("source_offset")), int(f.get("source_length"))))
    files = sorted({g[0] for g in gold} | {g[3] for g in gold})
    rows = [{"id": name, "text": (PAN / ("susp" if name.startswith("susp") else "src") / name).read_text()}
            for name in files]
    (tmp_path / "pan.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = str(tmp_path / "pan.db")
    add_documents(db, [str(tmp_path / "pan.jsonl")], config=ClusterConfig(semantic=False))
    found = reuse(db).passages

    def hit(g: tuple) -> bool:
        susp, s0, sl, src, r0, rl = g
        for p in found:
            side = {p.a: (p.a_start, p.a_end), p.b: (p.b_start, p.b_end)}
            if susp in side and src in side:
                (ss, se), (rs, re_) = side[susp], side[src]
                if ss < s0 + sl + 100 and se > s0 - 100 and rs < r0 + rl + 100 and re_ > r0 - 100:
                    return True
        return False

    assert sum(map(hit, gold)) / len(gold) >= 0.8


def test_reuse_csv_cells_that_would_start_a_formula_are_text() -> None:
    import csv
    import io

    from storydiff.corpus.pages import reuse_csv
    from storydiff.corpus.passages import Passage, Reuse

    text = '=HYPERLINK("http://example.invalid","the harbour bridge will open in May")'
    found = Reuse((Passage("-doc", 0, len(text), "b", 0, len(text), 9, 1.0, text, text, "r1"),), (), 2, 1)
    row = next(csv.DictReader(io.StringIO(reuse_csv(found))))
    assert row["a_text"] == "'" + text and row["a"] == "'-doc" and row["a_end"] == str(len(text))
