"""How well `storydiff collate` tells who copied whom, against two baselines.

Scores the stemma of synthetic traditions of known lineage (benchmarks/traditions.py:
10-30 versions grown from real texts by copying with omissions, re-wordings, meaning
changes, moved passages, contamination, lost intermediates, plus independent versions)
and of the Florilegium Coislinianum (../shared/data/stemma-florilegium, a real
manuscript tradition with a scholar's stemma).

Metrics (over extant versions):
- direct-edge recall: true source → copy edges found, in the right direction;
- direction accuracy: of the predicted edges that join a true source and copy, the
  share pointing the right way;
- false links: predicted edges joining versions of different true families;
- ancestor precision / recall: ordered pairs (ancestor, descendant), through lost
  versions and second sources;
- on the Florilegium, whose scholar's stemma joins only B → P and B → S directly, also the
  correlation of path lengths between every two manuscripts in the two stemmata.

Baselines: a maximum spanning tree on word 3-gram Jaccard rooted at the longest
version; the same tree with each edge pointing from the version with fewer singular
readings (in storydiff's variant table) to the one with more.

Usage:
    .venv/bin/python benchmarks/collate_traditions.py --split dev
    .venv/bin/python benchmarks/collate_traditions.py --split test --dates
Writes benchmarks/results/collate_traditions_<split>[_dates].json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from traditions import SHARED, Tradition, bible_chapters, make_tradition, pan_texts, retell  # noqa: E402

SPLITS = {"dev": {"seeds": range(0, 8), "parity": 0, "testament": "ot"},
          "test": {"seeds": range(100, 112), "parity": 1, "testament": "nt"}}


def build(split: str) -> list[Tradition]:
    cfg = SPLITS[split]
    pans = pan_texts(cfg["parity"])
    chapters = bible_chapters(cfg["testament"], 700)
    out = []
    for seed in cfg["seeds"]:
        rnd = random.Random(seed)
        n = rnd.randint(10, 30)
        if seed % 2 == 0:
            text = rnd.choice(pans)
            others = [rnd.choice(pans) for _ in range(3)]
            indep = [retell(text, rnd)] * 1 + ([retell(text, rnd)] if rnd.random() < 0.5 else [])
            out.append(make_tradition(f"pan-{seed}", text, rnd, n, independent=indep, extra_pool=others))
        else:
            ch = rnd.choice(chapters)
            others = [rnd.choice(chapters)["web"] for _ in range(3)]
            out.append(make_tradition(f"bible-{seed}", ch["web"], rnd, n, independent=[ch["ylt"]], extra_pool=others))
    return out


# ------------------------------------------------------------------ scoring
def score(trad: Tradition, edges: list[tuple[str, str]], hypothetical: set[str] = frozenset()) -> dict[str, float]:
    """Metrics of predicted (source, copy) edges against the tradition's truth."""
    true_direct = {(p, c) for c, p in trad.parent.items() if p} | {(s, c) for c, s in trad.second.items()}
    pred = collapse(edges, set(trad.texts))
    hits = len(true_direct & pred)
    joined = [(a, b) for a, b in pred if (a, b) in true_direct or (b, a) in true_direct]
    right = sum(1 for e in joined if e in true_direct)
    comp = _resolve(trad, edges, hypothetical)
    false_links = sum(1 for a, b in set(edges) if comp.get(a, -1) != comp.get(b, -2))
    anc_true = {(a, d) for d, anc in trad.ancestors.items() for a in anc}
    anc_pred = _ancestor_pairs(edges, set(trad.texts))
    tp = len(anc_true & anc_pred)
    return {"direct_true": len(true_direct), "direct_found": hits, "joined": len(joined), "right_way": right,
            "false_links": false_links, "anc_true": len(anc_true), "anc_pred": len(anc_pred), "anc_tp": tp}


def collapse(edges: list[tuple[str, str]], extant: set[str]) -> set[tuple[str, str]]:
    """Edges between extant versions, lost (hypothetical) versions bridged: the truth is counted the same way."""
    parents: dict[str, set[str]] = {}
    for a, b in edges:
        parents.setdefault(b, set()).add(a)
    out = set()
    for c in extant:
        todo, seen = list(parents.get(c, ())), set()
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            if p in extant:
                out.add((p, c))
            else:
                todo.extend(parents.get(p, ()))
    return out


