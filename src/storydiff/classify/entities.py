"""Names without NER: capitalised runs, acronyms and head-noun patterns, and when two of them are the same name.

"Treaty on the Non-Proliferation of Nuclear Weapons" is one name (connectors
between capitalised words); "INF" equals "Intermediate-Range Nuclear Forces"
by initials; "UN" equals "United Nations" by a small table of general
knowledge; "Kiev"/"Kyiv" are spellings of one name (skeleton or similarity).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein

from storydiff.classify.tokens import Token, fold, lexicon, stopwords

CONNECTORS = frozenset({"of", "the", "on", "for", "de", "la", "del", "der", "von", "van", "al", "bin", "du", "le"})
_OF = frozenset({"of", "de", "del", "der", "von", "van", "al", "bin", "du", "la", "le"})
_NOT_NAMES = frozenset({"i", "question", "answer", "q", "a", "mr", "mrs", "ms", "dr", "sir", "fig", "figs", "figure",
                        "eq", "eqs", "sec", "tab", "table", "section", "appendix", "chapter", "ref", "refs", "p", "pp", "ok"})


@dataclass(frozen=True, slots=True)
class Entity:
    """A name: tokens ``first``..``last`` (inclusive) of one side."""

    first: int
    last: int
    text: str
    kind: str  # law, treaty, organisation, event, place or name

    def indices(self) -> range:
        return range(self.first, self.last + 1)


@functools.cache
def heads() -> dict[str, str]:
    return {w: kind for kind, words in lexicon()["entity_heads"].items() for w in words}


def _is_acronym(t: Token) -> bool:
    core = t.text.replace(".", "")
    return len(core) >= 2 and core.isalpha() and core.isupper()


def find_entities(toks: tuple[Token, ...], known: frozenset[str]) -> tuple[Entity, ...]:
    """Names among ``toks``; ``known`` holds words seen capitalised mid-sentence on either side.

    A capital at the start of a sentence says nothing, so a sentence-initial
    word counts only when it is an acronym, is known as a name, or starts a
    longer capitalised run.
    """
    out: list[Entity] = []
    i, n = 0, len(toks)
    while i < n:
        if not _cap_name(toks[i]):
            i += 1
            continue
        j = i
        while True:
            k = j + 1
            while k < n and toks[k].low in CONNECTORS and not toks[k].is_cap:
                k += 1
            joined = k == j + 1 or toks[k - 1].low in CONNECTORS and (toks[j + 1].low in _OF or toks[j].low in heads())
            if k < n and _cap_name(toks[k]) and not toks[k].sent_start and joined:
                j = k
            else:
                break
        run = toks[i : j + 1]
        while run and (run[0].low in stopwords() or run[0].low in _NOT_NAMES) and not _is_acronym(run[0]):
            run = run[1:]
        if run and _accept(run, known):
            kind = next((heads()[t.low] for t in run if t.low in heads()), "name")
            out.append(Entity(run[0].i, run[-1].i, " ".join(t.text for t in run), kind))
        i = j + 1
    return _joined_by_and(toks, out)


def _joined_by_and(toks: tuple[Token, ...], names: list[Entity]) -> tuple[Entity, ...]:
    """Join "X and Y <Head>" into one name when the second part ends in a body's head word: "Securities and
    Exchange Commission" is one body, whereas "Britain and France" stay two names."""
    out: list[Entity] = []
    for e in names:
        prev = out[-1] if out else None
        if (prev is not None and e.first == prev.last + 2 and toks[prev.last + 1].low in ("and", "&")
                and toks[e.last].low in heads() and heads()[toks[e.last].low] in ("organisation", "law", "treaty")
                and not toks[e.first].sent_start):
            out[-1] = Entity(prev.first, e.last, f"{prev.text} {toks[prev.last + 1].text} {e.text}", e.kind)
        else:
            out.append(e)
    return tuple(out)


_CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                      "july august september october november december jan feb mar apr jun jul aug sep sept oct nov "
                      "dec".split())


# Words that open place names rather than personal names ("New York", "San Diego", "Port Said").
_PLACE_OPENERS = frozenset("new san santa santo los las la el saint st st. sao north south east west upper lower great "
                           "little port fort mount lake cape puerto bad glen".split())
# Titles before a personal name ("President Moreau", "Dr Lee").
_TITLES = frozenset("mr mr. mrs mrs. ms ms. dr dr. sir dame lord lady president minister chancellor premier "
                    "senator governor mayor judge justice general colonel captain admiral commander sergeant "
                    "professor prof prof. king queen prince princess pope bishop rev cardinal ambassador "
                    "secretary spokesman spokeswoman spokesperson master chairman chairwoman chief "
                    "gen gen. lt lt. lieut col col. capt capt. maj maj. sgt sgt. adm adm. cmdr sen sen. rep rep. "
                    "gov gov. pres pres. supt det insp brig brigadier major lieutenant corporal private marshal "
                    "first lady vice deputy acting former late attorney director".split())
# Words that make a name an institution's, never a person's ("Lakeside Medical Center").
_INSTITUTIONS = frozenset("center centre hospital clinic school college academy museum library station airport "
                          "stadium hotel church bridge park".split())
# After a personal name: generational suffixes ("Jr"), which never tell two people apart on their own.
_NAME_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv".split())
# After a company's name: its legal form ("Intel Corp." is Intel).
_CORP_SUFFIXES = frozenset("corp corp. co co. inc inc. ltd ltd. plc llc lp ag sa nv".split())
# The same, spelled out: dropped from a name before comparing ("Intel Corporation" is "Intel Corp"), but a
# word like "Company" still makes a name a body's rather than a person's through the head-word table.
_CORP_WORDS = _CORP_SUFFIXES | frozenset("corporation company incorporated limited".split())
# Words that say which country's body a name is ("U.S. Court of Appeals", "Federal Court of Appeals"):
# left out when one name is looked for inside another.
QUALIFIERS = frozenset("us u.s. usa u.s.a. united states america american federal national uk u.k. britain british "
                       "the".split())


def is_person(toks: tuple[Token, ...], e: Entity) -> bool:
    """A personal name, by form: two to four title-case words that name no place or body ("Elena Ruiz"),
    or one such word after a title ("President Moreau"). A lone surname stays an ordinary name."""
    words = [t for t in toks[e.first : e.last + 1] if t.low not in CONNECTORS and t.low not in _NAME_SUFFIXES]
    if any(t.low in _CORP_SUFFIXES for t in words):
        return False
    if not words or e.kind != "name" or len(words) > 4 or words[0].low in _PLACE_OPENERS:
        return False
    table = lexicon()["demonyms"]
    for t in words:
        core = t.text.replace("-", "").replace("'", "").replace("’", "")
        if not (core.isalpha() and t.text[0].isupper() and not core.isupper()) or t.low in table or t.low in heads():
            return False
    if fold(" ".join(t.text for t in words)) in table:
        return False
    return len(words) >= 2 or (e.first > 0 and toks[e.first - 1].low in _TITLES)


def _cap_name(t: Token) -> bool:
    # Days and months are dates (numbers.py), not names.
    return t.is_word and t.text[0].isupper() and not t.text[0].isdigit() and t.low not in _CALENDAR


def _accept(run: tuple[Token, ...], known: frozenset[str]) -> bool:
    if len(run) > 1 or _is_acronym(run[0]):
        return True
    t = run[0]
    return t.low not in _NOT_NAMES and (not t.sent_start or t.low in known or t.low in lexicon()["demonyms"])


def known_names(*sides: tuple[Token, ...]) -> frozenset[str]:
    """Words that appear capitalised in mid-sentence anywhere on either side."""
    return frozenset(t.low for toks in sides for t in toks if _cap_name(t) and not t.sent_start)


