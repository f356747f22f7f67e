"""Synthetic traditions of known lineage, built from real texts, and how to score a stemma.

Used by ``benchmarks/collate_traditions.py`` (quality) and
``benchmarks/collate_speed.py`` (speed). A tradition starts from one real text
(a PAN source document or a run of Bible chapters in the World English Bible)
and grows by copying: each copy omits sentences, re-words some, changes the
meaning of others (numbers, negation, names), trims words, adds a sentence,
moves a passage, and sometimes takes passages from a second source
(contamination). Some copied versions are then hidden (lost intermediates),
and versions told independently of the others are added (another translation
of the same chapters, or a retelling that re-words every sentence).
"""

from __future__ import annotations

import csv
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")
SYNONYMS = {
    "said": "stated", "big": "large", "small": "little", "begin": "start", "buy": "purchase", "help": "assist",
    "show": "demonstrate", "use": "employ", "get": "obtain", "about": "roughly", "many": "numerous",
    "also": "as well", "but": "however", "very": "highly", "people": "persons", "make": "create",
    "important": "significant", "often": "frequently", "need": "require", "shall": "will", "unto": "to",
    "came": "went", "saw": "noticed", "spoke": "talked", "answered": "replied", "great": "mighty",
}
ANTONYMS = {"increase": "decrease", "more": "less", "before": "after", "good": "bad", "always": "never",
            "high": "low", "first": "last", "love": "hate", "open": "closed", "rich": "poor", "up": "down"}
FILLERS = ("also", "reportedly", "indeed", "still", "now", "then")


# ------------------------------------------------------------------ sources
def pan_texts(parity: int, min_words: int = 450, max_words: int = 1400) -> list[str]:
    """PAN source documents of a suitable length; ``parity`` splits them into dev (0) and test (1)."""
    files = sorted((SHARED / "pan13-text-alignment-subset" / "src").glob("*.txt"))
    out = []
    for k, f in enumerate(files):
        if k % 2 != parity:
            continue
        text = " ".join(f.read_text(encoding="utf-8", errors="replace").split())
        if min_words <= len(text.split()) <= max_words and len(split(text)) >= 20:
            out.append(text)
    return out


def bible_chapters(testament: str, words: int, *, translations: tuple[str, ...] = ("web", "ylt")) -> list[dict[str, str]]:
    """Runs of consecutive chapters of about ``words`` words, one text per translation.

    ``testament`` "ot" (dev) or "nt" (test); each item maps a translation to its text.
    """
    csv.field_size_limit(sys.maxsize)
    path = SHARED / "bible-parallel-en" / "verses.tsv"
    out: list[dict[str, str]] = []
    cur: dict[str, list[str]] = {t: [] for t in translations}
    chapter = None
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            is_nt = int(row["verse_id"]) >= 40_000_000
            if (testament == "nt") != is_nt or not all(row.get(t) for t in translations):
                continue
            key = (row["book"], row["chapter"])
            if chapter != key and len(" ".join(cur[translations[0]]).split()) >= words:
                out.append({t: " ".join(v) for t, v in cur.items()})
                cur = {t: [] for t in translations}
            chapter = key
            for t in translations:
                cur[t].append(row[t].replace("`", "'"))
    return out


def split(text: str) -> list[str]:
    return [s for s in _SENT.split(text) if s.strip()]


# --------------------------------------------------------------- tradition
@dataclass
class Node:
    sentences: list[tuple[int, str]]  # (origin id, text)
    parent: int | None = None
    second: int | None = None
    lost: bool = False


@dataclass
class Tradition:
    """Versions with their true lineage (ids are ``t{k}`` for copies, ``ind{k}`` for independent ones)."""

    name: str
    texts: dict[str, str]
    parent: dict[str, str | None]  # the nearest extant source (through lost ones), None for a root
    second: dict[str, str]  # contamination sources
    lost_between: set[str]  # copies whose true source is lost
    ancestors: dict[str, set[str]]
    component: dict[str, int]
    dates: dict[str, str] = field(default_factory=dict)


def make_tradition(name: str, text: str, rnd: random.Random, n_versions: int, *,
                   independent: list[str] = (), extra_pool: list[str] = ()) -> Tradition:
    """Grow a tradition of ``n_versions`` extant copies from ``text`` (see the module docstring)."""
    pool = [s for t in extra_pool for s in split(t)] or ["This report was updated."]
    nodes = [Node(list(enumerate(split(text))))]
    next_id = [10_000]
    while sum(1 for n in nodes if not n.lost) < n_versions:
        recent = list(range(max(0, len(nodes) - 3), len(nodes)))
        p = rnd.choice(recent) if rnd.random() < 0.5 else rnd.randrange(len(nodes))
        child = Node(_copy(nodes[p].sentences, rnd, pool, next_id), parent=p)
        if len(nodes) >= 4 and rnd.random() < 0.12:
            barred = _lineage(nodes, p) | {p}
            options = [k for k in range(len(nodes)) if k not in barred]
            if options:
                child.second = rnd.choice(options)
                child.sentences = _contaminate(child.sentences, nodes[child.second].sentences, rnd)
        nodes.append(child)
        if rnd.random() < 0.18 and not nodes[p].lost and any(n.parent == p for n in nodes[:-1]):
            nodes[p].lost = True
    if rnd.random() < 0.25:
        nodes[0].lost = True
    return _finish(name, nodes, independent, rnd)


def _lineage(nodes: list[Node], k: int) -> set[int]:
    out, p = set(), nodes[k].parent
    while p is not None:
        out.add(p)
        p = nodes[p].parent
    return out


