"""Segmenting: Document → paragraphs and sentences as character spans.

Three steps, each linear in the length of the text:

1. **Paragraphs.** Blank lines separate blocks. Inside a block every line is
   a paragraph (one paragraph per line, as transcripts are usually saved)
   unless the block is hard-wrapped prose (lines often break mid-sentence),
   in which case the block is one paragraph.
2. **Markers.** A paragraph may open with a speaker label ("Question:",
   "Anna Moreau:") or a dialogue dash ("– We agree"). The marker is cut off
   (sentence offsets start after it) and recorded as ``Sentence.speaker``.
3. **Sentences.** A paragraph without sentence-final punctuation (a title) is
   one sentence. Otherwise nupunkt (a maintained, pure-Python Punkt
   splitter; chosen over pysbd and blingfire by ``benchmarks/segmenters.py``)
   proposes boundaries and the rules of :mod:`storydiff.segment_rules`
   repair them: no split after titles ("Dr."), inside names
   ("J. R. R. Tolkien"), before a lower-case word, before a number after
   "No.", or inside brackets; closing quotes stay with their sentence; a
   boundary the splitter missed before a plain sentence opener is added.
   A "sentence" above :data:`MAX_SENTENCE_CHARS` (text without sentence
   marks) is cut into units where its words say (see :func:`_capped`).

Turns (question/answer) are then marked as described in :func:`mark_turns`.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from storydiff import segment_rules as R
from storydiff.model import Document, Segmentation, Sentence, Span

Splitter = Callable[[str], list[tuple[int, int]]]


# --- paragraphs -------------------------------------------------------------

_BLOCK = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_LINE_END_FINAL = re.compile(rf"[{re.escape(R.FINAL_MARKS)}:;][{re.escape(R.CLOSERS)}]*$")
_BULLET = re.compile(r"^\s*(?:[*•·▪‣]|\d{1,3}[.)])\s")

# --- markers ----------------------------------------------------------------

_DASH = re.compile(rf"^[{re.escape(R.DASH_MARKERS)}]{{1,2}}\s+(?=\S)")
_LABEL = re.compile(
    r"^(?P<label>[^\W\d_][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,%d})[ \t]*:(?:[ \t]+(?=\S)|[ \t]*$)"
    % (R.LABEL_MAX_WORDS - 1)
)

# --- sentences --------------------------------------------------------------

_HAS_FINAL = re.compile(rf"[{re.escape(R.FINAL_MARKS)}][{re.escape(R.CLOSERS)}]*\s+\S")
_LAST_TOKEN = re.compile(r"(\S+)\s*$")
_FIRST_WORD = re.compile(rf"^[{re.escape(R.OPENERS)}]*(\S+)")
_INITIAL = re.compile(r"^[A-Z]\.$")
_MISSED = re.compile(
    rf"(?<!\S)(\S+?)([.!?…][{re.escape(R.CLOSERS)}]*)\s+(?=[{re.escape(R.OPENERS)}]*([A-Z][a-z]*)\b)"
)


@dataclass(frozen=True, slots=True)
class Rules:
    """The repair rules' word lists and patterns for one language."""

    titles: frozenset[str]
    numbers: frozenset[str]
    inner: frozenset[str]
    all_abbreviations: frozenset[str]
    starters: frozenset[str]
    closers: str
    openers: str
    missed: re.Pattern[str]
    first_word: re.Pattern[str]
    initial: re.Pattern[str]
    dash_continues: bool = False
    ordinal_dot: bool = False


ENGLISH = Rules(
    titles=R.TITLE_ABBREVIATIONS,
    numbers=R.NUMBER_ABBREVIATIONS,
    inner=R.INNER_ABBREVIATIONS,
    all_abbreviations=R.ALL_ABBREVIATIONS,
    starters=R.SENTENCE_STARTERS,
    closers=R.CLOSERS,
    openers=R.OPENERS,
    missed=_MISSED,
    first_word=_FIRST_WORD,
    initial=_INITIAL,
)


