"""`corpus stemma`: each cluster collated, its stemma stored, the stemma naming the origin (issue 15).

Two stories from the parallel Bible (../shared/data/bible-parallel-en): story 0 is a
base text, a copy that drops a paragraph and a copy of that copy that drops another
and edits some words, all undated; story 1 is a dated base, a later trimmed copy and
the same verses in the KJV (another translation: no copy of the base's words).
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from storydiff.cli import cli
from storydiff.corpus import add_documents, cluster, read_clusters, stemmas
from storydiff.corpus.origin import cluster_origin
from storydiff.errors import CorpusError, OptionError

VERSES = Path(__file__).resolve().parents[2] / "shared" / "data" / "bible-parallel-en" / "verses.tsv"


def _docs() -> list[dict[str, str]]:
    if not VERSES.is_file():
        pytest.skip(f"{VERSES} not found (needs ../shared beside the checkout)")
    with VERSES.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r["web"] and r["kjv"]]
    rng = random.Random(3)
    starts = rng.sample(range(0, len(rows) - 40, 40), 2 + 12)
    vocab = [w for r in rows[:2000] for w in r["web"].split()]

    def paras(start: int, col: str = "web", drop: tuple[int, ...] = ()) -> list[str]:
        return [" ".join(v[col] for v in rows[start + 6 * p : start + 6 * p + 5]) for p in range(6) if p not in drop]

    a = starts[0]
    copy2 = "\n\n".join(paras(a, drop=(1, 4))).split(" ")
    for k in rng.sample(range(len(copy2)), 12):
        copy2[k] = rng.choice(vocab)
    b = starts[1]
    out = [{"id": "a/base", "text": "\n\n".join(paras(a))},
           {"id": "a/copy", "text": "\n\n".join(paras(a, drop=(4,)))},
           {"id": "a/copy-of-copy", "text": " ".join(copy2)},
           {"id": "b/base", "text": "\n\n".join(paras(b)), "date": "2024-01-01"},
           {"id": "b/trimmed", "text": "\n\n".join(paras(b, drop=(2,))), "date": "2024-01-05"},
           {"id": "b/kjv", "text": "\n\n".join(paras(b, "kjv")), "date": "2024-01-03"}]
    out += [{"id": f"single{i}", "text": " ".join(v["web"] for v in rows[s : s + 25])}
            for i, s in enumerate(starts[2:])]
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("stemma")
    src, db = tmp / "docs.jsonl", tmp / "c.db"
    src.write_text("".join(json.dumps(d) + "\n" for d in _docs()), encoding="utf-8")
    add_documents(str(db), [str(src)])
    cluster(str(db))
    return db


def _by_first(db: Path) -> dict[str, object]:
    return {c.members[0].split("/")[0]: c for c in read_clusters(str(db))}


@pytest.mark.issue(15)
def test_stemma_names_the_origin_and_is_stored(store, tmp_path):
    db = tmp_path / "c.db"
    db.write_bytes(store.read_bytes())
    before = _by_first(db)
    assert sorted(before["a"].members) == ["a/base", "a/copy", "a/copy-of-copy"]
    assert before["a"].origin is None and before["a"].origin_reason == "no member has a date"
    assert before["a"].stemma is None

    s = stemmas(str(db))
    assert (s.computed, s.reused, s.failed) == (2, 0, 0)
    after = _by_first(db)
    a, b = after["a"], after["b"]
    # no member is dated: the stemma's root is reported as a guess, never named the origin
    assert a.origin is None
    assert a.origin_reason.startswith("no member is dated; the stemma's root, a/base, rests on the words alone")
    edges = {(e["from"], e["to"]) for e in a.stemma["edges"]}
    assert ("a/base", "a/copy") in edges and ("a/copy", "a/copy-of-copy") in edges
    assert all(0.0 <= e["confidence"] <= 1.0 and e["decided_by"] and e["evidence"] for e in a.stemma["edges"])
    # another translation is no copy of the base's words: the stemma leaves it unrelated, and the
    # dates, which it does not contradict, name the base
    assert "b/kjv" in b.stemma["unrelated"]
    assert b.origin == "b/base" and b.origin_reason.startswith("earliest date (2024-01-01), and no source of it")

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM stemmas").fetchall() == [(2,)]
    assert con.execute("SELECT source, copy, kind FROM stemma_edges WHERE copy = 'a/copy'").fetchall() == [
        ("a/base", "a/copy", "copy")]
    assert con.execute("SELECT doc_id FROM clusters WHERE is_origin ORDER BY doc_id").fetchall() == [("b/base",)]
    con.close()

    # a rerun of `cluster` gives the same members: the stored stemma still names the origin, and is reused
    cluster(str(db))
    assert _by_first(db)["a"].origin_reason.startswith("no member is dated; the stemma's root, a/base")
    again = stemmas(str(db))
    assert (again.computed, again.reused, again.origins) == (0, 2, 1)


@pytest.mark.issue(15)
def test_cli_stemma_clusters_and_show(store, tmp_path):
    db = tmp_path / "c.db"
    db.write_bytes(store.read_bytes())
    a = _by_first(db)["a"]
    runner = CliRunner()
    res = runner.invoke(cli, ["corpus", "stemma", str(db), "--cluster", a.id, "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["corpus", "clusters", str(db), "--format", "json"])
    listed = {c["id"]: c for c in json.loads(res.stdout)["clusters"]}
    assert listed[a.id]["origin"] is None and "a/base" in listed[a.id]["origin_reason"]
    assert listed[a.id]["stemma"]["edges"]
    assert all(c["stemma"] is None for cid, c in listed.items() if cid != a.id)
    res = runner.invoke(cli, ["corpus", "clusters", str(db)])
    assert "a/base" in res.stdout and "no member is" in res.stdout  # the table wraps long cells

    page = tmp_path / "a.html"
    res = runner.invoke(cli, ["corpus", "show", str(db), a.id, "-o", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text()
    assert "<svg" in html and f"corpus cluster {a.id}" in html and "<script" not in html
    res = runner.invoke(cli, ["corpus", "show", str(db), a.id, "--view", "versions"])
    assert "a/base → a/copy: copy, confidence" in res.stdout

    res = runner.invoke(cli, ["corpus", "stemma", str(db), "--cluster", "c999"])
    assert res.exit_code != 0 and "no cluster 'c999'" in str(res.exception)

    # cluster --stemma: the run, then every cluster's stemma (the one stored above is reused)
    res = runner.invoke(cli, ["corpus", "cluster", str(db), "--stemma", "-q"])
    assert res.exit_code == 0, res.output
    assert all(c.stemma is not None for c in read_clusters(str(db)))


def test_stemma_refuses_bad_arguments(store, tmp_path):
    with pytest.raises(OptionError, match="between 2 and 50"):
        stemmas(str(store), max_members=51)
    empty = tmp_path / "e.jsonl"
    empty.write_text('{"id": "x", "text": "One lonely document with a few words in it."}\n')
    add_documents(str(tmp_path / "e.db"), [str(empty)])
    with pytest.raises(CorpusError, match="no clusters yet"):
        stemmas(str(tmp_path / "e.db"))


FAMILIES = "the versions form 2 unrelated families"


@pytest.mark.parametrize("dates,stemma,roots,main,expected", [
    ([None, "2024-01-02", None], ("b", "root of the stemma"), (), None, ("b", "root of the stemma")),
    # no member is dated: the words alone orient the stemma, so its root is reported as a guess, not named
    ([None, None, None], ("b", "root of the stemma"), (), None,
     (None, "no member is dated; the stemma's root, b, rests on the words alone (a copy is taken to drop more than it adds, which drafts that grow get backwards)")),
    ([None, None, None], (None, FAMILIES), ("a", "c"), ("a", 2),
     (None, "no member is dated; the stemma's root, a, rests on the words alone (a copy is taken to drop more than it adds, which drafts that grow get backwards)")),
    # dates that do not decide (a member undated): the family holding most members names its root
    ([None, "2024-01-02", None], (None, FAMILIES), ("a", "c"), ("a", 2),
     ("a", "root of the stemma's main family (2 of 3 versions; the others share no copied wording with it)")),
    # the dates decide, and the stemma gives that member no source
    (["2024-01-01", "2024-02-01", "2024-03-01"], (None, FAMILIES), ("a", "c"), ("c", 2),
     ("a", f"earliest date (2024-01-01), and no source of it in the stemma ({FAMILIES})")),
    # the dates and the stemma disagree: no origin
    (["2024-01-01", "2024-02-01", "2024-03-01"], (None, FAMILIES), ("c",), ("c", 2),
     (None, f"stemma: {FAMILIES}; the earliest dated, a, is a copy in it")),
    ([None, "2024-02-01", None], (None, "the common source is lost (a hypothetical version)"), (), None,
     (None, "stemma: the common source is lost (a hypothetical version)")),
])
def test_cluster_origin_weighs_the_stemma_before_the_dates(dates, stemma, roots, main, expected):
    assert cluster_origin(["a", "b", "c"], dates, stemma=stemma, stemma_roots=roots, stemma_main=main) == expected
