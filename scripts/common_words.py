"""Regenerate ``src/storydiff/data/common_words.txt``: everyday English words.

A BPE vocabulary keeps whole words in proportion to their frequency, so the
words that WordLlama's tokenizer (Llama-2 BPE) holds as one whole token make
a frequency list. The change engine reads the shipped file, never the
tokenizer, so a different WordLlama build cannot change severities silently.

Usage::

    .venv/bin/python scripts/common_words.py > src/storydiff/data/common_words.txt
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import wordllama


def main() -> None:
    path = Path(wordllama.__file__).parent / "tokenizers" / "l2_supercat_tokenizer_config.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    words = sorted({w[1:] for w in vocab if w.startswith("▁") and len(w) > 3 and w[1:].isascii()
                    and w[1:].isalpha() and w[1:].islower()})
    version = getattr(wordllama, "__version__", "unknown")
    sys.stdout.write(f"# everyday English words: whole-word tokens of WordLlama {version}'s Llama-2 BPE vocabulary"
                     " (scripts/common_words.py)\n")
    sys.stdout.write("\n".join(words) + "\n")


if __name__ == "__main__":
    main()