def _core_words(text: str) -> list[str]:
    """The words of a name without a legal form ("Corp"), a generational suffix ("Jr") or a lower-case
    hyphenated tail ("US-backed", "Tampa Bay-area", "Senate-passed": the name itself is "US", "Senate")."""
    words = [re.sub(r"-[a-z][a-z-]*$", "", w) for w in text.split()]
    words = [w for w in words if w]
    while len(words) > 1 and fold(words[-1]).rstrip(",") in _CORP_WORDS | _NAME_SUFFIXES:
        words = words[:-1]
    return words


def canonical(e: Entity) -> str:
    """A key under which equal names meet: the table of acronyms and demonyms, else the folded words."""
    text = re.sub(r"^the\s+", "", fold(" ".join(_core_words(e.text))))
    table = lexicon()["demonyms"]
    if text in table:
        return str(table[text])
    stripped = re.sub(r"['’]s$", "", text)
    return str(table.get(stripped, stripped))


def _initials(words: list[str]) -> tuple[str, str]:
    content = [w for w in words if w.lower() not in CONNECTORS and w not in ("and", "&")]
    plain = "".join(w[0] for w in content).upper()
    split = "".join(p[0] for w in content for p in w.split("-") if p).upper()
    return plain, split


def same_name(x: Entity, y: Entity) -> bool:
    """Equal names: same canonical key, initials of one spell the other, or a demonym ("Russian" ~ "Russia")."""
    cx, cy = canonical(x), canonical(y)
    if cx == cy or sorted(re.split(r"[-\s]+", cx)) == sorted(re.split(r"[-\s]+", cy)) \
            or re.sub(r"[-\s]+", "", cx) == re.sub(r"[-\s]+", "", cy):
        return True  # "High Velocity"/"High-Velocity", "German-English"/"English-German", "Bing Dian"/"BingDian"
    wx, wy = _core_words(x.text), _core_words(y.text)
    if _same_person(wx, wy) or _acronym_inside(wx, wy) or _acronym_inside(wy, wx):
        return True
    # Set aside the words both share at either end: "INF Treaty" vs "Intermediate-Range Nuclear Forces Treaty".
    while len(wx) > 1 and len(wy) > 1 and fold(wx[-1]) == fold(wy[-1]):
        wx, wy = wx[:-1], wy[:-1]
    while len(wx) > 1 and len(wy) > 1 and fold(wx[0]) == fold(wy[0]):
        wx, wy = wx[1:], wy[1:]
    table = lexicon()["demonyms"]
    rx, ry = fold(" ".join(wx)), fold(" ".join(wy))
    if rx in table and table[rx] == table.get(ry):
        return True
    for p, q in ((wx, wy), (wy, wx)):
        core = " ".join(p).replace(".", "")
        if core.isupper() and core.isalpha() and core in _initials(q):
            return True
    return is_demonym(cx, cy) or is_demonym(cy, cx)


def is_title_only(text: str) -> bool:
    """A name made of titles alone ("First Lady", "Prime Minister", "the President"): a role that refers
    to a person named elsewhere, not a rival name."""
    words = [fold(w) for w in text.split() if fold(w) not in CONNECTORS]
    return bool(words) and all(w in _TITLES or w in ("prime", "minister", "house", "speaker") for w in words)


