"""Docs are part of the product: they must describe what the code does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from storydiff.model import Category

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_up_to_date():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("category", [c.value for c in Category])
def test_every_change_category_is_documented(category):
    assert f"`{category}`" in (ROOT / "docs" / "json-schema.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    text = "\n".join(head)
    assert "pip install -e '.[all,dev]'" in text and "storydiff compare examples/" in text
    assert "pytest" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in text
