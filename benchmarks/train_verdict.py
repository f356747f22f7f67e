"""Train the verdict model (reworded vs changed) and export it to JSON.

Reproducible: fixed seeds, TRAIN/DEV splits only (MSRP train, PAWS-Wiki dev,
IteraTeR-HUMAN sentence-level train). Label 1 = "meaning changed".
Calibration (Platt) is fitted on out-of-fold raw scores from grouped folds:
PAWS dev reuses sentences across pairs, so its folds group connected
sentences; IteraTeR groups by document; MSRP by pair.

Usage::

    .venv/bin/python benchmarks/train_verdict.py                 # default engine (WordLlama)
    .venv/bin/python benchmarks/train_verdict.py --engine minilm # + the cross-encoder's logit (needs torch,
                                                                 # peft and the OOF cache of
                                                                 # benchmarks/train_cross_encoder.py oof)
    .venv/bin/python benchmarks/train_verdict.py --kind joint    # one model on all corpora (comparison;
                                                                 # its model goes to the temp folder)

Writes ``src/storydiff/data/verdict_model[_minilm].json`` and
``benchmarks/results/verdict_train[_minilm].json`` (cross-validated figures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared 2-core machine

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEED = 20261123
GB_PARAMS = dict(
    learning_rate=0.05, max_iter=400, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
    random_state=SEED,
)
# Relative weight of each corpus in the joint model: storydiff reads re-worded news (MSRP,
# IteraTeR) but must also catch PAWS-style swaps; PAWS has twice as many pairs as MSRP.
DATASET_WEIGHT = {"msrp": 1.0, "paws": 0.5, "iterater": 1.0}


# ---------------------------------------------------------------- data
def detok_paws(s: str) -> str:
    """Undo PAWS tokenisation lightly: ``Paris , France .`` → ``Paris, France.``."""
    s = s.replace("`` ", '"').replace(" ''", '"').replace("``", '"').replace("''", '"')
    for p in (" ,", " .", " ;", " :", " !", " ?", " )", " 's", " n't", " %"):
        s = s.replace(p, p[1:])
    return s.replace("( ", "(").replace("$ ", "$")


def load_msrp(split: str) -> list[tuple[str, str, int, str]]:
    """(a, b, changed, group) from MSRP ``train`` or ``test``."""
    path = DATA / "msrp" / f"msr_paraphrase_{split}.txt"
    lines = path.read_text(encoding="utf-8-sig").splitlines()[1:]
    out = []
    for i, line in enumerate(lines):
        q, _, _, a, b = line.split("\t")
        out.append((a, b, 1 - int(q), f"m{i}"))
    return out


def load_paws(split: str) -> list[tuple[str, str, int, str]]:
    """(a, b, changed, group) from PAWS-Wiki ``dev`` or ``test``; groups join pairs sharing a sentence."""
    rows = []
    for line in (DATA / "paws-wiki" / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        _, a, b, label = line.rstrip("\r").split("\t")
        rows.append((detok_paws(a), detok_paws(b), 1 - int(label)))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in rows:
        parent[find(a)] = find(b)
    roots: dict[str, int] = {}
    return [(a, b, y, f"p{roots.setdefault(find(a), len(roots))}") for a, b, y in rows]


def load_iterater(split: str) -> list[tuple[str, str, int, str]]:
    """(a, b, changed, group) from IteraTeR-HUMAN sentence level; ``others`` is dropped."""
    out = []
    for line in (DATA / "iterater-human" / f"sent_level_{split}.json").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["labels"] == "others":
            continue
        out.append((r["before_sent"].strip(), r["after_sent"].strip(), int(r["labels"] == "meaning-changed"),
                    f"i{r['doc_id']}"))
    return out


def not_identical(rows: list[tuple[str, str, int, str]]) -> list[tuple[str, str, int, str]]:
    """Pairs the model will see: judge() settles the identical ones by rule."""
    from storydiff.classify.features import identity_key

    return [r for r in rows if identity_key(r[0]) != identity_key(r[1])]


def features(rows: list[tuple[str, str, int, str]], engine: str, cos: bool = True,
             src: np.ndarray | None = None) -> np.ndarray:
    """Feature matrix; for ``minilm``: + MiniLM cosine (only with ``cos``) + the cross-encoder logit."""
    from storydiff.classify.features import batch_features
    from storydiff.embed import get_encoder

    extra = get_encoder("minilm") if engine == "minilm" and cos else None
    x = batch_features([(a, b) for a, b, _, _ in rows], get_encoder("wordllama"), extra)
    if engine != "minilm":
        return x
    return np.column_stack([x, cross_logits(rows, src if src is not None else np.array(["?"] * len(rows)))])


CROSS_OOF = ROOT / "benchmarks" / "out" / "cross_oof_msrp_train.json"


def cross_logits(rows: list[tuple[str, str, int, str]], src: np.ndarray) -> np.ndarray:
    """The cross-encoder's logit per pair, never from a model that trained on that pair.

    MSRP train pairs get their out-of-fold logit (``train_cross_encoder.py oof``
    caches it); every other pair gets the shipped adapter's, which saw MSRP train only.
    Logits of the shipped adapter are cached in ``benchmarks/out`` by adapter digest.
    """
    import hashlib

    if not CROSS_OOF.is_file():
        raise SystemExit(f"{CROSS_OOF} is missing: run benchmarks/train_cross_encoder.py oof first")
    oof = {(a, b): z for a, b, z in json.loads(CROSS_OOF.read_text(encoding="utf-8"))["pairs"]}
    z = np.zeros(len(rows))
    msrp = src == "msrp"
    for i in np.flatnonzero(msrp):
        z[i] = oof[(rows[i][0], rows[i][1])]
    adapter = ROOT / "src" / "storydiff" / "data" / "cross_encoder" / "adapter.safetensors"
    digest = hashlib.sha256(adapter.read_bytes()).hexdigest()[:16]
    cache_path = ROOT / "benchmarks" / "out" / f"cross_logits_{digest}.json"
    cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else {}
    rest = [i for i in np.flatnonzero(~msrp) if f"{rows[i][0]}\t{rows[i][1]}" not in cache]
    if rest:
        from storydiff.classify.cross import get_cross_encoder

        new = get_cross_encoder().logits([(rows[i][0], rows[i][1]) for i in rest])
        cache.update({f"{rows[i][0]}\t{rows[i][1]}": float(v) for i, v in zip(rest, new)})
        cache_path.write_text(json.dumps(cache), encoding="utf-8")
    for i in np.flatnonzero(~msrp):
        z[i] = cache[f"{rows[i][0]}\t{rows[i][1]}"]
    return z


# ---------------------------------------------------------------- export
def export_trees(clf: object) -> dict[str, object]:
    """Padded node arrays of a fitted binary HistGradientBoostingClassifier."""
    preds = [p[0] for p in clf._predictors]  # type: ignore[attr-defined]
    width = max(len(p.nodes) for p in preds)
    arr = {k: np.zeros((len(preds), width)) for k in ("feature", "threshold", "left", "right", "value")}
    depth = 0
    for t, p in enumerate(preds):
        nd = p.nodes
        idx = np.arange(len(nd))
        leaf = nd["is_leaf"].astype(bool)
        arr["feature"][t, : len(nd)] = np.where(leaf, 0, nd["feature_idx"])
        arr["threshold"][t, : len(nd)] = np.where(leaf, 0.0, nd["num_threshold"])
        arr["left"][t, : len(nd)] = np.where(leaf, idx, nd["left"])
        arr["right"][t, : len(nd)] = np.where(leaf, idx, nd["right"])
        arr["value"][t, : len(nd)] = np.where(leaf, nd["value"], 0.0)
        arr["left"][t, len(nd):] = arr["right"][t, len(nd):] = np.arange(len(nd), width)
        depth = max(depth, int(nd["depth"].max()))
    return {
        "feature": arr["feature"].astype(int).tolist(),
        "threshold": arr["threshold"].tolist(),  # exact: values often sit on a threshold
        "left": arr["left"].astype(int).tolist(),
        "right": arr["right"].astype(int).tolist(),
        "value": [[float(f"{v:.7g}") for v in row] for row in arr["value"]],
        "depth": depth,
    }


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**GB_PARAMS).fit(x, y, sample_weight=w)


# The mixture: a strict expert trained on PAWS (same words, order decides), a lenient one
# on re-worded news (MSRP, IteraTeR), and a gate that learns from the pair's features
# alone how PAWS-like (high overlap, re-ordered) a pair is.
STRICT_SETS = ("paws",)
GATE_PARAMS = dict(GB_PARAMS, max_iter=100)


def fit_mixture(x: np.ndarray, y: np.ndarray, w: np.ndarray, src: np.ndarray) -> dict[str, object]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    strict = np.isin(src, STRICT_SETS)
    return {
        "gate": HistGradientBoostingClassifier(**GATE_PARAMS).fit(x, strict.astype(int)),
        "strict": fit(x[strict], y[strict], np.ones(int(strict.sum()))),
        "lenient": fit(x[~strict], y[~strict], np.ones(int((~strict).sum()))),
    }


def mixture_raw(models: dict[str, object], x: np.ndarray) -> np.ndarray:
    """logit of g·strict + (1 − g)·lenient, as VerdictModel.raw computes it."""
    g = models["gate"].predict_proba(x)[:, 1]  # type: ignore[attr-defined]
    p = g * models["strict"].predict_proba(x)[:, 1] + (1 - g) * models["lenient"].predict_proba(x)[:, 1]  # type: ignore[attr-defined]
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def oof_raw(x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray, src: np.ndarray | None = None,
            k: int = 5) -> np.ndarray:
    """Out-of-fold raw scores from grouped folds (no sentence shared across folds).

    With ``src`` the mixture is fitted, else one joint model.
    """
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=k, shuffle=True, random_state=SEED).split(x, y, groups):
        if src is None:
            out[te] = fit(x[tr], y[tr], w[tr]).decision_function(x[te])
        else:
            out[te] = mixture_raw(fit_mixture(x[tr], y[tr], w[tr], src[tr]), x[te])
    return out


def platt(raw: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6).fit(raw[:, None], y, sample_weight=w)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error of P(label 1) and the reliability table."""
    table, total = [], 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if m.any():
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "mean_p": round(float(p[m].mean()), 4),
                          "frac_changed": round(float(y[m].mean()), 4)})
            total += m.sum() * abs(p[m].mean() - y[m].mean())
    return float(total / len(p)), table


