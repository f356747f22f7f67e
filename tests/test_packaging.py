"""The wheel carries every file the package reads at run time.

setuptools' package-data globs are not recursive, so a data file in a new sub-folder (the cross-encoder adapter)
is silently left out of the wheel unless pyproject.toml names its folder.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "storydiff"


def test_every_data_and_template_file_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["storydiff"]
    shipped_dirs = ["data", "report/templates", "schema", "web/templates"]
    files = [p.relative_to(PACKAGE).as_posix() for d in shipped_dirs for p in (PACKAGE / d).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"]
    assert any(f.startswith("data/cross_encoder/") for f in files)
    # fnmatch's "*" crosses "/", setuptools' does not: compare folder by folder.
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) and f.count("/") == pat.count("/") for pat in patterns)]
    assert missing == []
