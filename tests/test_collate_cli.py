"""`storydiff collate` end to end (subprocess), its formats and exports, and a real manuscript tradition."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.issue(15)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEI = "{http://www.tei-c.org/ns/1.0}"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "storydiff", "collate", *args], capture_output=True, timeout=180,
                          env=env, text=True)


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Path:
    """Four real files: the example article, a trimmed copy, a copy of that with a changed figure, and an
    HTML page copied from the last one, dropping its final paragraph."""
    d = tmp_path_factory.mktemp("versions")
    text = (EXAMPLES / "bridge-original.txt").read_text(encoding="utf-8")
    paras = text.split("\n\n")
    trimmed = "\n\n".join(p for p in paras if not p.startswith("Critics also"))
    changed = trimmed.replace("€120 million", "€150 million")
    (d / "original.txt").write_text(text, encoding="utf-8")
    (d / "trimmed.txt").write_text(trimmed, encoding="utf-8")
    (d / "changed.txt").write_text(changed, encoding="utf-8")
    body = "".join(f"<p>{p}</p>" for p in changed.split("\n\n")[1:] if not p.startswith("The old Iron"))
    (d / "page.html").write_text(
        "<!doctype html><html><head><title>Bridge</title></head><body><article><h1>Riverton council approves "
        f"new Danube bridge</h1>{body}</article></body></html>", encoding="utf-8")
    (d / "notes.bin").write_bytes(b"\x00\x01")  # not a text file: a directory listing skips it
    return d


def test_directory_collates_to_valid_json(versions):
    import jsonschema
    from importlib.resources import files

    p = run(str(versions), "--format", "json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    jsonschema.validate(data, json.loads(files("storydiff").joinpath("schema/collation-1.json").read_text()))
    assert [w["id"] for w in data["witnesses"]] == ["changed", "original", "page", "trimmed"]
    copies = {(e["from"], e["to"]) for e in data["stemma"]["edges"]}
    assert copies == {("original", "trimmed"), ("trimmed", "changed"), ("changed", "page")}


def test_text_report_shows_variants_and_stemma(versions):
    p = run(str(versions / "original.txt"), str(versions / "trimmed.txt"), str(versions / "changed.txt"))
    assert p.returncode == 0, p.stderr
    assert "€150 million" in p.stdout and "Who copied whom" in p.stdout
    assert "original  (root)" in p.stdout


def test_glob_names_and_html(versions, tmp_path):
    out = tmp_path / "c.html"
    p = run(str(versions / "*.txt"), "--name", "C", "--name", "O", "--name", "T", "--html", str(out),
            "-f", "markdown", "-o", str(tmp_path / "c.md"))
    assert p.returncode == 0, p.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<svg id=\"stemma\"" in page and "<script" not in page
    assert 'data-from="O" data-to="T"' in page
    md = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert md.startswith("# Collation of 3 versions") and "| row | versions |" in md


def test_csv_has_one_line_per_reading(versions):
    p = run(str(versions / "original.txt"), str(versions / "changed.txt"), "-f", "csv")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert any(r["text"].find("€150 million") >= 0 and r["verdict"] == "changed" for r in rows)
    assert any(r["lacking"] == "changed" for r in rows)


def test_csv_cells_that_would_start_a_formula_are_text(tmp_path):
    (tmp_path / "one.txt").write_text("The mayor opened the bridge on Monday.\n", encoding="utf-8")
    (tmp_path / "two.txt").write_text("The mayor opened the bridge on Monday.\n\n=1+2 people were hurt.\n",
                                      encoding="utf-8")
    p = run(str(tmp_path / "one.txt"), str(tmp_path / "two.txt"), "-f", "csv")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert any(r["text"].startswith("'=1+2 people") for r in rows)
    assert all(not v.startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_exports_parse(versions):
    cx = run(str(versions / "original.txt"), str(versions / "trimmed.txt"), "-f", "collatex")
    assert cx.returncode == 0, cx.stderr
    table = json.loads(cx.stdout)
    assert table["witnesses"] == ["original", "trimmed"]
    assert all(len(col) == 2 for col in table["table"])
    assert any(col[1] is None for col in table["table"])  # the dropped paragraph
    tei = run(str(versions / "original.txt"), str(versions / "changed.txt"), "-f", "tei")
    assert tei.returncode == 0, tei.stderr
    root = ET.fromstring(tei.stdout.encode("utf-8"))
    wits = [w.get("{http://www.w3.org/XML/1998/namespace}id") for w in root.iter(f"{TEI}witness")]
    assert wits == ["original", "changed"]
    rdgs = [r for r in root.iter(f"{TEI}rdg")]
    assert any(r.get("type") == "omission" and r.get("wit") == "#changed" for r in rdgs)


def test_dates_file_orients_the_stemma(versions, tmp_path):
    dates = tmp_path / "dates.csv"
    dates.write_text("id,date\ntrimmed,2024-05-01\nchanged,2024-04-01\n", encoding="utf-8")
    p = run(str(versions / "trimmed.txt"), str(versions / "changed.txt"), "--dates", str(dates), "-f", "json")
    assert p.returncode == 0, p.stderr
    edge = json.loads(p.stdout)["stemma"]["edges"][0]
    assert (edge["from"], edge["to"]) == ("changed", "trimmed") and "dates" in edge["decided_by"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["{d}/original.txt"], "at least 2 versions"),
        (["{d}/original.txt", "{d}/original.txt"], "two versions have the id 'original'"),
        (["{d}/original.txt", "{d}/missing.txt"], "missing.txt: no such file"),
        (["{d}/original.txt", "{d}/trimmed.txt", "--base", "zzz"], "unknown base 'zzz'"),
        (["{d}/original.txt", "{d}/trimmed.txt", "--name", "x"], "1 --name values for 2 files"),
        (["{d}/nothing*.txt"], "matches no file"),
        (["{d}/original.txt", "{d}/trimmed.txt", "--dates", "{d}/none.csv"], "cannot read the dates file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(versions, args, message):
    p = run(*(a.format(d=versions) for a in args))
    assert p.returncode == 2
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_more_than_fifty_versions_is_refused(tmp_path):
    for k in range(51):
        (tmp_path / f"v{k:02d}.txt").write_text(f"Version {k} of the text.", encoding="utf-8")
    p = run(str(tmp_path))
    assert p.returncode == 2 and "at most 50 versions (got 51)" in p.stderr


def test_report_never_overwrites_an_input(versions):
    p = run(str(versions / "original.txt"), str(versions / "trimmed.txt"), "-o", str(versions / "trimmed.txt"))
    assert p.returncode == 2 and "refusing to write" in p.stderr


def test_florilegium_pairs_each_corrected_manuscript_with_its_first_hand(shared_data):
    """A real Greek tradition without punctuation: word windows, and every a.c. witness next to its manuscript
    (linked directly, or the two copies of one lost version: a corrector restoring the common reading leaves the
    first hand with readings the corrected manuscript lacks, as a sibling would)."""
    from storydiff import collate

    wit = sorted((shared_data / "stemma-florilegium" / "witnesses").glob("*.txt"))
    c = collate(wit)
    assert c.passages == "window" and len(c.witnesses) == 17
    near: dict[str, set[str]] = {}
    for e in c.stemma.edges:
        near.setdefault(e.source, set()).add(e.copy)
        near.setdefault(e.copy, set()).add(e.source)
    for w in ("E", "P", "Q", "T"):
        via_lost = {x for h in near[f"{w}-ac"] if h in c.stemma.hypothetical for x in near[h]}
        assert w in near[f"{w}-ac"] | via_lost
    assert not c.stemma.unrelated


def test_dates_auto_reads_html_metadata(tmp_path):
    page = ("<!doctype html><html><head><title>Bridge opens</title><meta property=\"article:published_time\" "
            "content=\"{date}T10:00:00Z\"></head><body><article><h1>Bridge opens</h1><p>The new bridge will open in "
            "{month} after three years of work. It has four lanes for cars and a separate path for cyclists.</p>"
            "<p>The city council approved the plan in 2023. The cost was 120 million euros, half of it lent by a "
            "European bank.</p></article></body></html>")
    (tmp_path / "later.html").write_text(page.format(date="2024-03-01", month="May"), encoding="utf-8")
    (tmp_path / "earlier.html").write_text(page.format(date="2024-02-01", month="June"), encoding="utf-8")
    p = run(str(tmp_path), "--dates", "auto", "-f", "json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert {w["id"]: w["date"][:10] for w in data["witnesses"]} == {"earlier": "2024-02-01", "later": "2024-03-01"}
    edge = data["stemma"]["edges"][0]
    assert (edge["from"], edge["to"]) == ("earlier", "later") and "dates" in edge["decided_by"]
