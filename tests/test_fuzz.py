"""Properties of compare over hostile text (issue 14): random Unicode, random edits of real texts,
decomposed and combining text.

Whatever two texts are given, ``compare``:

* raises nothing;
* reports offsets inside each document, and every quoted text is the slice its offsets name;
* gives JSON valid against the shipped schema (``storydiff/schema/comparison-1.json``), and text, Markdown
  and CSV reports that hold no control character from the documents;
* reports no change and no move for a text against itself;

and ``compare_sentences`` (what ``storydiff pairs`` runs) on the same texts gives spans inside them, quoting
them exactly, and no change for a text against itself.

Repeated lines (few distinct lines, many copies) are a kind of their own. The suite runs a few dozen
examples of each kind (a few seconds); ``benchmarks/fuzz.py --minutes 10`` runs the same properties for as
long as it is given and records how many cases it tried and how many failed.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storydiff
from storydiff.errors import EmptyInput
from storydiff.model import Comparison
from storydiff.read import from_text
from storydiff.report import render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# C0 (but tab and newline), DEL, C1 and the bidi overrides/isolates: what the text reports must neutralise
CONTROLS = frozenset(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F),
                                      *range(0x2066, 0x206A))) - {"\t", "\n"}


# --- the properties ---------------------------------------------------------------------------


@functools.cache
def schema_validator() -> Any:
    import jsonschema

    schema = json.loads(files("storydiff").joinpath("schema/comparison-1.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def check_offsets(c: Comparison) -> None:
    """Every span lies inside its document and quotes exactly the text it names."""
    docs = {"a": c.a, "b": c.b}
    for seg in docs.values():
        text = seg.document.text
        for s in seg.sentences:
            assert 0 <= s.start <= s.end <= len(text), (s.start, s.end, len(text))
            assert text[s.start : s.end] == s.text
        for p in seg.paragraphs:
            assert 0 <= p.start <= p.end <= len(text)
    for ch in c.changes:
        for side in ("a", "b"):
            span, quoted = getattr(ch, side), getattr(ch, f"{side}_text")
            if span is None:
                continue
            text = docs[side].document.text
            assert 0 <= span.start <= span.end <= len(text), (side, span, len(text))
            if quoted is not None:
                assert text[span.start : span.end] == quoted, (side, span, quoted)


def check_reports(c: Comparison) -> None:
    """JSON valid against the schema; the human-facing formats free of the documents' control characters."""
    data = json.loads(render(c, "json"))
    errors = sorted(schema_validator().iter_errors(data), key=str)
    assert not errors, errors[0].message
    for fmt in ("text", "markdown", "csv"):
        out = render(c, fmt, min_severity="low")
        if fmt == "csv":
            out = out.replace("\r\n", "\n")  # the CSV's own line ends (RFC 4180); a document's CR shows as ␍
        bad = CONTROLS.intersection(out)
        assert not bad, (fmt, sorted(bad))


def check_pair(a_text: str, b_text: str) -> None:
    """All the properties for one pair of texts (used by the suite and by benchmarks/fuzz.py)."""
    a, b = from_text(a_text, name="a"), from_text(b_text, name="b")
    c = storydiff.compare(a, b)
    check_offsets(c)
    check_reports(c)
    same = storydiff.compare(a, a)
    check_offsets(same)
    assert same.changes == (), [ch.explanation for ch in same.changes]
    assert same.alignment.moves == () and same.alignment.added == () and same.alignment.removed == ()
    check_sentence_pair(a_text[:2000], b_text[:2000])


def check_sentence_pair(a: str, b: str) -> None:
    """compare_sentences (what ``storydiff pairs`` runs): spans inside the texts as given, quoting them exactly."""
    if not a.strip() or not b.strip():
        with pytest.raises(EmptyInput):
            storydiff.compare_sentences(a, b)
        return
    j = storydiff.compare_sentences(a, b)
    for ch in j.changes:
        for text, span, quoted in ((a, ch.a, ch.a_text), (b, ch.b, ch.b_text)):
            if span is not None:
                assert 0 <= span.start <= span.end <= len(text)
                assert quoted is None or text[span.start : span.end] == quoted, (span, quoted)
    assert storydiff.compare_sentences(a, a).changes == ()


# --- the inputs --------------------------------------------------------------------------------

COMBINING = [chr(c) for c in (0x300, 0x301, 0x302, 0x303, 0x308, 0x30A, 0x327, 0x328, 0x323, 0x331, 0x20DD)]
BASES = list("aeiouncAEOZ zß.?!,;:'\"\n") + ["\u3042", "\u0627", "\u05d0", "1", "4,000", "\u00e9", "\ufb01"]


@functools.cache
def example_sentences() -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(EXAMPLES.glob("*.txt")):
        out += [s.text for s in storydiff.segment(from_text(p.read_text(encoding="utf-8"))).sentences]
    return tuple(out)


