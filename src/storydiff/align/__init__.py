"""Aligning: two segmentations → :class:`Alignment` (groups, moves, added, removed).

PLACEHOLDER: replaced by the alignment stage.
"""

from __future__ import annotations

import numpy as np

from storydiff.embed import Encoder
from storydiff.model import Alignment, Group, Segmentation
from storydiff.options import Options


def align(a: Segmentation, b: Segmentation, *, options: Options, encoder: Encoder) -> Alignment:
    ea = encoder.encode([s.text for s in a.sentences])
    eb = encoder.encode([s.text for s in b.sentences])
    sim = ea @ eb.T if len(ea) and len(eb) else np.zeros((len(ea), len(eb)))
    groups, used = [], set()
    for i in range(len(ea)):
        if sim.shape[1] == 0:
            break
        j = int(sim[i].argmax())
        if sim[i, j] >= options.align_threshold and j not in used:
            used.add(j)
            groups.append(Group((i,), (j,), float(sim[i, j])))
    removed = tuple(i for i in range(len(ea)) if i not in {g.a[0] for g in groups})
    added = tuple(j for j in range(len(eb)) if j not in used)
    return Alignment(tuple(groups), removed, added)
