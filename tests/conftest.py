from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def example_campaign():
    from studio.loader import load_campaign

    return load_campaign(EXAMPLE)


@pytest.fixture
def campaign_copy(tmp_path) -> Path:
    """A writable copy of the example campaign, for tests that edit briefs."""
    target = tmp_path / "campaign"
    shutil.copytree(EXAMPLE, target)
    return target