@functools.cache
def rules_for(language: str | None) -> Rules:
    """The repair rules for text in ``language`` (ISO 639-1); English for ``None`` and ``"en"``."""
    if language in (None, "en"):
        return ENGLISH
    lang = str(language)

    def widen(base: frozenset[str], extra: dict[str, set[str]]) -> frozenset[str]:
        return base | frozenset(extra.get(lang, ()))

    titles = widen(R.TITLE_ABBREVIATIONS, R.TITLE_ABBREVIATIONS_BY_LANGUAGE)
    numbers = widen(R.NUMBER_ABBREVIATIONS, R.NUMBER_ABBREVIATIONS_BY_LANGUAGE)
    inner = widen(R.INNER_ABBREVIATIONS, R.INNER_ABBREVIATIONS_BY_LANGUAGE)
    closers = R.CLOSERS + R.CLOSERS_BY_LANGUAGE.get(lang, "")
    openers = "".join(c for c in R.OPENERS + R.OPENERS_BY_LANGUAGE.get(lang, "") if c not in closers)
    return Rules(
        titles=titles,
        numbers=numbers,
        inner=inner,
        all_abbreviations=R.ALL_ABBREVIATIONS | titles | numbers | inner,
        starters=widen(R.SENTENCE_STARTERS, R.SENTENCE_STARTERS_BY_LANGUAGE),
        closers=closers,
        openers=openers,
        # Any script's capital opens a sentence ("… 2023 г. Это рекорд."); French sets "!", "?" and
        # "»" apart with a space ("« Bien ! » Puis").
        missed=re.compile(
            rf"(?<!\S)(\S*?)\s?([.!?…](?:\s?[{re.escape(closers)}])*)\s+(?=[{re.escape(openers)}]*\s?([^\W\d_]+))"
        ),
        first_word=re.compile(rf"^[{re.escape(openers)}]*(\S+)"),
        initial=re.compile(r"^[^\W\d_]\.$"),
        dash_continues=True,
        ordinal_dot=lang in R.ORDINAL_DOT_LANGUAGES,
    )


# pysbd's rule sets by language (its own list); other languages use nupunkt with the widened rules.
PYSBD_LANGUAGES = frozenset(
    "en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split()
)


def splitter_for(language: str | None) -> Splitter:
    """The sentence splitter for text in ``language``: nupunkt for English and unknown text, else pysbd's rules
    for that language where it has them (nupunkt's model is English: it split "Am 3. Oktober" and missed
    "2023 г. Это"; the cases are in tests/test_language.py)."""
    if language in (None, "en") or language not in PYSBD_LANGUAGES:
        return nupunkt_spans
    return pysbd_splitter(str(language))
_LOOKBACK = 2000  # characters of the current sentence the repair rules look at
_BRACKET_REACH = 300  # how far ahead an open bracket must close to hold a sentence together
# Longest unit a sentence may be; a longer one is cut (see _capped). Ten times the
# longest sentences of ordinary prose, so only text without sentence marks is cut.
MAX_SENTENCE_CHARS = 3000
_CUT_MIN = 1000
_CUT_ONE_IN = 64
_CUT_CONTEXT = 32
_SPACED_WORD = re.compile(r"\s(\S)")


@dataclass(frozen=True, slots=True)
class _Para:
    """One paragraph: its span, the marker cut off, and its sentence spans."""

    start: int
    end: int
    body: int  # where the text after the marker starts
    kind: str  # "question" (question label), "label", "dash" or "plain"
    speaker: str | None
    sentences: tuple[tuple[int, int], ...]  # absolute offsets
    interrogative: bool  # every sentence ends with "?"
    ends_question: bool  # the last sentence ends with "?"
    heading: bool  # no sentence-final punctuation at all


