"""The self-contained HTML report: structure, escaping, no network, size."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from storydiff.report import render
from storydiff.report.html import json_for_script
from test_report import A_SENTS, B_SENTS, make_comparison

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
PROBES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
)


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._in: str | None = None
        self._buf: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in, self._buf = tag, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in == "script":
            self.scripts.append((self.tags[-1][1] if self.tags[-1][0] == "script" else {}, "".join(self._buf)))
            self._in = None
        elif tag == self._in == "style":
            self.styles.append("".join(self._buf))
            self._in = None

    def find(self, **want: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if all(a.get(k) == v for k, v in want.items())]

    def by_id(self, id_: str) -> dict[str, str | None]:
        found = self.find(id=id_)
        assert len(found) == 1, f"expected one element with id {id_!r}, got {len(found)}"
        return found[0]


def assert_inert(html: str) -> Page:
    page = Page(html)
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert len(scripts) <= 2
    assert [s.get("type") for s in scripts] in ([], ["application/json", None])
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "link", "base", "form"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert (value or "").startswith("#"), (tag, name, value)
    return page


@pytest.fixture
def comparison():  # type: ignore[no-untyped-def]
    return make_comparison()


def test_page_has_the_documented_elements(comparison) -> None:  # type: ignore[no-untyped-def]
    page = Page(render(comparison, "html", min_severity="medium"))
    for id_ in ("storydiff-report", "report-header", "doc-a", "doc-b", "summary", "controls", "filter-severity",
                "filter-category", "toggle-calm", "filter-status", "change-list", "alignment", "report-data",
                "report-footer", "g0", "g1", "g2", "g3", "ra3", "rb3", "mv1"):
        page.by_id(id_)
    assert page.by_id("g0")["data-verdict"] == "changed"
    assert page.by_id("g1")["data-moved"] == "true"
    assert page.by_id("ra3")["class"] == "row removed"
    assert page.by_id("rb3")["class"] == "row added"
    items = [a for t, a in page.tags if t == "li" and a.get("class") == "change"]
    assert len(items) == 6
    assert all(a["data-severity"] and a["data-category"] and a["data-target"] for a in items)


def test_rows_are_in_a_order_with_b_only_rows_placed(comparison) -> None:  # type: ignore[no-untyped-def]
    page = Page(render(comparison, "html"))
    rows = [a["id"] for t, a in page.tags if t == "div" and (a.get("class") or "").startswith("row ")
            and a.get("id")]
    assert rows == ["mv1", "g0", "g1", "g2", "rb3", "ra3", "g3"]


def test_change_list_is_most_severe_first_and_links_to_rows(comparison) -> None:  # type: ignore[no-untyped-def]
    page = Page(render(comparison, "html"))
    items = [a for t, a in page.tags if t == "li" and a.get("class") == "change"]
    rank = {"high": 3, "medium": 2, "low": 1}
    sevs = [rank[a["data-severity"] or ""] for a in items]
    assert sevs == sorted(sevs, reverse=True)
    assert items[0]["id"] == "c0" and items[0]["data-target"] == "g0"
    assert {a["data-target"] for a in items} == {"g0", "g1", "g2", "ra3", "rb3", "g3"}
    assert "#g0" in [a.get("href") for t, a in page.tags if t == "a"]


def test_moved_rows_link_both_ways(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    g1 = html[html.index('id="g1"'):]
    assert 'href="#mv1"' in g1[: g1.index('id="g2"')]
    mv1 = html[html.index('id="mv1"'):]
    assert 'href="#g1"' in mv1[: mv1.index('id="g0"')]
    assert "this passage moved → B paragraph 1, sentence 1" in html
    assert "a passage moved here from A paragraph 1, sentence 2" in html


def test_changed_words_are_marked_with_severity_and_category(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html", min_severity="medium")
    assert re.search(r'<mark class="sev-high cat-number" data-change="c0"[^>]*>4,000</mark>', html)
    assert re.search(r'<mark class="sev-high cat-number" data-change="c0"[^>]*>5,000</mark>', html)
    # Below the floor: present but filtered, and its list item hidden.
    assert re.search(r'<mark class="sev-low cat-term filtered" data-change="c5"[^>]*>was</mark>', html)
    page = Page(html)
    assert "hidden" in page.by_id("c5") and "hidden" not in page.by_id("c0")
    assert 'value="medium" selected' in html


def test_insertions_are_marked_at_their_point_on_the_other_side(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    # B inserted "not ": A gets an empty mark right before "rise", B marks the words.
    assert re.search(r'Taxes will <mark class="sev-high cat-negation gap" data-change="c2"[^>]*></mark>rise', html)
    assert re.search(r'<mark class="sev-high cat-negation" data-change="c2"[^>]*>not </mark>rise', html)
    assert '<i class="none">nothing</i> → <q>not</q>' in html


def test_no_floor_shows_every_change(comparison) -> None:  # type: ignore[no-untyped-def]
    page = Page(render(comparison, "html"))
    assert all("hidden" not in a for t, a in page.tags if t == "li")
    assert 'value="low" selected' in render(comparison, "html")


def test_marked_cells_keep_the_text_exactly(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    cell = html[html.index('id="g0"'):]
    cell = cell[cell.index('<div class="cell a">'): cell.index('<div class="cell b">')]
    text = re.sub(r"<span class=\"loc\"[^>]*>.*?</span>", "", cell)
    assert re.sub(r"<[^>]+>", "", text) == A_SENTS[0]


def test_overlapping_spans_do_not_duplicate_text() -> None:
    from storydiff.model import Category, Change, ChangeKind, Severity, Span

    base = make_comparison()
    extra = Change(ChangeKind.CHANGED, Category.ENTITY, Severity.MEDIUM, Span(13, 26), Span(48, 60),
                   "approved 4,0", "x", "overlap", 0)
    c = replace(base, changes=(*base.changes, extra))
    html = render(c, "html")
    cell = html[html.index('id="g0"'):]
    cell = cell[cell.index('<div class="cell a">'): cell.index('<div class="cell b">')]
    cell = re.sub(r"<span class=\"loc\"[^>]*>.*?</span>", "", cell)
    assert re.sub(r"<[^>]+>", "", cell) == A_SENTS[0]


@pytest.mark.parametrize("probe", PROBES)
def test_document_text_is_inert(probe: str) -> None:
    c = make_comparison([f"The council approved 4,000 homes {probe}.", *A_SENTS[1:]],
                        [*B_SENTS[:3], f"A brand new {probe} sentence.", B_SENTS[4]],
                        a_title=f"Title {probe}", a_source=f"src{probe}", b_title=probe,
                        explanation=f"because {probe}")
    for fragment in (False, True):
        html = render(c, "html", min_severity="low", fragment=fragment)
        page = assert_inert(html)
        assert probe not in html
        assert "&lt;" in html
        text_blob = "".join(page.styles)
        assert "alert" not in text_blob


def test_probe_in_category_and_metadata_json_is_escaped() -> None:
    from storydiff.model import Change, ChangeKind, Severity, Span

    base = make_comparison(a_title="</script><script>alert(1)</script>\u2028")
    bad = Change(ChangeKind.CHANGED, '"><script>alert(2)</script>', Severity.HIGH, Span(0, 3), Span(0, 3),
                 "The", "The", "x", 0)
    c = replace(base, changes=(*base.changes, bad))
    html = render(c, "html")
    page = assert_inert(html)
    (meta_attrs, meta), (_, code) = page.scripts
    assert meta_attrs.get("type") == "application/json"
    assert "<" not in meta and ">" not in meta and "\u2028" not in meta
    assert json.loads(meta)["documents"][0]["title"] == "</script><script>alert(1)</script>\u2028"
    assert "alert" not in code


def test_json_for_script_escapes_breakout_characters() -> None:
    s = json_for_script({"t": "</script>&\u2028\u2029"})
    assert s == '{"t": "\\u003c/script\\u003e\\u0026\\u2028\\u2029"}'
    assert json.loads(s) == {"t": "</script>&\u2028\u2029"}


def test_page_is_self_contained_and_pins_its_own_code(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    page = assert_inert(html)
    assert "url(" not in "".join(page.styles)
    assert "@import" not in "".join(page.styles)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp and "default-src 'none'" in csp

    def sha(s: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    # The policy allows exactly the page's own style and script, so the browser runs them and nothing else.
    assert f"style-src {sha(page.styles[0])}" in csp
    assert f"script-src {sha(page.scripts[1][1])}" in csp


def test_page_shows_metadata_version_options_and_keyboard_help(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    assert "Council story, first version" in html and "Council story, republished" in html
    assert "storydiff 0.1" in html or "storydiff " in html
    footer = html[html.index('id="report-footer"'):]
    for word in ("engine", "wordllama", "<kbd>j</kbd>", "<kbd>k</kbd>", "Options used"):
        assert word in footer
    assert "@media print" in html


def test_summary_counts(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html", min_severity="low")
    summary = html[html.index('id="summary"'): html.index('id="controls"')]
    for needle in ('data-verdict="changed"><span class="sym" aria-hidden="true">≠</span> <b>2</b>',
                   'data-verdict="reworded"><span class="sym" aria-hidden="true">≈</span> <b>1</b>',
                   'data-kind="moved"><span class="sym" aria-hidden="true">↪</span> <b>1</b>',
                   'data-category="sentence" aria-pressed="false">sentence <b>2</b>'):
        assert needle in summary


def test_fragment_for_notebooks(comparison) -> None:  # type: ignore[no-untyped-def]
    frag = render(comparison, "html", fragment=True)
    assert frag.startswith('<div class="storydiff storydiff-fragment"')
    assert "<html" not in frag and "<script" not in frag and 'id="filter-severity"' not in frag
    ids = re.findall(r'\bid="([^"]+)"', frag)
    assert ids and all(i.startswith("sd") for i in ids)
    hrefs = re.findall(r'href="#([^"]+)"', frag)
    assert set(hrefs) <= set(ids)


def test_every_internal_link_has_a_target(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert set(re.findall(r'href="#([^"]+)"', html)) <= ids
    assert set(re.findall(r'data-target="([^"]+)"', html)) <= ids


def test_repr_html_works(comparison) -> None:  # type: ignore[no-untyped-def]
    out = comparison._repr_html_()
    assert out.startswith('<div class="storydiff storydiff-fragment"') and "4,000" in out
    assert "<script" not in out and "<html" not in out


def test_seed_report_is_small_and_inert() -> None:
    files = sorted(SEEDS.glob("00[01]_*.txt"))
    if len(files) < 2:
        pytest.skip(f"seed pair not found under {SEEDS}")
    import storydiff

    c = storydiff.compare(files[0], files[1])
    html = render(c, "html", min_severity="medium")
    assert len(html.encode("utf-8")) < 1_000_000
    assert_inert(html)


class Cells(HTMLParser):
    """Text of each side-by-side cell, keyed by (row id, side), without location labels or move links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}
        self.tags: set[str] = set()
        self._row = ""
        self._side: str | None = None
        self._depth = 0
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        cls = (a.get("class") or "").split()
        if tag == "div" and "row" in cls:
            self._row = a.get("id") or ""
        elif tag == "div" and "cell" in cls and self._row:
            self._side, self._depth = ("a" if "a" in cls else "b"), 0
            self.cells[(self._row, self._side)] = ""
        elif self._side:
            self._depth += 1
            if self._skip or "loc" in cls or "move-link" in cls:
                self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._side is None:
            return
        if self._depth == 0:
            self._side = None
            return
        self._depth -= 1
        if self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._side and not self._skip:
            self.cells[(self._row, self._side)] += data


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "header", "h1", "h2", "section", "ul", "li",
                "b", "span", "nav", "label", "select", "option", "input", "ol", "a", "q", "i", "mark", "small",
                "footer", "p", "dl", "dt", "dd", "kbd", "br", "script", "button"}


