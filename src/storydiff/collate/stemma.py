"""Who copied whom: a forest of copies inferred from the variant table.

The method (``storydiff.stemma.v1``), in five steps:

1. **Families.** Two versions are linked only if they read at least
   ``link_threshold`` of their passages identically; versions told
   independently of each other (another translation, a retelling) agree on
   almost nothing and stay unrelated. Each family is the spanning tree that
   explains its variant units (word-level differences, omissions,
   transpositions) with the fewest changes (:mod:`.parsimony`): a copy is
   closest to its source, and an innovation two versions share, an added
   passage included, happens once.
2. **Direction.** Each edge's evidence (words dropped rather than added:
   copies trim more than they add, asymmetric containment; known dates,
   earlier = source) is a log-odds of its direction; each family is rooted
   where its edges' directions are most probably right together.
3. **Lost intermediates.** Along an edge source → copy, the source's other
   neighbours in the tree (its own source, its other copies) say which
   readings are old. If the source has innovations the copy does not share,
   the copy did not take its text from it: when the two still share
   innovations against the source's own source, both descend from a lost
   (hypothetical) version; otherwise the copy hangs from the source's source.
4. **Second sources.** When a copy shares several of its departures from its
   source with a version outside its own line, that version is a second
   source (contamination).
5. **Confidence.** Every edge gets a probability: the strength of the link
   (agreement, shared phrases) times the posterior probability, over the
   possible roots of its family, that it points the way it does; and it
   names the evidence that decided it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from storydiff.collate.evidence import MISSING, Evidence, differing, loss_gain
from storydiff.collate.model import CollateOptions, Stemma, StemmaEdge
from storydiff.collate.parsimony import spanning_tree

METHOD = "storydiff.stemma.v1"
# Words of net loss worth one logit of direction confidence.
LOSS_SCALE = 4.0
# Logits a known date difference adds to the direction.
DATE_LOGIT = 4.0
# Share of the shorter version's word 5-grams two versions must share to be related even when
# few of their passages read identically (long passages all touched by small edits). On the dev
# traditions copies kept >= 0.79 and versions told independently <= 0.55.
CONTAIN_LINK = 0.7
# Share of a copy's departures that a second source must explain (tuned on the dev
# traditions of benchmarks/collate_traditions.py: at 0.3 most second sources found were false).
SECOND_SOURCE_SHARE = 0.7
# Share of the differences along an edge that must be the source's own innovations
# before the copy is taken to descend from a lost version instead (dev-tuned, 0.2-0.35).
LOST_SHARE = 0.35


@dataclass(slots=True)
class _Tree:
    """The mutable working state: parents, second sources and reading rows of lost nodes."""

    ev: Evidence
    parent: dict[int, int | None]
    matrix: list[np.ndarray]  # variant locations per node
    readings: list[np.ndarray]  # row readings per node
    direction: dict[tuple[int, int], float] = field(default_factory=dict)  # P(edge points this way)
    second: dict[int, tuple[int, float]] = field(default_factory=dict)  # copy -> (source, share explained)
    made: dict[int, str] = field(default_factory=dict)  # how each node got its parent

    def children(self, node: int) -> list[int]:
        return sorted(c for c, p in self.parent.items() if p == node)

    def ancestors(self, node: int) -> list[int]:
        out, p = [], self.parent.get(node)
        while p is not None:
            out.append(p)
            p = self.parent.get(p)
        return out

    def subtree(self, node: int) -> set[int]:
        out, todo = {node}, [node]
        while todo:
            for c in self.children(todo.pop()):
                out.add(c)
                todo.append(c)
        return out

    def new_node(self, p: int, c: int, g: int | None) -> int:
        self.matrix.append(_reconstruct(self.matrix, p, c, g))
        self.readings.append(_reconstruct(self.readings, p, c, g))
        return len(self.matrix) - 1


def infer(ev: Evidence, dates: Mapping[str, str | None], options: CollateOptions) -> tuple[Stemma, dict[str, np.ndarray]]:
    """Infer the stemma of the versions in ``ev`` (see the module docstring).

    Returns:
        The stemma, and the reading row (one reading index per variant-table
        row, ``-1`` = lacks it) of every node, lost ones reconstructed.
    """
    n = len(ev.ids)
    parent: dict[int, int | None] = {}
    sure: dict[tuple[int, int], float] = {}
    for comp in _families(ev, options.link_threshold):
        edges = spanning_tree(ev, comp, lambda u, v: direction_logit(ev, u, v, dates, options.use_dates)[0])
        root, family_sure = _root(ev, comp, edges, dates, options.use_dates)
        parent.update(_orient(comp, edges, root))
        sure.update(family_sure)
    tree = _Tree(ev, parent, [ev.locations[i] for i in range(n)], [ev.matrix[i] for i in range(n)],
                 direction=sure)
    _lost_intermediates(tree, options.min_innovations)
    _second_sources(tree, options.min_innovations, options.link_threshold)
    names = _names(tree)
    return _stemma(tree, names, dates, options), {names[k]: row for k, row in enumerate(tree.readings)}


# ------------------------------------------------------------------ families
def related(ev: Evidence, threshold: float) -> np.ndarray:
    """Pairs of versions that may be linked at all (see ``CollateOptions.link_threshold``)."""
    return (ev.agreement >= threshold) | (ev.containment >= CONTAIN_LINK)


def _link_logit(ev: Evidence, i: int, j: int, threshold: float) -> float:
    return max(ev.agreement[i, j] - threshold, ev.containment[i, j] - CONTAIN_LINK) * 20.0


def _families(ev: Evidence, threshold: float) -> list[list[int]]:
    n = len(ev.ids)
    comp = list(range(n))
    rel = related(ev, threshold)
    for i in range(n):
        for j in range(i + 1, n):
            if rel[i, j]:
                a, b = comp[i], comp[j]
                comp = [a if c == b else c for c in comp]
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(comp):
        groups.setdefault(c, []).append(i)
    return list(groups.values())


def direction_logit(ev: Evidence, u: int, v: int, dates: Mapping[str, str | None], use_dates: bool) -> tuple[float, dict[str, object]]:
    """Log-odds that ``u`` is the source of ``v``, and the counts behind it."""
    lost, gained = loss_gain(ev, u, v)
    z = (lost - gained) / LOSS_SCALE
    info: dict[str, object] = {"words_dropped": lost, "words_added": gained}
    du, dv = dates.get(ev.ids[u]), dates.get(ev.ids[v])
    if use_dates and du and dv and du != dv:
        z += DATE_LOGIT if du < dv else -DATE_LOGIT
        info["dates"] = [du, dv]
    return z, info


def _root(ev: Evidence, comp: list[int], edges: list[tuple[int, int]], dates: Mapping[str, str | None],
          use_dates: bool) -> tuple[int, dict[tuple[int, int], float]]:
    """The root of a family, and for every edge the probability of its direction.

    Each edge's direction evidence is a log-odds; a rooting's log-likelihood is the sum over
    edges of log sigmoid(evidence along the rooting). With every member equally likely to be
    the root beforehand, an edge points p → c with the posterior mass of the roots outside c's
    subtree: an edge whose own words say little is as sure as the rest of the family makes it.
    The root chosen is the one whose edges are most probably all right (the product of those
    probabilities): it is the likeliest root unless several come close.
    """
    z = {}
    for i, j in edges:
        z[(i, j)] = direction_logit(ev, i, j, dates, use_dates)[0]
        z[(j, i)] = -z[(i, j)]
    loglik = {r: sum(_log_sigmoid(z[(p, c)]) for c, p in _orient(comp, edges, r).items() if p is not None)
              for r in comp}
    top = max(loglik.values())
    weight = {r: math.exp(v - top) for r, v in loglik.items()}
    total = sum(weight.values())
    # P(edge points p -> c) for both directions of every edge: the mass of the roots on p's side.
    way: dict[tuple[int, int], float] = {}
    anchor = _orient(comp, edges, comp[0])
    for c, p in anchor.items():
        if p is not None:
            below = _below(anchor, c)
            way[(p, c)] = sum(w for r, w in weight.items() if r not in below) / total
            way[(c, p)] = 1.0 - way[(p, c)]
    # The rooting whose edges are most probably right together (ties: the likelier root, then the first given),
    # so that no edge is drawn the way its own posterior says is the less likely one when a tie of roots allows.
    fit = {r: sum(math.log(max(way[(p, c)], 1e-12)) for c, p in _orient(comp, edges, r).items() if p is not None)
           for r in comp}
    best = max(comp, key=lambda r: (round(fit[r], 9), loglik[r], -comp.index(r)))
    parent = _orient(comp, edges, best)
    return best, {(p, c): way[(p, c)] for c, p in parent.items() if p is not None}


def _below(parent: Mapping[int, int | None], node: int) -> set[int]:
    out, todo = {node}, [node]
    while todo:
        x = todo.pop()
        for c, p in parent.items():
            if p == x and c not in out:
                out.add(c)
                todo.append(c)
    return out


def _log_sigmoid(z: float) -> float:
    return -math.log1p(math.exp(-z)) if z > -30 else z


def _orient(comp: list[int], edges: list[tuple[int, int]], root: int) -> dict[int, int | None]:
    adj: dict[int, list[int]] = {i: [] for i in comp}
    for i, j in edges:
        adj[i].append(j)
        adj[j].append(i)
    parent: dict[int, int | None] = {root: None}
    todo = [root]
    while todo:
        x = todo.pop(0)
        for y in sorted(adj[x]):
            if y not in parent:
                parent[y] = x
                todo.append(y)
    return parent


# ------------------------------------------------------- lost intermediates
def _lost_intermediates(tree: _Tree, min_innov: int) -> None:
    """Re-hang copies that lack their supposed source's own innovations (top-down, one pass)."""
    order = [r for r, p in tree.parent.items() if p is None]
    k = 0
    while k < len(order):
        p = order[k]
        k += 1
        for c in tree.children(p):
            _check_edge(tree, p, c, min_innov)
        order.extend(c for c in tree.children(p) if c not in order)


