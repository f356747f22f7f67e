"""How two words relate in WordNet: the same lemma, synonyms, one more general or more specific, opposites, two
kinds of one thing, or unrelated.

The data (``data/wordnet_relations.tsv.gz``, made by ``scripts/wordnet_relations.py`` from WordNet 3.0) holds
the frequent lemmas, their four most frequent senses per part of speech, hypernyms three levels up, antonyms and
irregular forms. Inflected forms are reduced the way WordNet's ``morphy`` does (irregular forms, then suffix
rules). A word WordNet does not know gives ``unknown``.
"""

from __future__ import annotations

import functools
import gzip

from storydiff import resources

WORDNET = "wordnet_relations.tsv.gz"
RELATIONS = ("same", "synonym", "more_specific", "more_general", "antonym", "sibling", "unrelated", "unknown")

_SUFFIXES = (("ies", "y"), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
             ("es", "e"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""),
             ("ier", "y"), ("iest", "y"), ("er", "e"), ("er", ""), ("est", "e"), ("est", ""))


@functools.cache
def _wordnet() -> tuple[dict[str, tuple[int, ...]], dict[int, tuple[int, ...]], frozenset[frozenset[str]],
                        dict[str, str]]:
    senses: dict[str, tuple[int, ...]] = {}
    hyper: dict[int, tuple[int, ...]] = {}
    antonyms: set[frozenset[str]] = set()
    forms: dict[str, str] = {}
    for line in gzip.decompress(resources.read_bytes(WORDNET)).decode("utf-8").splitlines():
        kind, _, rest = line.partition("\t")
        if kind == "L":
            lemma, ids = rest.split("\t")
            senses[lemma] = tuple(int(i) for i in ids.split())
        elif kind == "H":
            sid, ids = rest.split("\t")
            hyper[int(sid)] = tuple(int(i) for i in ids.split())
        elif kind == "A":
            antonyms.add(frozenset(rest.split("\t")))
        elif kind == "X":
            form, lemma = rest.split("\t")
            forms.setdefault(form, lemma)
    return senses, hyper, frozenset(antonyms), forms


@functools.lru_cache(maxsize=65536)  # a pure function of one word over static data
def lemmas(word: str) -> tuple[str, ...]:
    """The WordNet lemmas ``word`` may be a form of (itself first when WordNet knows it)."""
    senses, _, _, forms = _wordnet()
    w = word.lower().replace("’", "'")
    out = [w] if w in senses else []
    if w in forms:
        out.append(forms[w])
    for suf, rep in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 2:
            base = w[: len(w) - len(suf)] + rep
            if base in senses:
                out.append(base)
            if len(base) > 2 and base[-1] == base[-2] and base[:-1] in senses:  # "stopped" → "stop"
                out.append(base[:-1])
    return tuple(dict.fromkeys(out))


@functools.lru_cache(maxsize=65536)
def _ancestors(sid: int, depth: int = 3) -> frozenset[int]:
    _, hyper, _, _ = _wordnet()
    seen: set[int] = set()
    frontier = {sid}
    for _ in range(depth):
        frontier = {h for s in frontier for h in hyper.get(s, ())} - seen
        seen |= frontier
    return frozenset(seen)


def relation(x: str, y: str) -> str:
    """How word ``y`` relates to word ``x`` (one of :data:`RELATIONS`).

    ``more_specific``: ``y`` is a kind or a manner of ``x`` ("kill" → "slaughter"); ``more_general``: the reverse;
    ``sibling``: two kinds of one thing ("Monday"/"Tuesday", "civil"/"criminal").

    Example:
        >>> relation("killed", "slaughtered"), relation("rose", "fell")
        ('more_specific', 'antonym')
    """
    lx, ly = lemmas(x), lemmas(y)
    if not lx or not ly:
        return "same" if x.lower() == y.lower() else "unknown"
    if set(lx) & set(ly):
        return "same"
    senses, hyper, antonyms, _ = _wordnet()
    if any(frozenset((p, q)) in antonyms for p in lx for q in ly):
        return "antonym"
    sx = {s for w in lx for s in senses[w]}
    sy = {s for w in ly for s in senses[w]}
    if sx & sy:
        return "synonym"
    if any(sx & _ancestors(s) for s in sy):
        return "more_specific"
    if any(sy & _ancestors(s) for s in sx):
        return "more_general"
    px = {h for s in sx for h in hyper.get(s, ())}
    if any(px.intersection(hyper.get(s, ())) for s in sy):
        return "sibling"
    return "unrelated"