def segment(doc: Document) -> Segmentation:
    """Cut a document into paragraphs and sentences, and mark question/answer turns.

    Args:
        doc: a read document.

    Returns:
        A :class:`Segmentation` whose sentences are spans of ``doc.text``
        (``doc.text[s.start:s.end] == s.text``), never including a speaker
        label or dialogue dash, which go to ``Sentence.speaker``.

    Example:
        >>> from storydiff.read import from_text
        >>> seg = segment(from_text("Q: Is it true? Dr. Park said so.\\nA: No. It is not."))
        >>> [(s.text, s.role, s.turn, s.speaker) for s in seg.sentences][:3]
        [('Is it true?', 'question', 0, 'Q'), ('Dr. Park said so.', 'question', 0, 'Q'), ('No.', 'answer', 0, 'A')]
    """
    return segment_with(doc, splitter_for(doc.language))


def segment_with(doc: Document, splitter: Splitter, *, repair: bool = True) -> Segmentation:
    """:func:`segment` with a chosen splitter (for benchmarks and tests).

    The repair rules follow ``doc.language``: English rules for English and
    unknown text, English rules widened by the language's abbreviations,
    sentence openers and quotation marks otherwise.
    """
    text = doc.text
    rules = rules_for(doc.language)
    paras = [_paragraph(text, s, e, splitter, repair, rules) for s, e in paragraph_spans(text)]
    marks = mark_turns(paras)
    sentences: list[Sentence] = []
    for pi, (p, (role, turn, speaker)) in enumerate(zip(paras, marks, strict=True)):
        for s, e in p.sentences:
            sentences.append(Sentence(len(sentences), s, e, text[s:e], pi, turn, role, speaker))
    return Segmentation(doc, tuple(sentences), tuple(Span(p.start, p.end) for p in paras))


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blank-line blocks, split into lines unless hard-wrapped."""
    spans: list[tuple[int, int]] = []
    for block in _BLOCK.finditer(text):
        lines = [(block.start() + m.start(), block.start() + m.end()) for m in _LINE.finditer(block.group())]
        if len(lines) == 1 or not _hard_wrapped(text, lines):
            spans.extend(lines)
            continue
        start = lines[0][0]
        for (_, prev_end), (ls, le) in zip(lines, lines[1:]):
            # A label, dash or bullet opens a new paragraph even in wrapped prose.
            line = text[ls:le].lstrip()
            if _BULLET.match(line) or _DASH.match(line) or _speaker_label(line):
                spans.append((start, prev_end))
                start = ls
        spans.append((start, lines[-1][1]))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]


def _hard_wrapped(text: str, lines: list[tuple[int, int]]) -> bool:
    """True when a third or more of the line breaks fall in mid-sentence."""
    mid = 0
    for (ps, pe), (ns, _) in zip(lines, lines[1:]):
        nxt = text[ns : ns + 64].lstrip()[:1]
        if not _LINE_END_FINAL.search(text[ps:pe]) and (nxt.islower() or nxt.isdigit()):
            mid += 1
    return mid * 3 >= len(lines) - 1


# --- one paragraph ------------------------------------------------------------


def _paragraph(text: str, start: int, end: int, splitter: Splitter, repair: bool, rules: Rules) -> _Para:
    ptext = text[start:end]
    kind, speaker, offset = _marker(ptext)
    body = ptext[offset:]
    heading = not _HAS_FINAL.search(body + " x")
    spans = [(0, len(body))] if heading else split_sentences(body, splitter, repair=repair, rules=rules)
    spans = [(start + offset + s, start + offset + e) for s, e in spans if e > s]
    spans = [piece for s, e in spans for piece in _capped(text, s, e)]
    tails = [text[s:e].rstrip(R.CLOSERS).endswith("?") for s, e in spans]
    return _Para(
        start=start,
        end=end,
        body=start + offset,
        kind=kind,
        speaker=speaker,
        sentences=tuple(spans),
        interrogative=bool(tails) and all(tails),
        ends_question=bool(tails) and tails[-1],
        heading=heading,
    )


def _capped(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span cut into units of at most :data:`MAX_SENTENCE_CHARS`, before a word where there are words.

    A "sentence" of hundreds of kilobytes (a text without punctuation, a
    pasted table) is no sentence; left whole, every later per-sentence step
    (word diff, features, embedding) would cost time or memory growing with
    its length or its square. Cut into units, it is compared like a run of
    sentences, at a bounded cost per unit.

    Where to cut depends on the words there, not on the distance from the
    start (content-defined chunking, as rsync does): a cut falls before the
    first word past :data:`_CUT_MIN` characters where the CRC-32 of the
    :data:`_CUT_CONTEXT` characters before it is a multiple of
    :data:`_CUT_ONE_IN`. So an edit moves only the cuts near it, and the units
    after it are the same on both sides.
    """
    out: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        words = (m.start(1) for m in _SPACED_WORD.finditer(text, start + _CUT_MIN, limit))
        cut = next((k for k in words if _chosen(text[k - _CUT_CONTEXT : k])), None)
        if cut is None:  # no chosen word: the last word start, else anywhere
            space = max(text.rfind(c, start + _CUT_MIN, limit) for c in " \t\n")
            cut = space + 1 if space > start else limit
        piece = text[start:cut].rstrip()
        out.append((start, start + len(piece)))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    out.append((start, end))
    return [(s, e) for s, e in out if e > s]


