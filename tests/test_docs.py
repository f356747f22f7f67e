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
    first = next(line.strip() for line in head if "pip install" in line)
    assert "pip install -e . " in first and "storydiff compare examples/" in first  # the main job needs no extra
    test_command = next(line.strip() for line in head if "pytest" in line)
    assert "'.[all,dev]'" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci  # CI runs exactly the README's test command


@pytest.mark.issue(12)
def test_the_architecture_page_names_every_room():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    pkg = ROOT / "src" / "storydiff"
    rooms = sorted(p.name.removesuffix(".py") for p in pkg.iterdir()
                   if (p.suffix == ".py" and not p.name.startswith("__")) or (p / "__init__.py").is_file())
    assert rooms and [r for r in rooms if f"{r}/" not in text and f"{r}.py" not in text] == []


@pytest.mark.issue(12)
def test_no_tracked_file_carries_a_path_of_the_machine_it_was_made_on():
    p = subprocess.run(["git", "grep", "-lE", r"(^|[^A-Za-z0-9_.])/(work|farm|root|home)/", "--", "."],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        pytest.skip(f"not a git checkout: {p.stderr.strip()}")
    assert p.stdout.split() == []
