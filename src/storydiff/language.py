"""Which language a document is written in.

``detect_language(text)`` returns an ISO 639-1 code ("en", "ru", "fr", …) or
``None`` when the text holds too few letters to tell. The model is py3langid
(a maintained fork of langid.py: a naive-Bayes byte n-gram model for 97
languages, shipped in the wheel, numpy only), chosen over lingua, pycld2 and
langdetect by ``benchmarks/language_id.py``: as accurate as lingua's
high-accuracy mode on sentences (99.0 % vs 98.6 % on WMT22 and REFreSD
sentences, 100 % on documents) at a tenth of its load time and a thirtieth
of its time per sentence.

Loading the model costs ~0.3 s (it decompresses 4.5 MB). Most documents
compared are English, so plain English prose is recognised first by its
function words without loading the model (:func:`_plainly_english`); the
benchmark checks that this shortcut never disagrees with the model.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["LANGUAGE_MODEL", "detect_language", "language_name", "needs_crosslingual"]

LANGUAGE_MODEL = "py3langid"
# The model sees at most this many characters: a few paragraphs decide a
# document's language, and classifying is linear in the text.
_SAMPLE = 4000
# The languages the model may answer: those the multilingual encoder knows and their near neighbours (so that
# Ukrainian is not taken for Russian); ruling out the other 56 of py3langid's 97 removes guesses such as
# Walloon or Frisian for a short English line.
LANGUAGES = tuple(
    "ar be bg ca cs da de el en es et eu fa fi fr gl he hi hr hu id it ja ko lt lv mk ms nl no pl pt ro ru sk sl "
    "sr sv th tr uk vi zh".split()
)
# Below this probability the language is reported unknown (and the text treated as English): short lines are
# where the model errs, and an English line must not be sent down the cross-lingual path on a guess. Chosen on
# the test strings of this repository (no English line above it but French ones) and WMT22/REFreSD sentences
# (benchmarks/language_id.py).
MIN_PROBABILITY = 0.7
_MIN_LETTERS = 3
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf]")
# Words frequent in English and (as words) absent from or rare in the other
# Latin-script languages the model knows; "a", "in", "is", "on", "to" are
# left out because Romance, Germanic or Slavic languages use them too.
_ENGLISH = frozenset(
    "the and of that was with for this are have has from which were would their there been will".split()
)
_ENGLISH_SHARE = 0.12
_ENGLISH_MIN_WORDS = 40


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or ``None`` if it has too few letters or the model is unsure.

    Example:
        >>> detect_language("Министр не исключил новых переговоров.")
        'ru'
        >>> detect_language("2024-01-05") is None
        True
    """
    sample = text[:_SAMPLE]
    if len(_LETTER.findall(sample[:200])) < _MIN_LETTERS and len(_LETTER.findall(sample)) < _MIN_LETTERS:
        return None
    if _plainly_english(sample):
        return "en"
    lang, prob = _identifier().classify(sample)
    return str(lang) if prob >= MIN_PROBABILITY else None


def needs_crosslingual(lang_a: str | None, lang_b: str | None) -> bool:
    """Whether a pair is judged by :mod:`storydiff.classify.crosslingual`: a side known to be in a language
    other than English (the English change engine reads English words)."""
    return any(lang not in (None, "en") for lang in (lang_a, lang_b))


def _plainly_english(sample: str) -> bool:
    """Long Latin-script prose in which English function words are frequent."""
    if _NON_LATIN.search(sample):
        return False
    words = _WORD.findall(sample.casefold())
    if len(words) < _ENGLISH_MIN_WORDS:
        return False
    return sum(w in _ENGLISH for w in words) >= _ENGLISH_SHARE * len(words)


@functools.cache
def _identifier() -> Any:
    # One model per process: loading is the slow part and the model never changes.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def language_name(code: str | None) -> str:
    """A readable English name for a code ("ru" → "Russian", from CLDR via babel); "unknown" for None."""
    if code is None:
        return "unknown"
    if code == "en":
        return "English"  # the common case, without loading CLDR data
    from babel import Locale

    return str(Locale("en").languages.get(code, code))
