"""Generated practices shared by the generator tests (generation is the expensive part)."""

from __future__ import annotations

from pathlib import Path

import pytest
from generator_support import run_generate


@pytest.fixture(scope="session")
def practice_2000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brief's reference run: seed 1, 2000 leads over 12 months, a few faxes."""
    out = tmp_path_factory.mktemp("gen2000")
    run_generate(out, seed=1, n_leads=2000, max_faxes=3)
    return out
