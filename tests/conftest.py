"""Shared fixtures: paths to the example pair, the seed pair and the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def example_pair() -> tuple[Path, Path]:
    return EXAMPLES / "bridge-original.txt", EXAMPLES / "bridge-republished.txt"


@pytest.fixture(scope="session")
def seed_pair() -> tuple[Path, Path]:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(files) < 2:
        pytest.skip(f"seed pair not found in {SEEDS} (needs ../shared beside the checkout)")
    return files[0], files[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not found (needs ../shared beside the checkout)")
    return DATA
