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


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory) -> Path:
    """A published-like output tree of the example (manifests, bulletins, feeds) for the portal's tests; read only."""
    from test_web_sample import make_sample_tree

    return make_sample_tree(tmp_path_factory.mktemp("out"))


def as_read(text: str) -> str:
    """Text read back from a pptx as a reader sees it: the no-break spaces and word joiners that keep an
    office app's line breaks between words (``studio.visual.words.bind``) as a space and as nothing."""
    from studio.text import NO_BREAK_SPACE
    from studio.visual.words import WORD_JOINER

    return text.replace(NO_BREAK_SPACE, " ").replace(WORD_JOINER, "")


#: Every example campaign in the repo: tests that check outputs "for both examples" iterate this.
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "campaign.yaml").is_file())


@pytest.fixture(scope="session")
def example_build(tmp_path_factory):
    """``example_build(path, kinds)`` builds an example campaign once per session (only the
    renderer kinds asked for, e.g. ``("visual", "deck")``) and returns ``(campaign, out_dir)``;
    the output folder is shared, so tests must only read it."""
    from studio.build import build
    from studio.loader import load_campaign
    from studio.plan import Selection

    done: dict[tuple[str, frozenset[str]], tuple] = {}

    def get(path: Path, kinds=("visual",)):
        key = (Path(path).name, frozenset(kinds))
        for (name, built), result in done.items():  # a build of more kinds serves a test of fewer
            if name == key[0] and key[1] <= built:
                return result
        if key not in done:
            campaign = load_campaign(path)
            out = tmp_path_factory.mktemp(f"built-{key[0]}")
            report = build(campaign, out, select=Selection(kinds=kinds), options={"deck": {"pdf": True}})
            assert report.ok, report.failures
            done[key] = (campaign, out / campaign.id)
        return done[key]

    return get
