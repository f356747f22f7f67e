"""The models and word lists that ship inside storydiff (``storydiff/data/``).

One reader for every data file, each read once per process, and a content
hash for each, so a result can say exactly which models and word lists made
it (``Comparison.to_dict()["options"]["components"]``). A file that is
missing means a broken install, never "carry on without it": that would
change verdicts and severities without a trace.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

from storydiff.errors import BackendUnavailable

__all__ = ["digest", "read_json", "read_lines", "read_text"]


@functools.cache
def read_bytes(name: str) -> bytes:
    """The bytes of ``storydiff/data/<name>``."""
    try:
        return resources.files("storydiff").joinpath("data", *name.split("/")).read_bytes()
    except OSError as e:
        raise BackendUnavailable(
            f"storydiff/data/{name} is missing from this installation ({e.strerror or e}); reinstall storydiff"
        ) from None


def read_text(name: str) -> str:
    return read_bytes(name).decode("utf-8")


@functools.cache
def read_json(name: str) -> Any:
    return json.loads(read_text(name))


@functools.cache
def read_lines(name: str) -> tuple[str, ...]:
    """Non-empty lines that are not ``#`` comments."""
    return tuple(s for s in (line.strip() for line in read_text(name).splitlines()) if s and not s.startswith("#"))


@functools.cache
def digest(name: str) -> str:
    """``sha256:`` and the first 16 hex digits of the file's SHA-256."""
    return "sha256:" + hashlib.sha256(read_bytes(name)).hexdigest()[:16]
