"""Field-level exact-match accuracy of fax extraction on rendered faxes with known truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from extra_layouts import EXTRA_LAYOUTS
from fax_corpus import below_threshold, build_corpus, report

from orchestration.generator.fax_render import FAX_LAYOUTS


@pytest.mark.slow
def test_accuracy_on_production_layouts(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=7000, layouts=list(range(FAX_LAYOUTS)))
    acc = report(cases, "production layouts")
    assert not below_threshold(acc), acc


@pytest.mark.slow
def test_accuracy_on_layouts_production_never_saw(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=9100, layouts=list(EXTRA_LAYOUTS))
    acc = report(cases, "test-only layouts")
    assert not below_threshold(acc), acc
