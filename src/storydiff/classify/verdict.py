"""The verdict model: gradient-boosted trees from JSON, evaluated with numpy.

The model is trained by ``benchmarks/train_verdict.py`` (scikit-learn, a
dev dependency) and exported as padded node arrays, so run-time prediction
needs numpy only and loads in milliseconds. Raw scores are calibrated with
Platt scaling fitted on out-of-fold predictions, so ``p_changed = 0.8``
means "changed" about 80 % of the time on data like the training data.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from storydiff.errors import BackendUnavailable

MODEL_FILES = {"wordllama": "verdict_model.json", "minilm": "verdict_model_minilm.json"}


@dataclass(frozen=True, slots=True)
class VerdictModel:
    """Boosted trees plus Platt calibration and the decision threshold.

    Attributes:
        features: feature names, in the column order the trees expect.
        feature: (trees, nodes) int array: split feature per node.
        threshold: (trees, nodes) float array: go left when ``x <= threshold``.
        left, right: (trees, nodes) child indices (a leaf points to itself).
        value: (trees, nodes) leaf values (already shrunk by the learning rate).
        depth: the deepest leaf, i.e. how many steps evaluation takes.
        baseline: the raw score before any tree.
        platt: (a, b): ``p = 1 / (1 + exp(-(a * raw + b)))``.
        decision: p_changed at or above which the verdict is "changed".
        meta: training provenance (data, seeds, figures).
    """

    features: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int
    baseline: float
    platt: tuple[float, float]
    decision: float
    meta: dict[str, object]

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> VerdictModel:
        trees = d["trees"]
        assert isinstance(trees, dict)
        return cls(
            features=tuple(d["features"]),  # type: ignore[arg-type]
            feature=np.asarray(trees["feature"], dtype=np.int64),
            threshold=np.asarray(trees["threshold"], dtype=np.float64),
            left=np.asarray(trees["left"], dtype=np.int64),
            right=np.asarray(trees["right"], dtype=np.int64),
            value=np.asarray(trees["value"], dtype=np.float64),
            depth=int(trees["depth"]),
            baseline=float(d["baseline"]),  # type: ignore[arg-type]
            platt=(float(d["platt"][0]), float(d["platt"][1])),  # type: ignore[index]
            decision=float(d["decision"]),  # type: ignore[arg-type]
            meta=dict(d.get("meta", {})),  # type: ignore[call-overload]
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw (uncalibrated log-odds) scores for a feature matrix ``x`` (n × features)."""
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

    def p_changed(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability that each pair's meaning changed."""
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * self.raw(x) + b)))


@functools.cache
def load_model(engine: str = "wordllama") -> VerdictModel:
    """The committed verdict model for ``engine``, read once per process.

    Raises:
        BackendUnavailable: when no model file ships for that engine.
    """
    name = MODEL_FILES.get(engine)
    try:
        if name is None:
            raise FileNotFoundError(engine)
        text = resources.files("storydiff").joinpath("data", name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as e:
        raise BackendUnavailable(
            f"no verdict model for engine {engine!r} (expected storydiff/data/{name}); "
            "run benchmarks/train_verdict.py or reinstall storydiff"
        ) from e
    return VerdictModel.from_dict(json.loads(text))
