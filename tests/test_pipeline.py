"""The public compare() API and the invariants every comparison keeps."""

from __future__ import annotations

import pytest

import storydiff
from storydiff import ChangeKind, Options, Verdict
from storydiff.errors import InputError, OptionError


def test_compare_accepts_text_paths_bytes_and_documents(example_pair):
    a, b = example_pair
    by_path = storydiff.compare(a, b)
    by_bytes = storydiff.compare(a.read_bytes(), b.read_bytes())
    by_doc = storydiff.compare(storydiff.load(a), storydiff.load(b))
    by_text = storydiff.compare(a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8"))
    summaries = {str(c.summary()) for c in (by_path, by_bytes, by_doc, by_text)}
    assert len(summaries) == 1


@pytest.mark.issue(12)
@pytest.mark.parametrize("looks_like_a_path", ["examples/bridge-origina.txt", "notes.md", "C:\\news\\a.html"])
def test_a_string_that_looks_like_a_file_name_is_refused(looks_like_a_path):
    with pytest.raises(InputError, match="looks like a file name.*pathlib.Path"):
        storydiff.compare(looks_like_a_path, "Some other text.")


@pytest.mark.issue(12)
def test_a_string_naming_an_existing_file_is_never_read(example_pair, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The password is hunter2.", encoding="utf-8")
    with pytest.raises(InputError, match="it exists"):
        storydiff.compare(str(secret), "The password is hunter2.")


def test_one_word_texts_are_still_text():
    c = storydiff.compare("Hello.", "Goodbye.")
    assert c.a.document.text == "Hello." and c.b.document.text == "Goodbye."


def test_compare_same_text_has_no_changes(example_pair):
    text = example_pair[0].read_text(encoding="utf-8")
    c = storydiff.compare(text, text)
    assert c.changes == ()
    assert all(j.verdict is Verdict.IDENTICAL for j in c.judgements)


def test_swapping_inputs_mirrors_added_and_removed(example_pair):
    a, b = example_pair
    ab, ba = storydiff.compare(a, b), storydiff.compare(b, a)
    assert ab.summary()["added"] == ba.summary()["removed"]
    assert ab.summary()["removed"] == ba.summary()["added"]
    assert ab.summary()["moved"] == ba.summary()["moved"]


def test_every_sentence_is_accounted_for_once(example_pair):
    c = storydiff.compare(*example_pair)
    a_seen = [i for g in c.alignment.groups for i in g.a] + list(c.alignment.removed)
    b_seen = [j for g in c.alignment.groups for j in g.b] + list(c.alignment.added)
    assert sorted(a_seen) == list(range(len(c.a.sentences)))
    assert sorted(b_seen) == list(range(len(c.b.sentences)))


def test_json_is_deterministic(example_pair):
    import json

    one = json.dumps(storydiff.compare(*example_pair).to_dict(), sort_keys=True)
    two = json.dumps(storydiff.compare(*example_pair).to_dict(), sort_keys=True)
    assert one == two


def test_unknown_option_is_a_clear_error():
    with pytest.raises(OptionError, match="unknown option"):
        storydiff.compare("a.", "b.", colour="red")


def test_options_are_recorded_for_provenance(example_pair):
    c = storydiff.compare(*example_pair, min_severity="high")
    d = c.to_dict()
    assert d["options"]["engine"] == "wordllama"
    assert d["storydiff_version"] == storydiff.__version__
    assert isinstance(c.options, Options)


def test_seed_pair_serbia_block_is_one_move(seed_pair):
    c = storydiff.compare(*seed_pair)
    moves = [ch for ch in c.changes if ch.kind is ChangeKind.MOVED]
    assert len(moves) == 1
    assert "Serbia" in moves[0].a_text and "Serbia" in moves[0].b_text
    added = " ".join(ch.b_text for ch in c.changes if ch.kind is ChangeKind.ADDED)
    removed = " ".join(ch.a_text for ch in c.changes if ch.kind is ChangeKind.REMOVED)
    assert "world today news" in added
    assert "Submitted on" in removed


@pytest.mark.parametrize(
    "a_start, b_start",
    [
        ("The Investigative Committee of the Russian Federation is conducting",
         "The Investigative Committee of the Russian Federation is conducting"),
        ("We assess the overall situation in Serbia as stable", "We assess the general situation in Serbia"),
        ("In April 2023, Russia proposed an initiative", "In April 2023, Russia proposed an initiative"),
    ],
)
def test_seed_pair_alignments_a_person_can_check(seed_pair, a_start, b_start):
    c = storydiff.compare(*seed_pair)
    ia = next(s.index for s in c.a.sentences if s.text.startswith(a_start))
    jb = next(s.index for s in c.b.sentences if s.text.startswith(b_start))
    assert jb in c.alignment.a2b()[ia]


@pytest.fixture(scope="module")
def example_changes(example_pair):
    return storydiff.compare(*example_pair).changes


@pytest.mark.issue(3)
@pytest.mark.parametrize(
    "category, severity, a_word, b_word",
    [
        ("number", "high", "€120 million", "€210 million"),
        ("entity", "high", "European Investment Bank", "World Bank"),
        ("negation", "high", "not", None),
        ("quote", "medium", "everyone", "a bridge for drivers"),
        ("term", "medium", "protesters", "rioters"),
    ],
)
def test_example_pair_planted_changes_are_found(example_changes, category, severity, a_word, b_word):
    hits = [c for c in example_changes if c.category == category and c.severity.value == severity
            and (a_word is None or a_word in (c.a_text or "")) and (b_word is None or b_word in (c.b_text or ""))]
    assert hits, [(c.category, c.a_text, c.b_text) for c in example_changes]


@pytest.mark.issue(3)
def test_example_pair_modality_shift_is_on_record(example_changes):
    assert any(c.category == "modality" and c.a_text == "will" and c.b_text == "may" for c in example_changes)


@pytest.mark.issue(3)
@pytest.mark.parametrize("a_word, b_word", [("300", "three hundred"), ("EU", "European Union"),
                                            ("Petrović", "Petrovic"), ("31 to 9", "31 votes to 9")])
def test_example_pair_equivalent_renderings_are_not_changes(example_changes, a_word, b_word):
    assert not any(c.severity.rank >= 2 and (a_word in (c.a_text or "") or b_word in (c.b_text or ""))
                   for c in example_changes if c.kind is ChangeKind.CHANGED)


def test_a_pdf_keeps_its_pages_in_the_json_and_the_report():
    from pathlib import Path

    from storydiff.report import render

    folder = Path(__file__).parent / "data" / "read"
    c = storydiff.compare(folder / "printed.pdf", folder / "printed.html")
    pdf, html = c.to_dict()["documents"]
    assert pdf["media_type"] == "application/pdf" and len(pdf["pages"]) == 2 and pdf["pages"][0] == 0
    assert html["pages"] is None and html["encoding"]
    assert all(0 <= p <= len(pdf["text"]) for p in pdf["pages"])
    # A reader tells where a moved or removed sentence sat: on which page of the PDF.
    assert c.a.document.meta["pages"] == tuple(pdf["pages"])
    paras = c.a.document.text.split("\n\n")
    moved = "\n\n".join([paras[-1], *paras[:-1]])  # the last paragraph (on page 2) moved to the top
    report = render(storydiff.compare(folder / "printed.pdf", moved), "text")
    assert "moved here from A p. 2, §" in report