def _check_edge(tree: _Tree, p: int, c: int, min_innov: int) -> None:
    refs = [x for x in tree.children(p) if x != c]
    g = tree.parent.get(p)
    if g is not None:
        refs.append(g)
    m = tree.matrix
    if refs:
        diff = np.flatnonzero(differing(m[p], m[c], tree.ev.presence)).tolist()
        p_innov = sum(1 for r in diff if _majority(m, refs, r) == int(m[c][r]))
        c_innov = sum(1 for r in diff if _majority(m, refs, r) == int(m[p][r]))
    else:  # a source with no other neighbour: only mutual omissions speak
        pres = tree.ev.presence
        p_innov = int(np.sum(pres & (m[p] != MISSING) & (m[c] == MISSING)))
        c_innov = int(np.sum(pres & (m[c] != MISSING) & (m[p] == MISSING)))
        p_innov, c_innov = min(p_innov, c_innov), max(p_innov, c_innov)
    if p_innov < min_innov or p_innov < LOST_SHARE * (p_innov + c_innov):
        return
    shared = int(np.sum((m[p] == m[c]) & differing(m[p], m[g], tree.ev.presence))) if g is not None else p_innov
    if g is not None and shared < min_innov:
        tree.parent[c] = g
        tree.made[c] = "re-hung"
        return
    h = tree.new_node(p, c, g)
    tree.parent[h] = g
    tree.parent[p] = tree.parent[c] = h
    tree.made[h] = tree.made[p] = tree.made[c] = "shared innovations"


