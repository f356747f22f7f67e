"""Build ``src/storydiff/data/wordnet_relations.tsv.gz`` from the WordNet 3.0 database files.

The change model asks how the words on the two sides of a change relate: the same
word, synonyms, one more general or more specific than the other, opposites, two
kinds of one thing, or unrelated. WordNet answers that; this script keeps the part
storydiff needs, small enough to ship: single-word lemmas that occur in WordNet's
sense-tagged corpus (``tagsense_cnt`` > 0) or in ``data/common_words.txt``, their
four most frequent senses per part of speech, the hypernyms of those senses three
levels up, lemma antonyms, and the irregular forms of the kept lemmas.

Reads the database where Debian's ``wordnet-base`` package puts it
(``apt-get install wordnet-base``); ``--wordnet DIR`` for another place::

    .venv/bin/python scripts/wordnet_relations.py

WordNet 3.0 is © 2006 Princeton University, under a licence that allows copying and
redistribution with its notice, which the output file carries in its header.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "storydiff" / "data" / "wordnet_relations.tsv.gz"
POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SENSES = 4
DEPTH = 3
ALL = True  # every single-word lemma: rarer words ("atrocity", "transparency") are where static vectors fail
NOTICE = """# Derived from WordNet 3.0 (lemmas, senses, hypernyms, antonyms, irregular forms), made by scripts/wordnet_relations.py.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES,
# EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR
# WARRANTIES OF MERCHANTABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE,
# DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.
# The name of Princeton University or Princeton may not be used in advertising or publicity pertaining to
# distribution of the software and/or database. Title to copyright in this software, database and any associated
# documentation shall at all times remain with Princeton University and LICENSEE agrees to preserve same.
# Lines: L lemma synset-ids | H synset-id hypernym-ids | A lemma lemma (antonyms) | X form lemma (irregular forms)
"""


def _index(wn: Path, common: frozenset[str]) -> dict[str, list[str]]:
    senses: dict[str, list[str]] = {}
    for p, name in POS.items():
        for line in (wn / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            f = line.split()
            lemma, n_ptr = f[0], int(f[3])
            if "_" in lemma or not lemma.replace("-", "").isalpha():
                continue
            rest = f[4 + n_ptr :]
            tagged, offsets = int(rest[1]), rest[2:]
            if tagged == 0 and lemma not in common and not ALL:
                continue
            senses.setdefault(lemma, []).extend(f"{p}{o}" for o in offsets[:SENSES])
    return senses


def _data(wn: Path) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    hyper: dict[str, list[str]] = {}
    antonyms = []
    for p, name in POS.items():
        for line in (wn / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            f = line.split(" ")
            sid = f"{p}{f[0]}"
            n_words = int(f[3], 16)
            words = [f[4 + 2 * k].lower() for k in range(n_words)]
            k = 4 + 2 * n_words
            n_ptr = int(f[k])
            for q in range(n_ptr):
                sym, off, pos, st = f[k + 1 + 4 * q : k + 5 + 4 * q]
                pos = "a" if pos == "s" else pos
                if sym in ("@", "@i") or (sym == "&" and p == "a"):
                    hyper.setdefault(sid, []).append(f"{pos}{off}")
                elif sym == "!" and st != "0000":
                    antonyms.append((words[int(st[:2], 16) - 1], (off, pos, int(st[2:], 16))))
    return hyper, antonyms


def _synset_words(wn: Path) -> dict[str, list[str]]:
    out = {}
    for p, name in POS.items():
        for line in (wn / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            f = line.split(" ")
            n_words = int(f[3], 16)
            out[f"{p}{f[0]}"] = [f[4 + 2 * k].lower() for k in range(n_words)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet", default="/usr/share/wordnet", help="folder with WordNet 3.0's index.* and data.*")
    args = ap.parse_args()
    wn = Path(args.wordnet)
    common = frozenset((ROOT / "src" / "storydiff" / "data" / "common_words.txt").read_text().split())
    senses = _index(wn, common)
    hyper, antonym_ptrs = _data(wn)
    words = _synset_words(wn)
    keep: set[str] = set()
    frontier = {s for ss in senses.values() for s in ss}
    for _ in range(DEPTH + 1):
        keep |= frontier
        frontier = {h for s in frontier for h in hyper.get(s, ())} - keep
    ids = {s: i for i, s in enumerate(sorted(keep))}
    lines = [NOTICE.rstrip("\n")]
    for lemma in sorted(senses):
        lines.append(f"L\t{lemma}\t{' '.join(str(ids[s]) for s in dict.fromkeys(senses[lemma]))}")
    for s in sorted(keep, key=ids.get):
        hs = [str(ids[h]) for h in hyper.get(s, ()) if h in ids]
        if hs:
            lines.append(f"H\t{ids[s]}\t{' '.join(hs)}")
    pairs = set()
    for w, (off, pos, n) in antonym_ptrs:
        other = words.get(f"{pos}{off}", [])
        if 0 < n <= len(other):
            o = other[n - 1]
            if w in senses and o in senses and w != o:
                pairs.add(tuple(sorted((w, o))))
    lines += [f"A\t{x}\t{y}" for x, y in sorted(pairs)]
    for name in POS.values():
        for line in (wn / f"{name}.exc").read_text(encoding="latin-1").splitlines():
            f = line.split()
            if len(f) >= 2 and f[1] in senses and f[0] != f[1] and "_" not in f[0]:
                lines.append(f"X\t{f[0]}\t{f[1]}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    OUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(senses)} lemmas, {len(keep)} synsets, {len(pairs)} antonym pairs; {len(data)} bytes, "
          f"{OUT.stat().st_size} gzipped → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
