"""Shared fixtures: where the reference data lives, and the bundled example."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "harbour-strike.txt"


@pytest.fixture
def seed_path() -> Path:
    path = SHARED / "examples" / "seed-article.txt"
    if not path.exists():
        pytest.skip(f"reference example not present: {path} (../shared is only on developer machines)")
    return path


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE
