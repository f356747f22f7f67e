"""The word lists of :mod:`storydiff.classify.crosslingual`, read from ``data/language_cues.json``.

Negation cues, number conventions and scale abbreviations per language (ISO 639-1 codes, lower case). Number
words, month and weekday names come from libraries (num2words, babel's CLDR data); the file holds what those do
not, and its content hash goes into every result's provenance (``crosslingual.components``).
"""

from __future__ import annotations

from typing import Any

from storydiff import resources

FILE = "language_cues.json"


def _table(key: str) -> dict[str, Any]:
    return {k: v for k, v in resources.read_json(FILE)[key].items() if not k.startswith("_")}


NEGATORS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _table("negators").items()}
CONCORD: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _table("concord").items()}
CONCORD_REACH: int = resources.read_json(FILE)["concord_reach"]
NOT_AFTER: dict[str, dict[str, frozenset[str]]] = {
    k: {neg: frozenset(words) for neg, words in v.items()} for k, v in _table("not_after").items()
}
NOT_AFTER_REACH = 3
IMPLICIT_NEGATION: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _table("implicit_negation").items()}
IMPLICIT_PREFIXES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _table("implicit_prefixes").items()}
NOT_IMPLICIT: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _table("not_implicit").items()}
STRONG_IMPLICIT: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _table("strong_implicit").items()}
DECIMAL_POINT = frozenset(_table("decimal_point")["languages"])
SCALE_ABBREVIATIONS: dict[str, dict[str, int]] = _table("scale_abbreviations")
NOUNS_CAPITALISED = frozenset(_table("nouns_capitalised")["languages"])
QUOTE_OPENERS: str = resources.read_json(FILE)["quote_openers"]
