"""The verdict model: gradient-boosted trees from JSON, evaluated with numpy.

The model is trained by ``benchmarks/train_verdict.py`` (scikit-learn, a
dev dependency) and exported as padded node arrays, so run-time prediction
needs numpy only and loads in milliseconds. Raw scores are calibrated with
Platt scaling fitted on out-of-fold predictions, so ``p_changed = 0.8``
means "changed" about 80 % of the time on data like the training data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from storydiff import resources
from storydiff.errors import BackendUnavailable

MODEL_FILES = {"wordllama": "verdict_model.json", "minilm": "verdict_model_minilm.json"}


@dataclass(frozen=True, slots=True)
class Trees:
    """One boosted-tree ensemble as padded node arrays (one row per tree).

    ``feature``/``threshold``: the split (go left when ``x <= threshold``);
    ``left``/``right``: child indices (a leaf points to itself); ``value``: leaf
    values (already shrunk by the learning rate); ``depth``: the deepest leaf;
    ``baseline``: the raw score before any tree.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int
    baseline: float

    @classmethod
    def from_dict(cls, t: dict[str, Any], baseline: float) -> Trees:
        return cls(
            feature=np.asarray(t["feature"], dtype=np.int64),
            threshold=np.asarray(t["threshold"], dtype=np.float64),
            left=np.asarray(t["left"], dtype=np.int64),
            right=np.asarray(t["right"], dtype=np.int64),
            value=np.asarray(t["value"], dtype=np.float64),
            depth=int(t["depth"]),
            baseline=float(baseline),
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw (log-odds) scores for a feature matrix ``x`` (n × features)."""
        x = np.asarray(x, dtype=np.float64)
        n, t = x.shape[0], self.feature.shape[0]
        node = np.zeros((n, t), dtype=np.int64)
        tree = np.arange(t)[None, :]
        rows = np.arange(n)[:, None]
        # All samples walk all trees together, one level per step; leaves point
        # to themselves, so extra steps are harmless.
        for _ in range(self.depth):
            f = self.feature[tree, node]
            go_left = x[rows, f] <= self.threshold[tree, node]
            node = np.where(go_left, self.left[tree, node], self.right[tree, node])
        return self.baseline + self.value[tree, node].sum(axis=1)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, slots=True)
class VerdictModel:
    """Boosted trees (one ensemble, or a gated pair of experts) plus Platt calibration.

    ``format`` ``storydiff.verdict.gbdt.v1`` has one ensemble; ``…mixture.v1``
    has a *gate* (how much a pair looks like a same-words pair where order
    decides the meaning, as in PAWS) mixing a *strict* expert and a *lenient*
    one (re-worded news, MSRP/IteraTeR): ``p = g·strict + (1 − g)·lenient``;
    the calibrated probability is then ``sigmoid(a · logit(p) + b)``.

    Attributes:
        features: feature names, in the column order the trees expect.
        trees: ``{"main": …}`` or ``{"gate": …, "strict": …, "lenient": …}``.
        platt: (a, b) of the calibration.
        decision: p_changed at or above which the verdict is "changed".
        meta: training provenance (data, seeds, figures).
    """

    features: tuple[str, ...]
    trees: dict[str, Trees]
    platt: tuple[float, float]
    decision: float
    meta: dict[str, Any]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VerdictModel:
        if "experts" in d:
            trees = {k: Trees.from_dict(v["trees"], v["baseline"]) for k, v in d["experts"].items()}
        else:
            trees = {"main": Trees.from_dict(d["trees"], d["baseline"])}
        return cls(
            features=tuple(d["features"]),
            trees=trees,
            platt=(float(d["platt"][0]), float(d["platt"][1])),
            decision=float(d["decision"]),
            meta=dict(d.get("meta", {})),
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Uncalibrated log-odds of "changed" for a feature matrix ``x``."""
        if "main" in self.trees:
            return self.trees["main"].raw(x)
        g = _sigmoid(self.trees["gate"].raw(x))
        p = g * _sigmoid(self.trees["strict"].raw(x)) + (1 - g) * _sigmoid(self.trees["lenient"].raw(x))
        p = np.clip(p, 1e-9, 1 - 1e-9)
        return np.log(p / (1 - p))

    def p_changed(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each pair's meaning changed."""
        a, b = self.platt
        return _sigmoid(a * self.raw(x) + b)


@functools.cache
def load_model(engine: str = "wordllama") -> VerdictModel:
    """The committed verdict model for ``engine``, read once per process.

    Raises:
        BackendUnavailable: when no model file ships for that engine.
    """
    name = MODEL_FILES.get(engine)
    if name is None:
        raise BackendUnavailable(f"no verdict model for engine {engine!r}: expected one of {', '.join(MODEL_FILES)}")
    return VerdictModel.from_dict(resources.read_json(name))