def _majority(m: list[np.ndarray], refs: Sequence[int], r: int) -> int:
    votes: dict[int, int] = {}
    for x in refs:
        votes[int(m[x][r])] = votes.get(int(m[x][r]), 0) + 1
    best = max(votes.values())
    winners = [v for v, n in votes.items() if n == best]
    return winners[0] if len(winners) == 1 else -2  # a tie says nothing


def _reconstruct(m: list[np.ndarray], p: int, c: int, g: int | None) -> np.ndarray:
    """A lost version's readings: what its two copies share, else its source's (else the first copy's)."""
    fallback = m[g] if g is not None else m[p]
    return np.where(m[p] == m[c], m[p], fallback)


# ----------------------------------------------------------- second sources
def _second_sources(tree: _Tree, min_innov: int, link: float) -> None:
    """Give a copy a second source when it shares enough of its rare departures with a related version off its line."""
    n = len(tree.ev.ids)
    m = tree.matrix
    common = _common_values(tree.ev.locations)
    rel = related(tree.ev, link)
    found: dict[int, tuple[int, float]] = {}
    for c in range(n):
        p = tree.parent.get(c)
        if p is None:
            continue
        # Departures carrying a rare value: a shared one is an innovation, not an old reading kept.
        departures = np.flatnonzero(differing(m[p], m[c], tree.ev.presence) & (m[c] != common))
        if len(departures) == 0:
            continue
        barred = tree.subtree(c) | set(tree.ancestors(c))
        best, best_key = None, (0, 0)
        for x in range(n):
            if x in barred or not rel[x, c]:
                continue
            hits = int(np.sum(m[x][departures] == m[c][departures]))  # MISSING only at presence columns
            key = (hits, -len(tree.ancestors(x)))
            if key > best_key:
                best, best_key = x, key
        hits = best_key[0]
        if best is not None and hits > min_innov and hits >= SECOND_SOURCE_SHARE * len(departures):
            found[c] = (best, hits / len(departures))
    for c, (x, share) in found.items():
        # Copying one way leaves the same shared readings as copying the other way:
        # the copy is the one whose departures they explain the larger share of.
        if found.get(x, (None, 0.0))[0] == c and (found[x][1], c) > (share, x):
            continue
        tree.second[c] = (x, share)


