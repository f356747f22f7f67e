"""Hostile and unusual text through compare (issue 14): decomposed accents, over-long sentences,
control characters, repeated lines. Each test is a reproducer of a crash, a blow-up or a false report.

Reading hostile bytes is tested in test_read_hostile.py, properties over random input in test_fuzz.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import storydiff
from storydiff.embed import BATCH_CHARS, WindowedEncoder, get_encoder, windows
from storydiff.read import from_text
from storydiff.report import FORMATS, render
from storydiff.segment import MAX_SENTENCE_CHARS, segment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bridge-original.txt"


# --- decomposed accents (item 1) ----------------------------------------------------------------


@pytest.mark.issue(14)
def test_the_example_saved_in_nfd_is_identical_to_itself_in_nfc() -> None:
    nfc = EXAMPLE.read_text(encoding="utf-8") + "\nLe café de Zoë a fermé à Noël."
    c = storydiff.compare(nfc, unicodedata.normalize("NFD", nfc))
    s = c.summary()
    assert s["identical"] == len(c.a.sentences) and s["added"] == s["removed"] == s["moved"] == 0
    assert c.changes == ()


@pytest.mark.issue(14)
@pytest.mark.parametrize("text", ["\u0301", "a \u0301 b.", "\u0301\u0308 Caf\u00e9 x\u0327.", "e\u0301\u0301\u0301"])
def test_lone_combining_marks_do_not_crash(text: str) -> None:
    c = storydiff.compare(text, "A plain sentence.")
    for seg in (c.a, c.b):
        for s in seg.sentences:
            assert seg.document.text[s.start : s.end] == s.text
    assert storydiff.compare(text, text).changes == ()


@pytest.mark.issue(14)
def test_documents_are_read_in_nfc() -> None:
    assert from_text("Cafe\u0301").text == "Caf\u00e9"
    assert storydiff.read.load("Zoe\u0308 left.".encode()).text == "Zo\u00eb left."


@pytest.mark.issue(14)
def test_compare_sentences_judges_nfc_and_reports_offsets_in_the_texts_as_given() -> None:
    a = "Le café a fermé avec 40 tables."
    b = unicodedata.normalize("NFD", "Le café a fermé avec 400 tables.")
    assert storydiff.compare_sentences(a, unicodedata.normalize("NFD", a)).verdict.value == "identical"
    j = storydiff.compare_sentences(a, b)
    (c,) = [c for c in j.changes if c.b_text == "400"]
    assert b[c.b.start : c.b.end] == "400" and a[c.a.start : c.a.end] == "40"


# --- over-long units (item 3) ------------------------------------------------------------------


def _unpunctuated(n_chars: int, seed: int = 1) -> str:
    import random

    rng = random.Random(seed)
    words = "the bridge council river mayor vote money school bus street shop baker fund design spring".split()
    return " ".join(rng.choices(words, k=n_chars // 6))


@pytest.mark.issue(14)
def test_a_sentence_longer_than_the_cap_is_cut_into_units_where_the_words_say() -> None:
    text = _unpunctuated(60_000)
    seg = segment(from_text(text))
    assert len(seg.sentences) > 20
    assert all(len(s.text) <= MAX_SENTENCE_CHARS and s.text == text[s.start : s.end] for s in seg.sentences)
    assert all(not s.text[0].isspace() and not s.text[-1].isspace() for s in seg.sentences)
    # an insertion near the start moves only the cuts near it
    edited = text[:100] + "an inserted clause " + text[100:]
    after = {s.text for s in segment(from_text(edited)).sentences}
    same = [s.text for s in seg.sentences if s.text in after]
    assert len(same) >= len(seg.sentences) - 2


@pytest.mark.issue(14)
def test_a_300_kb_paragraph_without_punctuation_compares_in_bounded_memory(tmp_path: Path) -> None:
    """It took 8.2 GB (the encoder padded its batch to the longest sentence); now a few hundred MB."""
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    text = _unpunctuated(300_000)
    a.write_text(text, encoding="utf-8")
    b.write_text(text[:150_000] + " extra words " + text[150_000:], encoding="utf-8")
    # The child's own peak: Linux carries the parent's high-water mark into a child's ru_maxrss across exec, so a
    # large test process made this fail; VmHWM belongs to the image the child runs.
    script = (
        "import resource, sys, storydiff, pathlib\n"
        "c = storydiff.compare(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))\n"
        "s = c.summary()\n"
        "st = pathlib.Path('/proc/self/status')\n"
        "hwm = [int(l.split()[1]) for l in st.read_text().splitlines() if l.startswith('VmHWM:')] if st.exists() else []\n"
        "print(s['identical'], s['reworded'] + s['changed'], hwm[0] if hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    p = subprocess.run([sys.executable, "-c", script, str(a), str(b)], capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    identical, differing, rss_kb = map(int, p.stdout.split())
    assert rss_kb < 1_000_000
    assert differing <= 2 and identical > 50


class _Recorder:
    """An averaging encoder that records the padded size of every call."""

    name = "recorder"
    dim = 8

    def __init__(self) -> None:
        self.padded: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.padded.append(len(texts) * max(map(len, texts)))
        out = np.array([[t.count(c) + 1e-3 for c in "abcdefgh"] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.mark.issue(14)
def test_windowed_encoder_bounds_every_call_and_keeps_short_texts_bit_for_bit() -> None:
    inner = _Recorder()
    enc = WindowedEncoder(inner)
    texts = ["a short text about bed and cafe", "abc " * 100_000, "another short one"]
    out = enc.encode(texts)
    assert max(inner.padded) <= BATCH_CHARS
    assert np.array_equal(out[0], _Recorder().encode([texts[0]])[0])
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert float(out[1] @ _Recorder().encode([texts[1]])[0]) > 0.999


@pytest.mark.issue(14)
def test_windowed_encoder_gives_wordllama_vectors_unchanged_for_sentences() -> None:
    raw = get_encoder("wordllama")
    texts = ["The council voted on Tuesday.", "It rained."]
    assert np.array_equal(WindowedEncoder(raw).encode(texts), raw.encode(texts))


def test_windows_cut_at_spaces_and_cover_the_text() -> None:
    text = "word " * 1000 + "x" * 2500
    spans = windows(text, 1000)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(e - s <= 1000 for s, e in spans) and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


# --- control characters (item 5) ------------------------------------------------------------


HOSTILE = ("The vote was on Monday.\x1b]0;owned\x07 Forty people came.\x1b[2J\x1b[31m Fake line\x1b[0m.\n"
           "Prices rose \x9b6n by 3% \u202eevil\u202c today.\x7f")


@pytest.mark.issue(14)
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "html"])
@pytest.mark.parametrize("color", [False, True])
def test_no_control_character_from_a_document_reaches_a_text_output(fmt: str, color: bool) -> None:
    c = storydiff.compare(HOSTILE, HOSTILE.replace("Monday", "Tuesday").replace("3%", "4%"))
    out = render(c, fmt, min_severity="low", color=color)
    # rich's own styles are the only escapes allowed (the document's "[31m" would be neutralised before)
    bare = re.sub(r"\x1b\[[0-9;]*m", "", out) if fmt == "text" and color else out
    assert not any(ch in bare for ch in "\x1b\x07\x9b\x7f\u202e"), repr(bare[:300])
    if fmt == "text":
        assert "␛]0;owned␇" in bare
    if fmt == "json":
        assert json.loads(out)["documents"][0]["text"] == HOSTILE  # kept, escaped
        assert "\\u001b" in out and "\\u009b" in out and "\\u202e" in out


@pytest.mark.issue(14)
def test_compare_no_color_prints_no_escape_from_the_document(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    text = EXAMPLE.read_text(encoding="utf-8") + "\n\n" + HOSTILE  # a file mostly of controls is refused as binary
    a.write_text(text, encoding="utf-8")
    b.write_text(text.replace("Monday", "Tuesday"), encoding="utf-8")
    for fmt in ("text", "markdown", "csv"):
        p = subprocess.run([sys.executable, "-m", "storydiff", "compare", str(a), str(b), "--no-color", "--all",
                            "-f", fmt], capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr.decode()
        assert not any(c.encode() in p.stdout for c in "\x1b\x07\x9b\u202e"), fmt
        if fmt == "text":
            assert "␛]0;owned␇".encode() in p.stdout


# --- repeated sentences (item 10) --------------------------------------------------------------


@pytest.mark.issue(14)
@pytest.mark.parametrize("text", ["Hello there. Hello there. Goodbye.", "\n".join(["Same line."] * 3000)])
def test_compare_of_a_text_with_itself_reports_nothing(text: str) -> None:
    c = storydiff.compare(text, text)
    s = c.summary()
    assert s["identical"] == len(c.a.sentences) and c.changes == () and c.alignment.moves == ()