def _hypothesis_case():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    sentence = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('<>&"\'`/=\\'),
                       min_size=1, max_size=25)
    return st.tuples(st.lists(sentence, min_size=2, max_size=6), st.data())


def test_any_document_text_round_trips_and_stays_inert() -> None:
    from hypothesis import given, settings

    from storydiff.model import Alignment, Category, Change, ChangeKind, Group, Severity, Span, Verdict
    from test_report import judged, segmentation

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(_hypothesis_case())
    def check(case) -> None:  # type: ignore[no-untyped-def]
        sents, data = case
        a = segmentation("a", sents, title=sents[0])
        b = segmentation("b", list(reversed(sents)), source=sents[-1])
        n = len(sents)
        groups = tuple((Group((i,), (n - 1 - i,), 0.5, moved=i > 0), Verdict.CHANGED, 0.5) for i in range(n))
        changes = []
        for i in range(n):
            sa, sb = a.sentences[i], b.sentences[n - 1 - i]
            x = data.draw(st_span(sa.start, sa.end))
            y = data.draw(st_span(sb.start, sb.end))
            changes.append(Change(ChangeKind.CHANGED, Category.TERM, Severity.HIGH, Span(*x), Span(*y),
                                  a.document.text[x[0]:x[1]], b.document.text[y[0]:y[1]], sents[i], i))
        c = judged(a, b, Alignment(groups, (), ()), tuple(changes))
        html = render(c, "html")
        assert_inert(html)
        parsed = Cells(html)
        assert parsed.tags <= ALLOWED_TAGS
        for i in range(n):
            assert parsed.cells[(f"g{i}", "a")] == sents[i]
            assert parsed.cells[(f"g{i}", "b")] == sents[i]

    def st_span(lo: int, hi: int):  # type: ignore[no-untyped-def]
        from hypothesis import strategies as st

        return st.integers(lo, hi).flatmap(lambda s: st.tuples(st.just(s), st.integers(s, hi)))

    check()