def tune_policy(rows: list[tuple[str, str, int, str]], src: np.ndarray, p: np.ndarray, y: np.ndarray,
                decision: float) -> dict[str, object]:
    """How forcing "changed" on high-severity rule changes trades off per corpus (out-of-fold p).

    For each minimum rule confidence: per-corpus accuracy of the policy, and
    P(changed) among the pairs the rule forces against the model's opinion,
    which sets the confidence the policy reports for a forced verdict.
    """
    from storydiff.classify.changes import find_changes
    from storydiff.embed import get_encoder

    enc = get_encoder("wordllama")
    found = [find_changes(a, b, encoder=enc) for a, b, _, _ in rows]
    out: dict[str, object] = {}
    for thr in (0.7, 0.75, 0.8, 0.85, 0.9, 1.01):
        force = np.array([any(c.severity.value == "high" and (c.confidence is None or c.confidence >= thr)
                              for c in cs) for cs in found])
        pred = (p >= decision) | force
        over = force & (p < decision)
        out[str(thr)] = {s: {"acc": round(float((pred == y)[src == s].mean()), 4),
                             "forced_over_model": int((over & (src == s)).sum()),
                             "p_changed_when_forced": round(float(y[over & (src == s)].mean()), 3)
                             if (over & (src == s)).any() else None} for s in sorted(set(src))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", default="wordllama", choices=("wordllama", "minilm"))
    ap.add_argument("--kind", default="mixture", choices=("mixture", "joint"),
                    help="gated strict/lenient experts (default) or one model on all corpora")
    ap.add_argument("--minilm-cos", action="store_true",
                    help="minilm engine: MiniLM cosine as a feature too (measured: no gain over the "
                         "cross-encoder logit alone, so the shipped model leaves it out)")
    ap.add_argument("--tune-policy", action="store_true",
                    help="also tabulate the rule-forcing policy (needs storydiff.classify.changes)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    t0 = time.time()
    sets = {"msrp": load_msrp("train"), "paws": load_paws("dev"), "iterater": load_iterater("train")}
    rows, src = [], []
    for name, r in sets.items():
        r = not_identical(r)
        rows += r
        src += [name] * len(r)
    src_a = np.array(src)
    cos = args.engine == "minilm" and args.minilm_cos
    x = features(rows, args.engine, cos, src_a)
    y = np.array([r[2] for r in rows])
    groups = np.array([r[3] for r in rows])
    w = np.array([DATASET_WEIGHT[s] for s in src])
    raw = oof_raw(x, y, w, groups, src_a if args.kind == "mixture" else None)
    a, b = platt(raw, y, w)
    p = 1 / (1 + np.exp(-(a * raw + b)))
    # One decision threshold for all data: the one maximising the mean of per-corpus accuracy.
    grid = np.round(np.arange(0.2, 0.81, 0.01), 2)
    mean_acc = [np.mean([((p[src_a == s] >= t) == y[src_a == s]).mean() for s in sets]) for t in grid]
    decision = float(grid[int(np.argmax(mean_acc))])
    cv = {}
    for s in sets:
        m = src_a == s
        e, _ = ece(p[m], y[m])
        cv[s] = {"n": int(m.sum()), "acc": round(float(((p[m] >= decision) == y[m]).mean()), 4),
                 "ece": round(e, 4)}
    e_all, table = ece(p, y)
    from storydiff.classify.features import CROSS_FEATURE, FEATURE_NAMES, MINILM_FEATURE

    names = list(FEATURE_NAMES) + ([MINILM_FEATURE] if cos else []) + ([CROSS_FEATURE] if args.engine == "minilm" else [])
    meta = {"engine": args.engine, "kind": args.kind, "trained_on": {s: len(v) for s, v in sets.items()},
            "dataset_weight": DATASET_WEIGHT, "params": dict(GB_PARAMS), "seed": SEED, "cv_grouped_5fold": cv}
    if args.engine == "minilm":
        import hashlib

        adapter = ROOT / "src" / "storydiff" / "data" / "cross_encoder" / "adapter.safetensors"
        meta["cross_encoder"] = {"adapter_sha256": hashlib.sha256(adapter.read_bytes()).hexdigest(),
                                 "msrp_train_logits": "2-fold out-of-fold (train_cross_encoder.py oof)",
                                 "other_logits": "shipped adapter (trained on MSRP train only)"}
    if args.kind == "mixture":
        models = fit_mixture(x, y, w, src_a)
        meta["strict_sets"], meta["gate_params"] = list(STRICT_SETS), dict(GATE_PARAMS)
        model: dict[str, object] = {
            "format": "storydiff.verdict.mixture.v1", "features": names,
            "experts": {k: {"trees": export_trees(m), "baseline": float(np.ravel(m._baseline_prediction)[0])}
                        for k, m in models.items()},
        }
        reference = mixture_raw(models, x[:2000])
    else:
        clf = fit(x, y, w)
        model = {"format": "storydiff.verdict.gbdt.v1", "features": names, "trees": export_trees(clf),
                 "baseline": float(np.ravel(clf._baseline_prediction)[0])}
        reference = clf.decision_function(x[:2000])
    model.update({"platt": [a, b], "decision": decision, "meta": meta})
    suffix = "" if args.engine == "wordllama" else "_minilm"
    # Only the shipped kind goes into the package; the joint model is for comparison.
    out = (ROOT / "src" / "storydiff" / "data" / f"verdict_model{suffix}.json" if args.kind == "mixture"
           else Path(tempfile.gettempdir()) / f"verdict_model{suffix}_joint.json")
    out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    # The exported trees must reproduce scikit-learn's scores exactly.
    from storydiff.classify.verdict import VerdictModel

    diff = float(np.abs(VerdictModel.from_dict(model).raw(x[:2000]) - reference).max())
    report = {"engine": args.engine, "kind": args.kind, "decision": decision, "platt": [a, b], "cv_grouped_5fold": cv,
              "cv_ece_all": round(e_all, 4), "cv_reliability": table, "export_max_abs_diff": diff,
              "model_bytes": out.stat().st_size, "seconds": round(time.time() - t0, 1),
              "loadavg": os.getloadavg()}
    if args.tune_policy:
        report["policy"] = tune_policy(rows, src_a, p, y, decision)
    suffix += "_cos" if cos else ""
    res = ROOT / "benchmarks" / "results" / f"verdict_train{suffix}{'_joint' if args.kind == 'joint' else ''}.json"
    res.parent.mkdir(exist_ok=True)
    res.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
