"""End-to-end tests through the real `storydiff` command (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STORYDIFF = [sys.executable, "-m", "storydiff"]


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*STORYDIFF, *args], input=stdin, capture_output=True, timeout=120, env=e)


@pytest.fixture(scope="module")
def example_json(example_pair) -> dict:
    a, b = example_pair
    p = run("compare", str(a), str(b), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def test_compare_is_the_default_command(example_pair):
    a, b = example_pair
    p = run(str(a), str(b))
    assert p.returncode == 0, p.stderr.decode()
    assert b"\x1b[" not in p.stdout  # no colour codes when not writing to a terminal
    assert b"changed" in p.stdout


def test_json_output_is_valid_against_schema(example_json):
    import jsonschema
    from importlib.resources import files

    schema = json.loads(files("storydiff").joinpath("schema/comparison-1.json").read_text())
    jsonschema.validate(example_json, schema)
    for doc in example_json["documents"]:
        for s in doc["sentences"]:
            assert 0 <= s["start"] < s["end"] <= len(doc["text"])


def test_json_spans_quote_the_document_text(example_json):
    docs = example_json["documents"]
    for c in example_json["changes"]:
        for side, d in (("a", docs[0]), ("b", docs[1])):
            if c[side] is not None:
                assert d["text"][c[side]["start"]:c[side]["end"]] == c[f"{side}_text"]


def test_example_pair_move_added_removed(example_json):
    s = example_json["summary"]
    assert s["moved"] == 1
    moves = [c for c in example_json["changes"] if c["kind"] == "moved"]
    assert "Iron Bridge" in moves[0]["a_text"] and "Iron Bridge" in moves[0]["b_text"]
    removed = " ".join(c["a_text"] for c in example_json["changes"] if c["kind"] == "removed")
    assert "Mark Szabo" in removed
    added = " ".join(c["b_text"] for c in example_json["changes"] if c["kind"] == "added")
    assert "Share this article" in added


def test_output_file_and_refusal_to_overwrite_input(example_pair, tmp_path):
    a, b = example_pair
    out = tmp_path / "report.md"
    p = run("compare", str(a), str(b), "--format", "markdown", "-o", str(out))
    assert p.returncode == 0, p.stderr.decode()
    assert out.read_text(encoding="utf-8").strip()
    copy = tmp_path / "a.txt"
    copy.write_bytes(a.read_bytes())
    p = run("compare", str(copy), str(b), "-o", str(copy))
    assert p.returncode == 2
    assert copy.read_bytes() == a.read_bytes()


def test_stdin_input(example_pair):
    a, b = example_pair
    p = run("compare", "-", str(b), "--format", "json", stdin=a.read_bytes())
    assert p.returncode == 0, p.stderr.decode()
    assert json.loads(p.stdout)["documents"][0]["source"] == "<stdin>"


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: str(d / "missing.txt"), "missing.txt"),
        (lambda d: str(d), "directory"),
        (lambda d: (d / "empty.txt").write_text("") and str(d / "empty.txt") or str(d / "empty.txt"), "empty"),
        (lambda d: (d / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50) and str(d / "bin.txt"),
         "bin.txt"),
        (lambda d: (d / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
         and str(d / "nav.html"), "nav.html"),
    ],
    ids=["missing", "directory", "empty", "binary", "html-without-text"],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path, example_pair, make, fragment):
    bad = make(tmp_path)
    p = run("compare", bad, str(example_pair[1]))
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert fragment in err


def test_too_large_input_is_refused_with_the_limit(example_pair):
    a, b = example_pair
    p = run("compare", str(a), str(b), "--max-bytes", "100")
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err
    assert "--max-bytes" in err


def test_pairs_command_writes_one_json_line_per_row(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("id\ta\tb\textra\n"
                   "p1\tThe vote was 31 to 9.\tThe vote was 31 to 9.\tx\n"
                   "p2\tThe bank lent 60 million.\tThe bank lent 90 million.\ty\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == ["p1", "p2"]
    assert rows[0]["verdict"] == "identical"
    assert rows[1]["verdict"] == "changed"


def test_pairs_without_required_columns(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("x\ty\nfoo\tbar\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 2
    assert "'a' and 'b'" in p.stderr.decode()


@pytest.mark.issue(2)
def test_html_page_against_a_plain_text_version(tmp_path):
    """An HTML page is read for its main text and compared with a re-worded plain-text copy."""
    page = Path(__file__).parent / "data" / "read" / "article.html"
    copy = tmp_path / "copy.txt"
    copy.write_text(
        "The old harbour bridge will be closed to all traffic for eight weeks from 1 April, the council said on "
        "Thursday. During a routine inspection last autumn, engineers found corrosion in two steel girders.\n",
        encoding="utf-8",
    )
    p = run("compare", str(page), str(copy), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    out = json.loads(p.stdout)
    a = out["documents"][0]
    assert a["media_type"] == "text/html" and a["title"] == "Harbour bridge to close for repairs"
    assert "<" not in a["text"]  # markup is gone, only the main text is compared
    assert any(c["category"] == "number" and "six" in (c["a_text"] or "") and "eight" in (c["b_text"] or "")
               for c in out["changes"]), out["changes"]


def run_in_terminal(*args: str, env: dict[str, str]) -> str:
    """Run storydiff with a pseudo-terminal as stdin and stdout (as a person at a terminal does)."""
    import pty

    leader, follower = pty.openpty()
    e = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", **env}
    proc = subprocess.Popen([*STORYDIFF, *args], stdin=follower, stdout=follower, stderr=subprocess.PIPE, env=e)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the program has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.issue(12)
def test_the_report_follows_the_terminal_width_and_pages(example_pair):
    a, b = example_pair
    out = run_in_terminal(str(a), str(b), env={"COLUMNS": "60", "PAGER": "sed s/^/paged:/"})
    lines = [line for line in out.split("\n") if line]
    assert all(line.startswith("paged:") for line in lines)  # through the pager, like git
    assert max(len(line) - len("paged:") for line in lines) <= 60  # no line wider than the terminal
    assert any(len(line) - len("paged:") > 50 for line in lines)  # and the width is used


@pytest.mark.issue(12)
def test_no_pager_prints_straight_to_the_terminal(example_pair):
    a, b = example_pair
    out = run_in_terminal("--no-pager", str(a), str(b), env={"COLUMNS": "80", "PAGER": "sed s/^/paged:/"})
    assert "paged:" not in out and "Summary:" in out


@pytest.mark.issue(12)
def test_a_misspelt_command_is_named_not_read_as_a_file():
    p = run("compre", "a.txt", "b.txt")
    assert p.returncode == 2
    assert b"Did you mean 'compare'?" in p.stderr


@pytest.mark.issue(12)
def test_counts_are_singular_when_there_is_one(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("The vote was on Monday.", encoding="utf-8")
    b.write_text("The vote was on Monday.", encoding="utf-8")
    out = run(str(a), str(b)).stdout.decode()
    assert "1 aligned passage:" in out and "0 changes shown" in out


@pytest.mark.issue(12)
def test_the_help_example_runs_on_files_that_exist():
    import re

    root = Path(__file__).resolve().parent.parent
    helptext = run("compare", "--help").stdout.decode()
    files = re.findall(r"examples/\S+", helptext)
    assert files and all((root / f).is_file() for f in files)


# --- pairs: hostile tables (issue 14) ------------------------------------------------------


@pytest.mark.issue(14)
def test_pairs_says_an_empty_cell_is_empty_instead_of_judging_it(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("a\tb\nThe vote was 31 to 9.\t\n\tThe vote was 31 to 9.\nIt rained.\tIt rained.\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["verdict"] for r in rows] == [None, None, "identical"]
    assert "line 2" in rows[0]["error"] and "b is empty" in rows[0]["error"]
    assert "line 3" in rows[1]["error"] and "a is empty" in rows[1]["error"]
    assert [r["id"] for r in rows] == ["1", "2", "3"]  # strings, with or without an id column


@pytest.mark.issue(14)
def test_pairs_refuses_a_row_shifted_by_a_tab_inside_a_cell(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("id\ta\tb\np1\tIt rained.\tIt rained.\np2\tThe vote\twas 31.\tThe vote was 31.\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "line 3" in err and "tab" in err
    assert p.stdout == b""  # every row is checked before any is judged


@pytest.mark.issue(14)
def test_pairs_reads_a_cell_above_the_csv_field_limit(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    big = "word " * 26_215  # 131,075 characters: csv's default field limit is 131,072
    tsv.write_text(f"id\ta\tb\n7\t{big}\tShort.\n8\tIt rained.\tIt rained.\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert rows[0]["id"] == "7" and rows[0]["verdict"] is None and "131,075 characters" in rows[0]["error"]
    assert rows[1] == {"id": "8", "verdict": "identical", "confidence": 1.0, "changes": []}


@pytest.mark.issue(14)
def test_pairs_on_a_directory_says_it_is_a_directory(tmp_path):
    p = run("pairs", str(tmp_path))
    err = p.stderr.decode()
    assert p.returncode == 2 and "is a directory" in err and "Traceback" not in err


@pytest.mark.issue(14)
def test_pairs_with_decomposed_accents_and_a_lone_combining_mark(tmp_path):
    import unicodedata

    nfc = "Le café de Zoë a fermé."
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text(f"a\tb\n{nfc}\t{unicodedata.normalize('NFD', nfc)}\n\u0301 x\tx\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert rows[0]["verdict"] == "identical" and rows[0]["changes"] == []
    assert rows[1]["verdict"] in ("identical", "reworded", "changed")


@pytest.mark.issue(14)
def test_pairs_escapes_control_characters_in_its_json_lines(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("a\tb\nThe vote was 31.\x1b]0;pwned\x07\tThe vote was 41.\x9b2J\n", encoding="utf-8")
    p = run("pairs", str(tsv))
    assert p.returncode == 0, p.stderr.decode()
    assert not any(c in p.stdout.decode() for c in "\x1b\x07\x9b")
    row = json.loads(p.stdout)
    assert row["verdict"] == "changed"


@pytest.mark.issue(14)
def test_pairs_from_standard_input_with_crlf_line_ends():
    p = run("pairs", "-", stdin=b"id\ta\tb\r\nx1\tIt rained.\tIt rained.\r\nx2\tThe vote was 31.\tThe vote was 41.\r\n")
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [(r["id"], r["verdict"]) for r in rows] == [("x1", "identical"), ("x2", "changed")]


@pytest.mark.issue(14)
def test_an_error_naming_a_hostile_file_name_is_inert(tmp_path):
    name = str(tmp_path / "x\x1b]0;pwned\x07.txt")
    p = run(name, name + "2")
    assert p.returncode == 2
    assert b"\x1b" not in p.stderr and b"\xe2\x90\x9b" in p.stderr  # ESC shown as the visible stand-in