def _chosen(before: str) -> bool:
    """Whether a unit may end where ``before`` ends: one place in :data:`_CUT_ONE_IN`, by content alone."""
    return zlib.crc32(before.encode("utf-8", "replace")) % _CUT_ONE_IN == 0


def _marker(ptext: str) -> tuple[str, str | None, int]:
    """``(kind, speaker, length of the marker)`` for a paragraph's opening."""
    dash = _DASH.match(ptext)
    if dash:
        return "dash", None, dash.end()
    label = _speaker_label(ptext)
    if label:
        name, end = label
        # "Question 2:", "Q1:" are question labels too.
        kind = "question" if name.casefold().rstrip("0123456789 .#") in R.QUESTION_LABELS else "label"
        return kind, name, end
    return "plain", None, 0


def _speaker_label(ptext: str) -> tuple[str, int] | None:
    """A short capitalised name or role followed by a colon, e.g. ``Anna Moreau:``."""
    m = _LABEL.match(ptext)
    if not m:
        return None
    name = m.group("label").strip()
    words = name.split()
    if (
        len(name) > R.LABEL_MAX_CHARS
        or words[0].casefold().rstrip(".") in R.NOT_SPEAKERS_FIRST
        or name.casefold().rstrip(".") in R.NOT_SPEAKERS
    ):
        return None
    if words[-1] in R.LABEL_PARTICLES or not all(
        w[0].isupper() or w in R.LABEL_PARTICLES or w.isdigit() for w in words
    ):
        return None
    return name, m.end()


# --- sentences ---------------------------------------------------------------


