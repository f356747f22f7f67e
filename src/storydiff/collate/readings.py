"""Readings of each row grouped by meaning, with the typed changes between groups.

Within a row, versions whose passages are equal up to case, whitespace,
quote style and punctuation share one *reading*. Reading 0 is the base's
(the base of the row's family; else the most common). Every other reading is judged against reading 0 by
the change engine (:func:`storydiff.classify.judge_many`, all rows in one
batch): re-wordings join reading 0's meaning group; changed readings form
groups of their own, merged when the engine finds they say the same thing.
Each group carries the typed changes (names, numbers, negation, …) from
reading 0 to its first reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from storydiff.classify import judge_many
from storydiff.classify.features import identity_key
from storydiff.collate.model import Reading, ReadingGroup, Row
from storydiff.collate.passages import RawRow
from storydiff.embed import Encoder
from storydiff.model import PairJudgement, Segmentation, Verdict

# Changed readings of one row compared with each other, at most this many per row
# (beyond it the rest keep a group each: a row with that many rival meanings is rare).
MAX_PAIRWISE = 8


def cell_text(seg: Segmentation, indices: Sequence[int]) -> str:
    """A version's passages in a row, joined (they need not be adjacent in the version)."""
    return " ".join(seg.sentences[i].text for i in sorted(indices))


def build_rows(
    raw: Sequence[RawRow],
    segs: Mapping[str, Segmentation],
    bases: Sequence[str],
    *,
    encoder: Encoder,
) -> tuple[Row, ...]:
    """Turn the alignment skeleton into rows with readings and meaning groups (``bases``: each family's)."""
    order = list(segs)
    drafts = [_readings(r, segs, order, bases[r.family]) for r in raw]
    first = [(d[0][1], d[k][1]) for d in drafts for k in range(1, len(d))]
    verdicts = iter(judge_many(first, encoder=encoder))
    per_row = [[next(verdicts) for _ in range(1, len(d))] for d in drafts]
    rival_pairs = [p for n, (d, js) in enumerate(zip(drafts, per_row, strict=True)) for p in _rival_pairs(n, d, js)]
    judged = judge_many([(drafts[n][a][1], drafts[n][b][1]) for n, a, b in rival_pairs], encoder=encoder)
    rivals: dict[int, dict[tuple[int, int], PairJudgement]] = {}
    for (n, a, b), j in zip(rival_pairs, judged, strict=True):
        rivals.setdefault(n, {})[(a, b)] = j
    rows = []
    for n, (r, d, js) in enumerate(zip(raw, drafts, per_row, strict=True)):
        rows.append(_row(r, d, js, rivals.get(n, {}), order))
    return tuple(rows)


def _readings(raw: RawRow, segs: Mapping[str, Segmentation], order: list[str], base: str) -> list[tuple[list[str], str]]:
    """Distinct readings ``(witnesses, text)``, reading 0 first."""
    by_key: dict[str, tuple[list[str], str]] = {}
    for wid in order:
        if wid in raw.cells:
            text = cell_text(segs[wid], raw.cells[wid])
            by_key.setdefault(identity_key(text) or text, ([], text))[0].append(wid)
    readings = list(by_key.values())
    lead = next((k for k, (ws, _) in enumerate(readings) if base in ws), None)
    if lead is None:
        lead = max(range(len(readings)), key=lambda k: (len(readings[k][0]), -k))
    return [readings[lead]] + readings[:lead] + readings[lead + 1 :]


def _rival_pairs(row: int, draft: list[tuple[list[str], str]], js: list[PairJudgement]) -> list[tuple[int, int, int]]:
    """Pairs of changed readings of one row to compare with each other: (row, reading, reading)."""
    changed = [k + 1 for k, j in enumerate(js) if j.verdict is Verdict.CHANGED][:MAX_PAIRWISE]
    return [(row, i, k) for n, i in enumerate(changed) for k in changed[n + 1 :]]


def _row(
    raw: RawRow,
    draft: list[tuple[list[str], str]],
    js: list[PairJudgement],
    rivals: Mapping[tuple[int, int], PairJudgement],
    order: list[str],
) -> Row:
    group_of = [0]
    reps: list[int] = [0]
    for k, j in enumerate(js, start=1):
        if j.verdict is not Verdict.CHANGED:
            group_of.append(0)
            continue
        home = next((g for g, rep in enumerate(reps) if g > 0 and _same(rivals, rep, k)), None)
        if home is None:
            home = len(reps)
            reps.append(k)
        group_of.append(home)
    readings = tuple(
        Reading(tuple(ws), text, group_of[k], "base" if k == 0 else js[k - 1].verdict.value)
        for k, (ws, text) in enumerate(draft)
    )
    groups = tuple(_group(g, rep, readings, js) for g, rep in enumerate(reps))
    cells = MappingProxyType({wid: tuple(sorted(raw.cells[wid])) for wid in order if wid in raw.cells})
    return Row(cells=cells, readings=readings, groups=groups, moved=tuple(w for w in order if w in raw.moved),
               family=raw.family)


def _same(rivals: Mapping[tuple[int, int], PairJudgement], a: int, b: int) -> bool:
    j = rivals.get((a, b))
    return j is not None and j.verdict is not Verdict.CHANGED


def _group(g: int, rep: int, readings: tuple[Reading, ...], js: list[PairJudgement]) -> ReadingGroup:
    members = tuple(k for k, r in enumerate(readings) if r.group == g)
    witnesses = tuple(w for k in members for w in readings[k].witnesses)
    if g == 0:
        return ReadingGroup(members, witnesses, "base", 1.0)
    j = js[rep - 1]
    return ReadingGroup(members, witnesses, "changed", float(j.confidence), tuple(j.changes))
