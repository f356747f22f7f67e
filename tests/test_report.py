"""Renderers: text, json, markdown, csv (HTML has tests/test_report_html.py).

The comparisons are built by hand so the assertions do not depend on the
aligner or the change engine of the day.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

import storydiff
from storydiff.errors import OptionError
from storydiff.model import (
    Alignment,
    Category,
    Change,
    ChangeKind,
    Comparison,
    Document,
    Group,
    Judgement,
    Segmentation,
    Sentence,
    Severity,
    Span,
    Verdict,
)
from storydiff.options import Options
from storydiff.report import FORMATS, render
from storydiff.report._layout import build_layout
from storydiff.report.markdown import md_escape

A_SENTS = [
    "The council approved 4,000 homes.",
    "The mayor spoke first.",
    "Taxes will rise.",
    "An old sentence was here.",
    "The vote was on Monday.",
]
B_SENTS = [
    "The mayor spoke first.",
    "The council approved 5,000 homes.",
    "Taxes will not rise.",
    "A brand new sentence.",
    "The vote took place on Monday.",
]


def segmentation(doc_id: str, sentences: list[str], *, title: str | None = None, source: str | None = None,
                 paragraph_breaks: tuple[int, ...] = ()) -> Segmentation:
    """Sentences joined by one space (a blank line before those in paragraph_breaks)."""
    text, sents, para, starts = "", [], 0, []
    for i, s in enumerate(sentences):
        if i:
            if i in paragraph_breaks:
                para += 1
                text += "\n\n"
            else:
                text += " "
        starts.append(len(text))
        sents.append(Sentence(index=i, start=len(text), end=len(text) + len(s), text=s, paragraph=para))
        text += s
    doc = Document(id=doc_id, source=source or f"{doc_id}.txt", text=text, title=title)
    return Segmentation(doc, tuple(sents), (Span(0, len(text)),))


def span_of(seg: Segmentation, i: int, word: str | None = None) -> Span:
    s = seg.sentences[i]
    if word is None:
        return Span(s.start, s.end)
    k = s.text.index(word)
    return Span(s.start + k, s.start + k + len(word))


def judged(a: Segmentation, b: Segmentation, alignment: Alignment, changes: tuple[Change, ...]) -> Comparison:
    """A Comparison whose ``alignment.groups`` were given as (Group, Verdict, confidence) triples."""
    triples = alignment.groups
    groups = tuple(g for g, _, _ in triples)  # type: ignore[misc]
    judgements = tuple(Judgement(v, c) for _, v, c in triples)  # type: ignore[misc]
    return Comparison(a, b, Alignment(groups, alignment.removed, alignment.added), judgements, changes, Options())


def make_comparison(a_sents: list[str] = A_SENTS, b_sents: list[str] = B_SENTS, **doc_kw: str) -> Comparison:
    """A: 5 sentences, B: 5 sentences; one of each kind of change."""
    a = segmentation("a", a_sents, title=doc_kw.get("a_title", "Council story, first version"),
                     source=doc_kw.get("a_source"), paragraph_breaks=(4,))
    b = segmentation("b", b_sents, title=doc_kw.get("b_title", "Council story, republished"),
                     source=doc_kw.get("b_source"))
    groups = (
        (Group((0,), (1,), 0.9), Verdict.CHANGED, 0.9),
        (Group((1,), (0,), 1.0, moved=True), Verdict.IDENTICAL, 1.0),
        (Group((2,), (2,), 0.8), Verdict.CHANGED, 0.8),
        (Group((4,), (4,), 0.9), Verdict.REWORDED, 0.7),
    )
    changes = (
        Change(ChangeKind.CHANGED, Category.NUMBER, Severity.HIGH, span_of(a, 0, "4,000"), span_of(b, 1, "5,000"),
               "4,000", "5,000", doc_kw.get("explanation", "number changed from 4,000 to 5,000"), 0, 0.95),
        Change(ChangeKind.MOVED, Category.MOVE, Severity.MEDIUM, span_of(a, 1), span_of(b, 0),
               a_sents[1], b_sents[0], "sentence moved", None),
        Change(ChangeKind.CHANGED, Category.NEGATION, Severity.HIGH, Span(a.sentences[2].start + 11,
               a.sentences[2].start + 11), span_of(b, 2, "not "), "", "not ", "negation added", 2, 0.9),
        Change(ChangeKind.REMOVED, Category.SENTENCE, Severity.MEDIUM, span_of(a, 3), None, a_sents[3], None,
               "sentence removed"),
        Change(ChangeKind.ADDED, Category.SENTENCE, Severity.MEDIUM, None, span_of(b, 3), None, b_sents[3],
               "sentence added"),
        Change(ChangeKind.CHANGED, Category.TERM, Severity.LOW, span_of(a, 4, "was"), span_of(b, 4, "took place"),
               "was", "took place", "wording", 3, 0.6),
    )
    return judged(a, b, Alignment(groups, removed=(3,), added=(3,)), changes)


@pytest.fixture
def comparison() -> Comparison:
    return make_comparison()


# ----- dispatch ---------------------------------------------------------------

def test_formats_are_the_five_documented_ones() -> None:
    assert FORMATS == ("text", "json", "markdown", "csv", "html")


def test_unknown_format_raises_option_error(comparison: Comparison) -> None:
    with pytest.raises(OptionError, match="expected one of text, json"):
        render(comparison, "yaml")


def test_unknown_severity_raises_option_error(comparison: Comparison) -> None:
    with pytest.raises(OptionError, match="severity"):
        render(comparison, "text", min_severity="critical")


def test_min_severity_accepts_the_enum(comparison: Comparison) -> None:
    assert render(comparison, "csv", min_severity=Severity.HIGH) == render(comparison, "csv", min_severity="high")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_tells_the_changes_that_pass_the_floor(comparison: Comparison, fmt: str) -> None:
    out = render(comparison, fmt, min_severity="medium")
    assert "5,000" in out  # the changed number
    assert "An old sentence was here." in out  # the removed sentence
    assert "negation added" in out  # the change of polarity, named
    if fmt != "html":  # the page keeps changes under the floor, hidden until the filter is lowered
        assert "wording" not in out


# ----- layout -------------------------------------------------------------------

def test_layout_rows_follow_a_with_b_only_rows_after_their_b_predecessor(comparison: Comparison) -> None:
    layout = build_layout(comparison.to_dict())
    # B starts with the moved sentence, so its marker leads; the added B sentence 3 follows group 2 (B 2).
    assert [r.id for r in layout.rows] == ["mv1", "g0", "g1", "g2", "rb3", "ra3", "g3"]
    assert layout.change_row == {0: "g0", 1: "g1", 2: "g2", 3: "ra3", 4: "rb3", 5: "g3"}
    assert layout.placeholder_of == {1: "mv1"}


def test_layout_links_a_multi_sentence_removal_to_every_row_it_covers() -> None:
    a = segmentation("a", ["Kept.", "Gone one.", "Gone two.", "End."])
    b = segmentation("b", ["Kept.", "End."])
    groups = ((Group((0,), (0,), 1), Verdict.IDENTICAL, 1), (Group((3,), (1,), 1), Verdict.IDENTICAL, 1))
    gone = Change(ChangeKind.REMOVED, Category.SENTENCE, Severity.MEDIUM, Span(6, 25), None, "Gone one. Gone two.",
                  None, "2 sentences removed")
    layout = build_layout(judged(a, b, Alignment(groups, (1, 2), ()), (gone,)).to_dict())
    assert layout.change_row == {0: "ra1"}
    assert layout.row_changes == {"ra1": (0,), "ra2": (0,)}


def test_layout_groups_consecutive_moved_groups_into_one_run() -> None:
    a = segmentation("a", ["One.", "Two.", "Three.", "Four."])
    b = segmentation("b", ["Three.", "Four.", "One.", "Two."])
    groups = ((Group((0,), (2,), 1, moved=True), Verdict.IDENTICAL, 1), (Group((1,), (3,), 1, moved=True), Verdict.IDENTICAL, 1),
              (Group((2,), (0,), 1), Verdict.IDENTICAL, 1), (Group((3,), (1,), 1), Verdict.IDENTICAL, 1))
    layout = build_layout(judged(a, b, Alignment(groups, (), ()), ()).to_dict())
    assert [r.id for r in layout.rows] == ["g0", "g1", "g2", "g3", "mv0"]
    assert layout.rows[-1].groups == (0, 1) and layout.rows[-1].b == (2, 3)


# ----- json ---------------------------------------------------------------------

def test_json_is_to_dict(comparison: Comparison) -> None:
    assert json.loads(render(comparison, "json")) == comparison.to_dict()
    assert json.loads(render(comparison, "json", min_severity="high")) == comparison.to_dict(min_severity="high")
    assert len(json.loads(render(comparison, "json", min_severity="high"))["changes"]) == 2


def test_json_keeps_non_ascii_text_readable() -> None:
    c = make_comparison(["Le café coûte 4,000 €.", *A_SENTS[1:]])
    assert "café coûte" in render(c, "json")


# ----- text ---------------------------------------------------------------------

def test_text_plain_has_symbols_and_change_lines_but_no_ansi(comparison: Comparison) -> None:
    out = render(comparison, "text", min_severity="low", color=False, width=100)
    assert "\x1b" not in out
    for sym in ("≠", "=", "≈", "-", "+", "↪", "↩"):
        assert sym in out
    assert "number: '4,000' → '5,000'  [high]" in out
    assert "moved to B §1 (sentence 1)" in out
    assert "moved here from A §1 (sentence 2)" in out
    assert "Council story, first version" in out.splitlines()[0]


def test_text_color_emits_ansi_even_when_no_color_is_set(comparison: Comparison,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The caller (the CLI) has already decided; the renderer must not second-guess it.
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" in render(comparison, "text", color=True)
    assert "\x1b" not in render(comparison, "text", color=False)


def test_text_shows_groups_in_a_order_and_b_only_rows_in_place(comparison: Comparison) -> None:
    out = render(comparison, "text", min_severity="low", width=120)
    order = [out.index(s) for s in ("moved here from A", "4,000 homes", "moved to B", "Taxes will rise",
                                     "A brand new sentence", "An old sentence", "The vote was")]
    assert order == sorted(order)


def test_text_min_severity_hides_low_changes_and_says_so(comparison: Comparison) -> None:
    assert "term: 'was' → 'took place'" in render(comparison, "text", min_severity=None, width=120)
    out = render(comparison, "text", min_severity="medium", width=120)
    assert "wording: 'was'" not in out
    assert "1 below medium hidden" in out


def test_text_respects_width(comparison: Comparison) -> None:
    long = make_comparison([A_SENTS[0] + " " + "word " * 60 + "end.", *A_SENTS[1:]])
    for width in (60, 100):
        out = render(long, "text", width=width)
        assert max(len(line) for line in out.splitlines()) <= width


def test_text_does_not_interpret_markup_in_documents() -> None:
    c = make_comparison(["[bold red]The council[/bold red] approved 4,000 homes.", *A_SENTS[1:]])
    out = render(c, "text", min_severity="low", width=120)
    assert "[bold red]The council[/bold red]" in out


def test_text_summary_counts(comparison: Comparison) -> None:
    last = render(comparison, "text", min_severity="low", width=200).strip().splitlines()
    summary = "\n".join(last[-3:])
    assert "≠ 2 changed" in summary and "≈ 1 reworded" in summary and "= 1 identical" in summary
    assert "+ 1 added" in summary and "- 1 removed" in summary and "↪ 1 moved" in summary
    assert "6 changes shown: 2 high, 3 medium, 1 low" in summary


# ----- csv ----------------------------------------------------------------------

def test_csv_one_row_per_change_parses_back(comparison: Comparison) -> None:
    rows = list(csv.DictReader(io.StringIO(render(comparison, "csv"))))
    assert len(rows) == len(comparison.changes) == 6
    assert list(rows[0]) == ["kind", "category", "severity", "a_start", "a_end", "a_text", "b_start", "b_end",
                             "b_text", "explanation", "group", "confidence"]
    first = rows[0]
    assert (first["kind"], first["category"], first["severity"], first["a_text"], first["b_text"]) == (
        "changed", "number", "high", "4,000", "5,000")
    text_a = comparison.a.document.text
    assert text_a[int(first["a_start"]):int(first["a_end"])] == "4,000"
    assert first["group"] == "0" and first["confidence"] == "0.95"
    added = next(r for r in rows if r["kind"] == "added")
    assert added["a_start"] == "" and added["group"] == ""


def test_csv_min_severity_filters_rows(comparison: Comparison) -> None:
    assert len(list(csv.DictReader(io.StringIO(render(comparison, "csv", min_severity="high"))))) == 2


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    c = make_comparison(explanation='said "no", then\nleft')
    rows = list(csv.DictReader(io.StringIO(render(c, "csv"))))
    assert rows[0]["explanation"] == 'said "no", then\nleft'


def test_csv_cells_that_would_start_a_formula_are_text() -> None:
    # A republished copy is anyone's text: a sentence a spreadsheet would evaluate must arrive as text.
    out = storydiff.compare("The council met on Monday.",
                            "The council met on Monday.\n\n=HYPERLINK(\"http://example.invalid\",\"Details\")")
    rows = list(csv.DictReader(io.StringIO(render(out, "csv"))))
    added = [r for r in rows if r["kind"] == "added"]
    assert added and added[0]["b_text"].startswith("'=HYPERLINK(")
    assert all(not v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    c = make_comparison(explanation="@SUM(A1:A9) then -1")
    row = next(csv.DictReader(io.StringIO(render(c, "csv"))))
    assert row["explanation"] == "'@SUM(A1:A9) then -1" and row["a_start"].isdigit()
    assert "=HYPERLINK(" in json.dumps(out.to_dict())  # the JSON keeps the words exactly


# ----- markdown -----------------------------------------------------------------

def test_markdown_lists_changes_most_severe_first_with_exact_words(comparison: Comparison) -> None:
    out = render(comparison, "markdown", min_severity="low")
    assert out.startswith("## storydiff: Council story, first version → Council story, republished")
    assert "**Summary:**" in out and "2 changed, 1 reworded, 1 identical" in out
    assert out.index("**HIGH · number**") < out.index("**LOW · term**")
    assert "approved **4,000** homes." in out and "approved **5,000** homes." in out
    for section in ("### Moved", "### Added in B", "### Removed from A"):
        assert section in out
    assert out.index("### Moved") > out.index("**LOW · term**")


def test_markdown_respects_min_severity(comparison: Comparison) -> None:
    out = render(comparison, "markdown", min_severity="high")
    assert "wording" not in out and "### Removed from A" not in out
    assert "4 below high not shown" in out


@pytest.mark.parametrize("raw,expected", [
    ("*bold* _it_", r"\*bold\* \_it\_"),
    ("<script>x</script>", r"\<script\>x\</script\>"),
    ("[a](javascript:x)", r"\[a\]\(javascript:x\)"),
    ("a | b ~~c~~ `d` #e", r"a \| b \~\~c\~\~ \`d\` \#e"),
    ("back\\slash & amp", r"back\\slash \& amp"),
    ("two\nlines", "two lines"),
])
def test_md_escape(raw: str, expected: str) -> None:
    assert md_escape(raw) == expected


def test_markdown_escapes_document_text() -> None:
    c = make_comparison(["The *council* approved 4,000 homes [link](http://x).", *A_SENTS[1:]],
                        a_title="A <b>title</b>")
    out = render(c, "markdown", min_severity="low")
    assert r"The \*council\* approved **4,000** homes \[link\]\(http://x\)." in out
    assert r"A \<b\>title\</b\>" in out
    assert "<b>" not in out


# ----- the real pipeline ----------------------------------------------------------

def test_renderers_accept_a_real_comparison() -> None:
    import storydiff

    c = storydiff.compare("The vote was on Monday. It passed by 40 votes.",
                          "It passed by 14 votes. The vote was on Tuesday.")
    for fmt in FORMATS:
        assert render(c, fmt, min_severity="low")
    assert len(list(csv.DictReader(io.StringIO(render(c, "csv"))))) == len(c.changes)


def test_markdown_renders_as_intended_in_a_commonmark_parser() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    c = make_comparison(["The *council* approved 4,000 homes <img src=x onerror=alert(1)>.", *A_SENTS[1:]],
                        a_title="[click](javascript:alert(1))")
    html = markdown_it.MarkdownIt("commonmark").render(render(c, "markdown", min_severity="low"))
    assert "<strong>4,000</strong>" in html and "<strong>5,000</strong>" in html
    assert "<img" not in html and "<em>council</em>" not in html and "href" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<ol>") == 1 and html.count("<li>") >= 6


def test_nothing_in_common_and_nothing_changed_both_render() -> None:
    a = segmentation("a", ["Only in A.", "Also only in A."])
    b = segmentation("b", ["Only in B."])
    apart = judged(a, b, Alignment((), removed=(0, 1), added=(0,)), ())
    assert [r.id for r in build_layout(apart.to_dict()).rows] == ["rb0", "ra0", "ra1"]
    same = judged(a, a, Alignment(((Group((0,), (0,), 1), Verdict.IDENTICAL, 1),
                                       (Group((1,), (1,), 1), Verdict.IDENTICAL, 1)), (), ()), ())
    for c in (apart, same):
        for fmt in FORMATS:
            assert render(c, fmt, min_severity="medium")
    assert "0 changes shown" in render(same, "text")
    assert "_None found at or above medium severity._" in render(same, "markdown", min_severity="medium")
    assert render(same, "csv").strip() == ",".join(
        ["kind", "category", "severity", "a_start", "a_end", "a_text", "b_start", "b_end", "b_text",
         "explanation", "group", "confidence"])


def test_text_narrow_width_still_fits() -> None:
    out = render(make_comparison(), "text", min_severity="low", width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