any_unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
decomposed = st.lists(st.one_of(st.sampled_from(BASES), st.sampled_from(COMBINING)), max_size=120).map("".join)


@st.composite
def edited_example(draw: st.DrawFn) -> tuple[str, str]:
    """A real text (the examples' sentences) and a copy with random edits: what versions of a story look like."""
    sents = list(example_sentences())
    start = draw(st.integers(0, len(sents) - 1))
    a = sents[start : start + draw(st.integers(1, 25))]
    b = list(a)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "replace", "nfd", "mark", "control"]))
        k = draw(st.integers(0, max(len(b) - 1, 0)))
        if op == "delete" and b:
            del b[k]
        elif op == "insert":
            b.insert(k, draw(st.one_of(any_unicode, decomposed, st.sampled_from(sents))))
        elif op == "duplicate" and b:
            b.insert(draw(st.integers(0, len(b))), b[k])
        elif op == "swap" and len(b) > 1:
            j = draw(st.integers(0, len(b) - 1))
            b[k], b[j] = b[j], b[k]
        elif op == "replace" and b:
            s = b[k]
            i = draw(st.integers(0, len(s)))
            j = draw(st.integers(i, min(len(s), i + 20)))
            new = draw(st.one_of(any_unicode, decomposed, st.sampled_from(["40", "not", "never", ""])))
            b[k] = s[:i] + new[:40] + s[j:]
        elif op == "nfd" and b:
            b[k] = unicodedata.normalize("NFD", b[k])
        elif op == "mark" and b:
            s = b[k]
            i = draw(st.integers(0, len(s)))
            b[k] = s[:i] + draw(st.sampled_from(COMBINING)) + s[i:]
        elif op == "control" and b:
            s = b[k]
            i = draw(st.integers(0, len(s)))
            b[k] = s[:i] + draw(st.sampled_from(["\x1b]0;t\x07", "\x1b[2J", "\x9b31m", "\u202e", "\x00", "\r"])) + s[i:]
    sep = draw(st.sampled_from([" ", "\n", "\n\n"]))
    return sep.join(a), sep.join(b)


# Few distinct lines, many repeats: identical runs must align in order, whatever is inserted between them.
REPEATS = ["Hello there.", "Hello there!", "Goodbye.", "Yes.", "—", "Q: Why?", "A: Because.", "e\u0301.", ""]
repeated_lines = st.lists(st.sampled_from(REPEATS), max_size=80).map("\n".join)

# Random words of any script between sentence marks, speaker labels and line breaks: the segmenter's rules at work.
SEPARATORS = [" ", ". ", "? ", "! ", "\n", "\n\n", ": ", "\nQ: ", "\nA: ", "\n– ", " (", ") ", "\" ", "Dr. ", "U.S. "]
random_sentences = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12), st.sampled_from(SEPARATORS)),
    max_size=80,
).map("".join)



@st.composite
def long_unit(draw: st.DrawFn) -> tuple[str, str]:
    """Thousands of characters without a sentence mark (cut into units), and a copy with one edit inside."""
    words = [w for s in example_sentences() for w in s.split()]
    rng_words = draw(st.lists(st.sampled_from(words), min_size=500, max_size=2500))
    a = " ".join(w.strip(".!?") or "x" for w in rng_words)
    i = draw(st.integers(0, len(a)))
    j = draw(st.integers(i, min(len(a), i + 200)))
    return a, a[:i] + draw(st.one_of(decomposed, any_unicode, st.just(" not "))) + a[j:]


STRATEGIES = {
    "random_unicode": st.tuples(any_unicode, any_unicode),
    "long_units": long_unit(),
    "random_sentences": st.tuples(random_sentences, random_sentences),
    "repeated_lines": st.tuples(repeated_lines, repeated_lines),
    "edited_examples": edited_example(),
    "decomposed": st.tuples(decomposed, decomposed),
    "nfd_of_examples": edited_example().map(lambda ab: (ab[0], unicodedata.normalize("NFD", ab[1]))),
}

# Examples per kind in the suite: a few seconds in all (long units cost ~0.15 s a pair).
SUITE_EXAMPLES = {"long_units": 6}


@pytest.mark.issue(14)
@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_compare_holds_its_invariants_on_hostile_text(kind: str) -> None:
    @settings(max_examples=SUITE_EXAMPLES.get(kind, 25), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STRATEGIES[kind])
    def prop(pair: tuple[str, str]) -> None:
        check_pair(*pair)

    prop()


@pytest.mark.issue(14)
def test_an_nfd_document_is_identical_to_its_nfc_form() -> None:
    text = " ".join(example_sentences())
    c = storydiff.compare(text, unicodedata.normalize("NFD", text))
    assert c.changes == () and c.summary()["identical"] == len(c.a.sentences)