def split_sentences(
    body: str, splitter: Splitter, *, repair: bool = True, rules: Rules | None = None
) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph body: the splitter's, then repaired.

    Spans are trimmed of surrounding whitespace and cover every word.
    """
    cuts = sorted({s for s, _ in splitter(body) if 0 < s < len(body)})
    if repair:
        cuts = _repair(body, cuts, rules or ENGLISH)
    bounds = [0, *cuts, len(body)]
    spans = []
    for s, e in zip(bounds, bounds[1:]):
        chunk = body[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            spans.append((s + lead, s + trail))
    return spans


def _repair(body: str, cuts: Sequence[int], rules: Rules) -> list[int]:
    """Apply the rules: move cuts past closing quotes, drop cuts that split a
    sentence, add cuts the splitter missed before a plain sentence opener."""
    out: list[int] = []
    prev = 0
    for cut in sorted(set(cuts) | set(_missed_cuts(body, rules))):
        cut = _past_closers(body, cut, rules)
        if cut >= len(body) or (out and cut <= out[-1]):
            continue
        if _keep_together(body, prev, cut, rules):
            continue
        out.append(cut)
        prev = cut
    return out


def _missed_cuts(body: str, rules: Rules) -> list[int]:
    """Cuts the splitter may have missed before a capitalised word.

    After "?" or "!"; after a period that follows a plain lower-case word
    ("it was so. God called"); after a period before a common sentence
    opener ("Plan B. The …") unless a title or an inner abbreviation such as
    "e.g." precedes. Never before an initial ("J. A. Smith"). Cuts that
    split a sentence are removed afterwards by :func:`_keep_together`.
    """
    cuts = []
    for m in rules.missed.finditer(body):
        token, mark, opener = m.group(1).lstrip(rules.openers).casefold(), m.group(2)[0], m.group(3)
        if not opener[:1].isupper():
            continue
        if body[m.end() + len(opener) : m.end() + len(opener) + 1] == ".":
            continue  # the opener is an initial
        if mark != ".":
            cuts.append(m.end())  # "?" and "!" before a capital (closing quotes already passed)
        elif _plain_word(m.group(1), rules) or (
            opener.casefold() in rules.starters
            and token not in rules.titles
            and token not in R.NEVER_FORCE_AFTER
        ):
            cuts.append(m.end())
    return cuts


def _plain_word(token: str, rules: Rules) -> bool:
    """A lower-case word that is no abbreviation: a period after it ends a sentence."""
    word = token.lstrip(rules.openers)
    return len(word) >= 2 and word.isalpha() and word.islower() and word not in rules.all_abbreviations


def _past_closers(body: str, cut: int, rules: Rules) -> int:
    """A cut just before a closing quote or bracket moves after it ('said.” Then')."""
    i = cut
    while i < len(body) and body[i] in rules.closers and (i + 1 == len(body) or not body[i + 1].isalnum()):
        i += 1
    if i == cut:
        return cut
    while i < len(body) and body[i].isspace():
        i += 1
    return i


def _keep_together(body: str, start: int, cut: int, rules: Rules) -> bool:
    """True when the text left of ``cut`` does not end a sentence."""
    # Bounded look-back keeps a paragraph of many vetoed cuts linear.
    left = body[max(start, cut - _LOOKBACK) : cut].rstrip()
    right = body[cut:]
    last = _LAST_TOKEN.search(left)
    first = rules.first_word.match(right)
    if not last or not first:
        return False
    token, word = last.group(1), first.group(1)
    bare = token.rstrip(rules.closers).lstrip(rules.openers)
    if rules.dash_continues and word in R.DASH_MARKERS and right[len(first.group()) :].lstrip()[:1].islower():
        return True  # «Это ошибка!» — добавила она.
    if word[:1].islower():
        return True  # nothing starts a sentence in lower case ("e.g. for", "… and then", "“Why?” he asked")
    if not bare.endswith("."):
        return _unclosed_bracket(left, right)
    abbrev = bare[:-1].casefold()
    if abbrev in rules.inner and word.strip(".,;:").casefold() not in rules.starters:
        return True  # "the U.N. Security Council", "e.g. France"
    if abbrev in rules.titles:
        return True
    if abbrev in rules.numbers and word[:1].isdigit():
        return True
    if rules.ordinal_dot and abbrev.isdigit() and word.strip(".,;:").casefold() not in rules.starters:
        return True  # "am 3. Oktober", "im 19. Jahrhundert"
    if abbrev in R.TIME_ABBREVIATIONS and word.rstrip(".,;:").casefold() in R.TIME_WORDS:
        return True
    if rules.initial.match(bare) and word[:1].isupper() and word.rstrip(".,").casefold() not in rules.starters:
        return True  # "J. R. R. Tolkien", "Anna M. Moreau"
    return _unclosed_bracket(left, right)


def _unclosed_bracket(left: str, right: str) -> bool:
    # Sentence-final marks inside "[…]" or "(…)" do not end the sentence, if
    # the bracket does close soon (a stray "(" must not swallow a paragraph).
    return any(
        left.count(o) > left.count(c) and c in right[:_BRACKET_REACH] for o, c in R.BRACKET_PAIRS
    )


# --- the splitter -------------------------------------------------------------


def nupunkt_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans from nupunkt, the splitter :func:`segment` uses for English (chosen by benchmarks/segmenters.py)."""
    import nupunkt

    return nupunkt.sent_spans(text)  # type: ignore[no-any-return]