def _same_person(wx: list[str], wy: list[str]) -> bool:
    """One person named two ways: titles and suffixes aside, the same surname and first names that agree
    ("General Jeffery"/"Maj-Gen Jeffery", "Hal Gehman"/"Gehman Jr", "Vlad"/"Vladimir", "J. Smith"/"John Smith")."""
    def core(ws: list[str]) -> list[str]:
        out = [fold(w).strip(".,") for w in ws]
        while out and (out[0] in _TITLES or any(p in _TITLES for p in out[0].split("-"))):
            out = out[1:]
        return out

    cx, cy = core(wx), core(wy)
    if not cx or not cy:
        return False
    titled = len(cx) < len(wx) or len(cy) < len(wy)
    if cx == cy:
        return True  # titles alone differ
    if titled and len(cx) == len(cy) == 1 and min(len(cx[0]), len(cy[0])) >= 4 \
            and (cx[0].startswith(cy[0]) or cy[0].startswith(cx[0])):
        return True  # "President Vlad" / "President Vladimir"
    if cx[-1] != cy[-1] or (len(cx) == 1 and len(cy) == 1):
        return False
    if not all(w.isalpha() or "-" in w or "'" in w for w in cx + cy):
        return False
    fx, fy = cx[:-1], cy[:-1]
    if not fx or not fy:
        # A lone surname against a fuller form: the same person only when a title or first name says it is a
        # person (the first words were titles), not a place ("New York" vs "York").
        return len(cx) + len(cy) < len(wx) + len(wy) or len(fx or fy) <= 2 and (fx or fy)[0] not in _PLACE_OPENERS
    if any(w in heads() or w in _INSTITUTIONS for w in cx + cy):
        return False  # "Virginia Medical Center" / "Virginia Hospital Center": two bodies
    a, b = fx[0], fy[0]
    initial = (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))
    # A shortened first name ("Vlad") is trusted only beside a title: "Northern"/"North" are not nicknames.
    return a == b or initial or (titled and (a.startswith(b) or b.startswith(a)))


def _acronym_inside(wx: list[str], wy: list[str]) -> bool:
    """An acronym among the words of one name spells the other name ("UC Berkeley" and "University of California")."""
    core = " ".join(w for w in wy if w.lower() not in CONNECTORS)
    if len(wy) < 2 or not core:
        return False
    for w in wx:
        bare = w.replace(".", "")
        if not (len(bare) >= 2 and bare.isalpha() and bare.isupper()):
            continue
        # The initials of the whole other name, or of a run of its words ("DNC" in "Democratic National
        # Committee Chairman Terry Brown").
        for i in range(len(wy)):
            for j in range(i + 2, len(wy) + 1):
                if wy[i].lower() not in CONNECTORS and bare in _initials(wy[i:j]):
                    return True
    return False


def is_demonym(x: str, y: str) -> bool:
    if " " in x or " " in y or len(x) < 4:
        return False
    base = x.rstrip("ea") if x[-1] in "ea" else x
    return y != x and y.startswith(base) and y[len(base):] in ("n", "an", "ian", "ese", "i", "ish", "ns", "ians", "ans")


def skeleton(word: str) -> str:
    """A transliteration-neutral form: Kiev/Kyiv, Tchaikovsky/Chaikovsky, Zelenskyy/Zelensky meet."""
    w = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if c.isalpha())
    w = w.replace("tch", "ch").replace("ph", "f").replace("ck", "k").replace("kh", "h").replace("ou", "u")
    w = re.sub(r"[yj]", "i", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w


def spelling_variant(x: str, y: str) -> bool:
    """Two spellings of one name: equal skeletons, or highly similar words of similar length."""
    if fold(x) == fold(y):
        return False
    if x.isupper() and y.isupper() and len(x) == len(y) >= 3 and sorted(x) == sorted(y) and x[0] == y[0]:
        return True  # two letters of an acronym transposed ("LGTR"/"LTGR"): a typo mended
    sx, sy = skeleton(x), skeleton(y)
    if sx == sy or Indel.distance(sx, sy) <= 1:
        return True
    # One substituted letter is a spelling only in longer names (Iran/Iraq are two countries).
    n = max(len(sx), len(sy))
    if n >= 7 and Levenshtein.distance(sx, sy) <= 1:
        return True
    return n >= 9 and Levenshtein.normalized_similarity(sx, sy) >= 0.85