def _resolve(trad: Tradition, edges: list[tuple[str, str]], hyp: set[str]) -> dict[str, int]:
    """True family of every node; a lost node takes the family most of its neighbours have."""
    comp = dict(trad.component)
    for h in hyp:
        near = [trad.component[x] for a, b in edges for x in (a, b) if h in (a, b) and x in trad.component]
        comp[h] = max(set(near), key=near.count) if near else -3
    return comp


def _ancestor_pairs(edges: list[tuple[str, str]], extant: set[str]) -> set[tuple[str, str]]:
    kids: dict[str, set[str]] = {}
    for a, b in edges:
        kids.setdefault(a, set()).add(b)
    out = set()
    for a in extant:
        seen, todo = set(), [a]
        while todo:
            for k in kids.get(todo.pop(), ()):
                if k not in seen:
                    seen.add(k)
                    todo.append(k)
        out |= {(a, d) for d in seen if d in extant and d != a}
    return out


def totals(rows: list[dict[str, float]]) -> dict[str, float]:
    s = {k: sum(r[k] for r in rows) for k in rows[0]}
    return {
        "direct_edge_recall": round(s["direct_found"] / max(1, s["direct_true"]), 3),
        "direction_accuracy": round(s["right_way"] / max(1, s["joined"]), 3),
        "false_links_per_tradition": round(s["false_links"] / len(rows), 2),
        "max_false_links": max(r["false_links"] for r in rows),
        "ancestor_precision": round(s["anc_tp"] / max(1, s["anc_pred"]), 3),
        "ancestor_recall": round(s["anc_tp"] / max(1, s["anc_true"]), 3),
        "traditions": len(rows),
    }


# ---------------------------------------------------------------- baselines
def _trigrams(text: str) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[k : k + 3]) for k in range(len(w) - 2)}


def jaccard_tree(texts: dict[str, str]) -> list[tuple[str, str]]:
    """Undirected maximum spanning tree on word 3-gram Jaccard (Kruskal)."""
    ids = list(texts)
    grams = {w: _trigrams(t) for w, t in texts.items()}
    pairs = sorted(((-len(grams[a] & grams[b]) / max(1, len(grams[a] | grams[b])), a, b)
                    for i, a in enumerate(ids) for b in ids[i + 1 :]))
    root = {w: w for w in ids}

    def find(x: str) -> str:
        while root[x] != x:
            x = root[x]
        return x

    out = []
    for _, a, b in pairs:
        if find(a) != find(b):
            root[find(a)] = find(b)
            out.append((a, b))
    return out


def orient_from(root: str, tree: list[tuple[str, str]]) -> list[tuple[str, str]]:
    adj: dict[str, list[str]] = {}
    for a, b in tree:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    out, seen, todo = [], {root}, [root]
    while todo:
        x = todo.pop()
        for y in adj.get(x, []):
            if y not in seen:
                seen.add(y)
                out.append((x, y))
                todo.append(y)
    return out


def baseline_jaccard(texts: dict[str, str]) -> list[tuple[str, str]]:
    longest = max(texts, key=lambda w: (len(texts[w].split()), w))
    return orient_from(longest, jaccard_tree(texts))


def baseline_singular(texts: dict[str, str], collation) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    singular = {w: 0 for w in texts}
    for row in collation.rows:
        if len(row.cells) >= 3:
            for rd in row.readings:
                if len(rd.witnesses) == 1:
                    singular[rd.witnesses[0]] += 1
    out = []
    for a, b in jaccard_tree(texts):
        ka, kb = (singular[a], -len(texts[a].split())), (singular[b], -len(texts[b].split()))
        out.append((a, b) if ka <= kb else (b, a))
    return out


# --------------------------------------------------------------------- runs
def run_storydiff(trad: Tradition, use_dates: bool):  # type: ignore[no-untyped-def]
    from storydiff.collate import CollateOptions, collate

    ids = list(trad.texts)
    c = collate([trad.texts[w] for w in ids], names=ids, dates=trad.dates if use_dates else None,
                options=CollateOptions(use_dates=use_dates))
    st = c.stemma
    return c, [(e.source, e.copy) for e in st.edges], set(st.hypothetical)


def path_lengths(edges: list[tuple[str, str]], nodes: list[str]) -> dict[tuple[str, str], int]:
    """Edges between every pair of ``nodes`` in the undirected graph (lost nodes walked through)."""
    adj: dict[str, set[str]] = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    out = {}
    for a in nodes:
        dist, todo = {a: 0}, [a]
        while todo:
            x = todo.pop(0)
            for y in adj.get(x, ()):
                if y not in dist:
                    dist[y] = dist[x] + 1
                    todo.append(y)
        for b in nodes:
            if a < b:
                out[(a, b)] = dist.get(b, -1)
    return out