@functools.cache
def pysbd_splitter(language: str) -> Splitter:
    """pysbd's rules for ``language`` (it has them for 22 languages; nupunkt's model is English)."""
    import pysbd

    # clean=False keeps the text verbatim; char_span is not used because it
    # re-searches the whole text per sentence (quadratic): we map sentences
    # back ourselves with a moving cursor.
    seg = pysbd.Segmenter(language=language, clean=False)

    def spans(text: str) -> list[tuple[int, int]]:
        return _locate(text, seg.segment(text))

    return spans


def _locate(text: str, pieces: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of ``pieces`` found in order in ``text`` (pieces the splitter altered are skipped)."""
    spans = []
    pos = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        i = text.find(piece, pos)
        if i < 0:
            continue
        spans.append((i, i + len(piece)))
        pos = i + len(piece)
    return spans


# --- turns --------------------------------------------------------------------


def mark_turns(paras: Sequence[_Para]) -> list[tuple[str | None, int | None, str | None]]:
    """``(role, turn, speaker)`` for each paragraph.

    A document has turn structure when a paragraph opens with a question label
    ("Question:", "Q:", "Interviewer:") or at least two open with a speaker
    label or a dialogue dash. Without it, role and turn are ``None`` and the
    speaker is only the paragraph's own label. With it:

    * a question label makes a question; any other label makes an answer;
    * a dash paragraph is an answer, unless it is all questions, or ends with
      a question and the next paragraph opens with a dash or label (the
      interviewer's turn in dash-only transcripts); right after a question it
      is always the answer;
    * an unmarked paragraph that is all questions is a question; one that ends
      with a question right before a dash/label paragraph is a question;
      otherwise it continues the current turn as an answer (after a question
      it *is* the answer); before the first turn it has no role;
    * a label-only paragraph ("Question:" on its own line) lends its label to
      the next paragraph.

    A question opens a new turn (numbered 0, 1, 2, … in order) unless it
    continues a question; an answer opens one when no turn is open, or when a
    dash or a different speaker's label follows an answer.
    """
    paras = _lend_labels(paras)
    has_turns = any(p.kind == "question" for p in paras) or sum(p.kind in ("label", "dash") for p in paras) >= 2
    if not has_turns:
        return [(None, None, p.speaker) for p in paras]
    out: list[tuple[str | None, int | None, str | None]] = []
    prev: str | None = None
    turn = -1
    speaker: str | None = None
    for i, p in enumerate(paras):
        if not p.sentences:
            out.append((prev, turn if prev else None, speaker))
            continue
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        role = _role(p, prev, nxt is not None and nxt.kind in ("label", "dash"))
        if role == "question" and prev != "question":
            turn += 1
        elif role == "answer" and (
            prev is None
            or (prev == "answer" and (p.kind == "dash" or (p.kind == "label" and p.speaker != speaker)))
        ):
            turn += 1
        if p.speaker or role != prev:
            speaker = p.speaker
        out.append((role, turn if role else None, speaker if role else p.speaker))
        prev = role
    return out


def _role(p: _Para, prev: str | None, answer_next: bool) -> str | None:
    if p.kind == "question":
        return "question"
    if p.kind == "label":
        return "answer"
    asks = p.interrogative or (p.ends_question and answer_next)
    if p.kind == "dash":
        return "question" if asks and prev != "question" else "answer"
    if p.interrogative:
        return "question"
    if asks and prev != "question":
        return "question"
    return "answer" if prev is not None else None


def _lend_labels(paras: Sequence[_Para]) -> list[_Para]:
    """Give a label standing alone on its line to the paragraph after it."""
    out = list(paras)
    for i in range(len(out) - 1):
        p, q = out[i], out[i + 1]
        if not p.sentences and p.kind in ("question", "label") and q.kind == "plain":
            out[i + 1] = replace(q, kind=p.kind, speaker=p.speaker)
            out[i] = replace(p, kind="plain")
    return out
