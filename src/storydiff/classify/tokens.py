"""Words with character offsets, a matching key for each, and a word alignment inside a pair.

The key is a lemma-ish, spelling-neutral form ("organisations" and
"organization" share one) used only for matching; reports always quote the
original text through the offsets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from storydiff import resources
from storydiff.words import CHANGE_TOKEN


LEXICON = "change_lexicon.json"
COMMON_WORDS = "common_words.txt"


def lexicon() -> dict[str, Any]:
    """The general lexicons shipped in ``storydiff/data/change_lexicon.json``."""
    return dict(resources.read_json(LEXICON))


@functools.cache
def common_words() -> frozenset[str]:
    """Everyday English words (``storydiff/data/common_words.txt``, made by ``scripts/common_words.py``)."""
    return frozenset(resources.read_lines(COMMON_WORDS))


def is_common(word: str) -> bool:
    """``word`` (lower case) or its plain form is an everyday word (see :func:`common_words`)."""
    common = common_words()
    return any(w in common for w in (word, word[:-1] if word.endswith("s") else word,
                                     word[:-2] if word.endswith("ed") else word, word[:-3] if word.endswith("ing") else word))


@functools.cache
def stopwords() -> frozenset[str]:
    return frozenset(lexicon()["stopwords"])


@dataclass(frozen=True, slots=True)
class Token:
    """One word, number or punctuation mark of a text.

    Attributes:
        i: position among the text's tokens.
        start, end: character offsets into the text.
        text: the verbatim token.
        low: lower-cased text with typographic apostrophes made plain.
        key: the matching key (lemma-ish, UK/US spelling folded).
        sent_start: True when the token opens a sentence (capital letters carry no name signal there).
    """

    i: int
    start: int
    end: int
    text: str
    low: str
    key: str
    sent_start: bool

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def is_content(self) -> bool:
        return self.is_word and self.low not in stopwords()

    @property
    def is_cap(self) -> bool:
        return self.text[0].isupper()


# Numbers keep their grouping and decimal marks ("4,000", "1.5", "10:37", "6th");
# words keep inner hyphens and apostrophes ("neo-Nazi", "don't").
_TOKEN = CHANGE_TOKEN
# A backtick, an acute accent or a modifier letter stands in for the apostrophe in some typed text ("shouldn`t").
_NT = re.compile(r"(?i)(\w+)(n['’`´ʼ]t)$")
_POSS = re.compile(r"(?i)(\w+)(['’`´ʼ]s)$")
_IRREGULAR = {"n't": "not", "ca": "can", "wo": "will", "sha": "shall", "'ll": "will", "'re": "are",
              "'ve": "have", "'m": "am", "'d": "would", "cannot": "not", "'s": "'s", "persons": "person",
              "people": "person", "children": "child", "men": "man", "women": "woman", "per": "per"}
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def uk_us(w: str) -> str:
    table = lexicon()["uk_us"]
    if w in table:
        return str(table[w])
    # Generic British → American rules; applied to both sides alike, so an
    # over-eager rewrite of a word that is not a variant still matches itself.
    w = re.sub(r"(?<=\w\w)is(e|ed|es|ing|ation|ations|er|ers)$", r"iz\1", w)
    w = re.sub(r"(?<=\w\w)ys(e|ed|es|ing)$", r"yz\1", w)
    w = re.sub(r"(?<=\w{3})our(s|ed|ing|ite|ites|able|ful|less)?$", r"or\1", w)
    w = re.sub(r"^(\w{3,}[^aeiou\W])re(s|d)?$", r"\1er\2", w)
    w = re.sub(r"ogue(s)?$", r"og\1", w)
    if len(w) >= 7:
        w = re.sub(r"(?<=[aeiou])ll(ed|ing|er|ers)$", r"l\1", w)
    return w


@functools.lru_cache(maxsize=65536)  # a pure function of one word: memoising it caches no result of a comparison
def word_key(text: str) -> str:
    """The matching key of one word: ``"Organisations"`` → ``"organization"``-like stem."""
    w = fold(text)
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if not w or not w[0].isalpha():  # a lone combining accent folds to nothing
        return w.replace(",", "")
    w = uk_us(w)
    for suf, rep in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith(("ss", "us", "is")):
            w = w[: len(w) - len(suf)] + rep
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w.rstrip("e") if len(w) > 3 else w


def fold(text: str) -> str:
    """Lower case, plain apostrophes and no accents."""
    w = text.lower().replace("’", "'").replace("‘", "'").replace("`", "'").replace("´", "'").replace("ʼ", "'")
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w


# After these a capital letter says nothing about names.
_OPENERS = frozenset(".!?:–—\"“«([")


def tokenize(text: str) -> tuple[Token, ...]:
    """Split ``text`` into tokens with offsets; contractions and possessives are split off.

    Example:
        >>> [t.text for t in tokenize("Russia's army didn't move.")]
        ['Russia', "'s", 'army', 'did', "n't", 'move', '.']
    """
    out: list[Token] = []
    opener = True
    for m in _TOKEN.finditer(text):
        s, e, w = m.start(), m.end(), m.group()
        parts = [(s, e)]
        sub = _NT.match(w) or _POSS.match(w)
        if sub and len(sub.group(1)) > 0:
            cut = s + len(sub.group(1))
            parts = [(s, cut), (cut, e)]
        for ps, pe in parts:
            t = text[ps:pe]
            low = fold(t)
            out.append(Token(len(out), ps, pe, t, low, word_key(t), opener and t[0].isalpha()))
            opener = t in _OPENERS or (opener and not t[0].isalnum())
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Slot:
    """A stretch where the two texts differ: token indices on each side (either may be empty)."""

    a: tuple[int, ...]
    b: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WordAlignment:
    """Which words of A correspond to which words of B, and the differing slots left over."""

    a: tuple[Token, ...]
    b: tuple[Token, ...]
    a2b: dict[int, int]
    b2a: dict[int, int]
    slots: tuple[Slot, ...]


def align_words(a: tuple[Token, ...], b: tuple[Token, ...]) -> WordAlignment:
    """Match tokens by key in order (LCS), then re-ordered leftovers with the same key.

    Returns the matches and the slots: each run of unmatched tokens of A with
    the unmatched tokens of B that sit between the same anchors.
    """
    ka = [t.key for t in a]
    kb = [t.key for t in b]
    sm = SequenceMatcher(None, ka, kb, autojunk=False)
    a2b: dict[int, int] = {}
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            a2b[blk.a + k] = blk.b + k
    # Re-ordered words: same content key left unmatched on both sides.
    free_b: dict[str, list[int]] = {}
    taken = set(a2b.values())
    for j, t in enumerate(b):
        if j not in taken and t.is_word and t.is_content:
            free_b.setdefault(t.key, []).append(j)
    matched_b = set(a2b.values())
    for i, t in enumerate(a):
        if i in a2b or not (t.is_word and t.is_content):
            continue
        cands = [j for j in free_b.get(t.key, ()) if j not in matched_b]
        if cands:
            j = min(cands, key=lambda j: abs(j / max(len(b), 1) - i / max(len(a), 1)))
            a2b[i] = j
            matched_b.add(j)
    b2a = {j: i for i, j in a2b.items()}
    slots: list[Slot] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        sa = tuple(i for i in range(i1, i2) if i not in a2b and a[i].is_word)
        sb = tuple(j for j in range(j1, j2) if j not in b2a and b[j].is_word)
        if sa or sb:
            slots.append(Slot(sa, sb))
    return WordAlignment(a, b, a2b, b2a, tuple(slots))