@pytest.mark.parametrize("fragment", [False, True])
def test_markup_is_balanced_and_ids_are_unique(comparison, fragment: bool) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html", fragment=fragment)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in ("meta", "input", "br"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if self.stack and self.stack[-1] == tag:
                self.stack.pop()
            else:
                self.errors.append(tag)

    b = Balance()
    b.feed(html)
    b.close()
    assert b.errors == [] and b.stack == []


@pytest.mark.issue(18)
def test_document_block_does_not_repeat_the_path() -> None:
    from storydiff.report.html import _doc_block

    # A file compared from the CLI: its path is the id, the source and the title line.
    block = _doc_block({"id": "seeds/old.txt", "source": "seeds/old.txt", "title": None, "sentences": []}, "A", "")
    assert block.count("seeds/old.txt") == 1, block
    assert "<dt>source</dt>" not in block and "<dt>id</dt>" not in block


@pytest.mark.issue(18)
def test_document_block_keeps_what_differs_from_the_title() -> None:
    from storydiff.report.html import _doc_block

    block = _doc_block({"id": "draft-2", "source": "news/draft.html", "title": "Ferry plan", "sentences": []},
                       "A", "")
    assert "<dt>source</dt><dd>news/draft.html</dd>" in block and "<dt>id</dt><dd>draft-2</dd>" in block


@pytest.mark.issue(18)
@pytest.mark.parametrize(("change", "what"), [
    ({"category": "entity", "explanation": "law differs: 'Civil Code' vs 'Criminal Code'", "a_text": "Civil Code",
      "b_text": "Criminal Code"}, "entity · law differs"),
    ({"category": "spelling", "explanation": "spelling differs: 'Kiev' vs 'Kyiv'", "a_text": "Kiev",
      "b_text": "Kyiv"}, "spelling differs"),
    ({"category": "content", "explanation": "possibly: name dropped: 'Ukraine'", "a_text": "Ukraine",
      "b_text": ""}, "content · possibly: name dropped"),
    ({"category": "content", "explanation": "meaning differs: “Donbass civilians” → “the peaceful population”",
      "a_text": "Donbass civilians", "b_text": "the peaceful population"}, "content · meaning differs"),
    ({"category": "move", "explanation": "moved from sentence 29 to sentence 2", "a_text": "x", "b_text": "x"},
     "move · moved from sentence 29 to sentence 2"),
    ({"category": "quote", "explanation": "quote changed: 'a' to 'b' by the editor", "a_text": "zzz",
      "b_text": "yyy"}, "quote changed: 'a' to 'b' by the editor"),
])
def test_change_card_says_each_thing_once(change: dict[str, str], what: str) -> None:
    from storydiff.report.html import _what

    text = re.sub(r"<[^>]+>", "", _what(change)).replace("&#x27;", "'")
    assert text == what


@pytest.mark.issue(18)
def test_section_sign_is_explained(comparison) -> None:  # type: ignore[no-untyped-def]
    html = render(comparison, "html")
    assert "§2 s5</b> = paragraph 2, sentence 5" in html
    assert 'title="A: paragraph 1, sentence 1">§1 s1</span>' in html