def tree_correlation(pred: list[tuple[str, str]], truth: list[tuple[str, str]], nodes: list[str]) -> float:
    """Pearson correlation of path lengths between extant versions in the two stemmata (unlinked = longest + 1)."""
    import numpy as np

    p, t = path_lengths(pred, nodes), path_lengths(truth, nodes)
    worst = max(p.values(), default=0) + 1
    x = np.array([v if v >= 0 else worst for v in p.values()], dtype=float)
    y = np.array([t[k] for k in p], dtype=float)
    return round(float(np.corrcoef(x, y)[0, 1]), 3) if x.std() > 0 and y.std() > 0 else 0.0


def florilegium_edges() -> list[tuple[str, str]]:
    dot = (SHARED / "stemma-florilegium" / "stemma.dot").read_text(encoding="utf-8")
    return re.findall(r'^\s*"?([^"\s]+)"?\s*->\s*"?([^"\s;]+)"?;', dot, re.M)


def florilegium() -> Tradition | None:
    base = SHARED / "stemma-florilegium"
    if not base.exists():
        return None
    texts = {f.stem: f.read_text(encoding="utf-8") for f in sorted((base / "witnesses").glob("*.txt"))
             if not f.stem.endswith("-ac")}
    edges = florilegium_edges()
    kids: dict[str, list[str]] = {}
    par: dict[str, str] = {}
    for a, b in edges:
        kids.setdefault(a, []).append(b)
        par[b] = a
    parent: dict[str, str | None] = {}
    ancestors: dict[str, set[str]] = {}
    for w in texts:
        p, anc, direct = par.get(w), set(), None
        while p is not None:
            if p in texts:
                anc.add(p)
                direct = direct or p
            p = par.get(p)
        ancestors[w] = anc
        parent[w] = par.get(w) if par.get(w) in texts else None
    return Tradition("florilegium", texts, parent, {}, set(), ancestors, {w: 0 for w in texts})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev")
    ap.add_argument("--dates", action="store_true", help="give the versions' dates to storydiff")
    args = ap.parse_args()
    trads = build(args.split)
    flor = florilegium()
    results: dict[str, list[dict[str, float]]] = {"storydiff": [], "jaccard_mst": [], "singular_readings": []}
    per_trad, t0 = [], time.perf_counter()
    for trad in trads:
        t = time.perf_counter()
        coll, edges, hyp = run_storydiff(trad, args.dates)
        rows = {"storydiff": score(trad, edges, hyp), "jaccard_mst": score(trad, baseline_jaccard(trad.texts)),
                "singular_readings": score(trad, baseline_singular(trad.texts, coll))}
        for k, v in rows.items():
            results[k].append(v)
        per_trad.append({"name": trad.name, "versions": len(trad.texts), "seconds": round(time.perf_counter() - t, 2),
                         **{k: v for k, v in rows["storydiff"].items()}})
        print(trad.name, len(trad.texts), per_trad[-1], file=sys.stderr)
    out = {
        "command": f".venv/bin/python benchmarks/collate_traditions.py --split {args.split}"
                   + (" --dates" if args.dates else ""),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - t0, 1),
        "synthetic": {k: totals(v) for k, v in results.items()},
        "per_tradition": per_trad,
    }
    if flor is not None:
        coll, edges, hyp = run_storydiff(flor, False)
        truth, nodes = florilegium_edges(), sorted(flor.texts)
        jac, sing = baseline_jaccard(flor.texts), baseline_singular(flor.texts, coll)
        out["florilegium"] = {
            "storydiff": {**totals([score(flor, edges, hyp)]), "tree_distance_correlation":
                          tree_correlation(edges, truth, nodes), "edges": edges, "hypothetical": sorted(hyp)},
            "jaccard_mst": {**totals([score(flor, jac)]), "tree_distance_correlation": tree_correlation(jac, truth, nodes)},
            "singular_readings": {**totals([score(flor, sing)]),
                                  "tree_distance_correlation": tree_correlation(sing, truth, nodes)},
        }
    name = f"collate_traditions_{args.split}{'_dates' if args.dates else ''}.json"
    (ROOT / "benchmarks" / "results" / name).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "per_tradition"}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