def _common_values(locs: np.ndarray) -> np.ndarray:
    """The most common value at every variant location (missing counts as a value)."""
    out = np.zeros(locs.shape[1], dtype=locs.dtype)
    for k in range(locs.shape[1]):
        vals, counts = np.unique(locs[:, k], return_counts=True)
        out[k] = vals[np.argmax(counts)]
    return out


# ------------------------------------------------------------------- output
def _stemma(tree: _Tree, names: Mapping[int, str], dates: Mapping[str, str | None], options: CollateOptions) -> Stemma:
    edges = []
    for c, p in sorted(tree.parent.items(), key=lambda kv: _depth_key(tree, kv[0])):
        if p is not None:
            edges.append(_edge(tree, p, c, names, dates, options, second=False))
        if c in tree.second:
            edges.append(_edge(tree, tree.second[c][0], c, names, dates, options, second=True))
    linked = {e.source for e in edges} | {e.copy for e in edges}
    roots = tuple(names[r] for r, p in sorted(tree.parent.items(), key=lambda kv: _depth_key(tree, kv[0]))
                  if p is None and names[r] in linked)
    hyp = tuple(names[h] for h in range(len(tree.ev.ids), len(tree.matrix)))
    unrelated = tuple(w for w in tree.ev.ids if w not in linked)
    return Stemma(tuple(edges), roots, hyp, unrelated, {"method": METHOD})


def _depth_key(tree: _Tree, node: int) -> tuple[int, int]:
    return (len(tree.ancestors(node)), node)


def _names(tree: _Tree) -> dict[int, str]:
    names = {i: w for i, w in enumerate(tree.ev.ids)}
    taken = set(names.values())
    k = 0
    for h in range(len(tree.ev.ids), len(tree.matrix)):
        k += 1
        while f"lost-{k}" in taken:
            k += 1
        names[h] = f"lost-{k}"
    return names


def _edge(tree: _Tree, p: int, c: int, names: Mapping[int, str], dates: Mapping[str, str | None],
          options: CollateOptions, *, second: bool) -> StemmaEdge:
    ev, n = tree.ev, len(tree.ev.ids)
    m = tree.readings
    both_present = (m[p] != MISSING) | (m[c] != MISSING)
    agree = float(np.sum((m[p] == m[c]) & (m[p] != MISSING)) / max(1, np.sum(both_present)))
    link_z = (agree - options.link_threshold) * 20.0
    evidence: dict[str, object] = {"shared_readings": int(np.sum((m[p] == m[c]) & (m[p] != MISSING))),
                                   "differing_rows": int(np.sum(m[p] != m[c])),
                                   "agreement": round(agree, 4)}
    decided = ["shared readings"]
    if p < n and c < n:
        link_z = _link_logit(ev, p, c, options.link_threshold)
        evidence["shared_phrases"] = round(float(ev.containment[p, c]), 4)
        dir_z, info = direction_logit(ev, p, c, dates, options.use_dates)
        evidence.update(info)
        decided += _direction_reasons(dir_z, info)
        if (p, c) in tree.direction and not second:
            dir_z = _logit(tree.direction[(p, c)])
    else:
        dir_z = 2.0 * options.min_innovations
        loc = tree.matrix
        evidence["shared_innovations"] = int(np.sum((loc[p] == loc[c]) & (loc[p] > 0)))
        decided.append("shared innovations")
    if second:
        loc = tree.matrix
        away = np.flatnonzero(differing(loc[tree.parent[c]], loc[c], ev.presence))  # type: ignore[index]
        evidence["shared_departures"] = int(np.sum(loc[p][away] == loc[c][away]))
        decided = ["shared departures from the main source"]
        # The share of the copy's rare departures this source explains stands for the direction's certainty.
        dir_z = _logit(tree.second[c][1])
    elif tree.made.get(c) == "re-hung":
        decided.append("source's innovations missing in the copy")
    conf = _sigmoid(link_z) * _sigmoid(dir_z)
    kind = "second source" if second else ("hypothetical" if p >= n else "copy")
    return StemmaEdge(names[p], names[c], conf, kind, MappingProxyType(evidence), tuple(decided))


def _direction_reasons(z: float, info: Mapping[str, object]) -> list[str]:
    out = []
    if "dates" in info:
        out.append("dates")
    if abs(int(info["words_dropped"]) - int(info["words_added"])) / LOSS_SCALE >= 1.0:  # type: ignore[call-overload]
        out.append("omissions" if z > 0 else "rooting against omissions")
    if len(out) == 0 or z <= 0:
        out.append("rooting")
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