def _copy(sents: list[tuple[int, str]], rnd: random.Random, pool: list[str], next_id: list[int]) -> list[tuple[int, str]]:
    out = []
    for sid, s in sents:
        u = rnd.random()
        if u < 0.05:
            continue
        if u < 0.11:
            s = reword(s, rnd)
        elif u < 0.14:
            s = change_meaning(s, rnd)
        elif u < 0.17:
            s = trim(s, rnd)
        out.append((sid, s))
    if rnd.random() < 0.25:
        next_id[0] += 1
        out.insert(rnd.randrange(len(out) + 1), (next_id[0], rnd.choice(pool)))
    if rnd.random() < 0.25 and len(out) > 6:
        k = rnd.randrange(len(out) - 3)
        block = out[k : k + rnd.randint(1, 3)]
        rest = out[:k] + out[k + len(block) :]
        j = rnd.randrange(len(rest) + 1)
        out = rest[:j] + block + rest[j:]
    return out


def _contaminate(own: list[tuple[int, str]], other: list[tuple[int, str]], rnd: random.Random) -> list[tuple[int, str]]:
    theirs = dict(other)
    return [(sid, theirs[sid] if sid in theirs and rnd.random() < 0.35 else s) for sid, s in own]


def reword(s: str, rnd: random.Random) -> str:
    words = s.split()
    for _ in range(rnd.randint(1, 2)):
        swaps = [k for k, w in enumerate(words) if w.lower() in SYNONYMS]
        op = rnd.random()
        if swaps and op < 0.5:
            k = rnd.choice(swaps)
            words[k] = SYNONYMS[words[k].lower()]
        elif op < 0.75 and len(words) > 4:
            k = rnd.randrange(1, len(words) - 2)
            words[k], words[k + 1] = words[k + 1], words[k]
        else:
            words.insert(rnd.randrange(1, max(2, len(words))), rnd.choice(FILLERS))
    return " ".join(words)


def change_meaning(s: str, rnd: random.Random) -> str:
    words = s.split()
    nums = [k for k, w in enumerate(words) if re.fullmatch(r"\d+[.,]?", w)]
    if nums:
        k = rnd.choice(nums)
        words[k] = re.sub(r"\d+", lambda m: str(int(m.group()) + rnd.randint(2, 9)), words[k])
        return " ".join(words)
    ant = [k for k, w in enumerate(words) if w.lower() in ANTONYMS]
    if ant:
        k = rnd.choice(ant)
        words[k] = ANTONYMS[words[k].lower()]
        return " ".join(words)
    verbs = [k for k, w in enumerate(words) if w.lower() in ("is", "was", "are", "were", "will", "can", "has", "had")]
    if verbs:
        k = rnd.choice(verbs)
        words.insert(k + 1, "not")
        return " ".join(words)
    names = [k for k, w in enumerate(words) if k > 0 and w[:1].isupper()]
    if names:
        words[rnd.choice(names)] = rnd.choice(["Johnson", "Maria", "Berlin", "Smith"])
    else:
        words.insert(0, "Never")
    return " ".join(words)


def trim(s: str, rnd: random.Random) -> str:
    words = s.split()
    if len(words) < 8:
        return s
    k = rnd.randrange(2, len(words) - 3)
    return " ".join(words[:k] + words[k + rnd.randint(1, 3) :])


def retell(text: str, rnd: random.Random) -> str:
    """A version told independently: every sentence re-worded several times, some dropped."""
    out = []
    for s in split(text):
        if rnd.random() < 0.1:
            continue
        for _ in range(3):
            s = reword(s, rnd)
        out.append(s)
    return " ".join(out)


def _finish(name: str, nodes: list[Node], independent: list[str], rnd: random.Random) -> Tradition:
    ids = {}
    for k, n in enumerate(nodes):
        if not n.lost:
            ids[k] = f"t{len(ids) + 1:02d}"
    texts = {ids[k]: " ".join(s for _, s in n.sentences) for k, n in enumerate(nodes) if k in ids}
    parent: dict[str, str | None] = {}
    lost_between = set()
    for k, n in enumerate(nodes):
        if k not in ids:
            continue
        p = n.parent
        while p is not None and p not in ids:
            lost_between.add(ids[k])
            p = nodes[p].parent
        parent[ids[k]] = ids.get(p) if p is not None else None
    second = {}
    for k, n in enumerate(nodes):
        if k in ids and n.second is not None and n.second in ids:
            second[ids[k]] = ids[n.second]
    ancestors = {ids[k]: {ids[a] for a in _all_ancestors(nodes, k) if a in ids} for k in ids}
    component = {w: 0 for w in texts}
    base = date(2021, 1, 1)
    dates = {ids[k]: (base + timedelta(days=3 * k)).isoformat() for k in ids}
    for j, t in enumerate(independent):
        wid = f"ind{j + 1}"
        texts[wid], parent[wid], ancestors[wid], component[wid] = t, None, set(), j + 1
        dates[wid] = (base + timedelta(days=rnd.randrange(0, 3 * len(nodes)))).isoformat()
    return Tradition(name, texts, parent, second, lost_between, ancestors, component, dates)


def _all_ancestors(nodes: list[Node], k: int) -> set[int]:
    out, todo = set(), [k]
    while todo:
        n = nodes[todo.pop()]
        for p in (n.parent, n.second):
            if p is not None and p not in out:
                out.add(p)
                todo.append(p)
    return out
