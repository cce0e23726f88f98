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
@pytest.mark.xfail(
    strict=True,
    reason="issue 3 open: on a fresh 60-fax sample of the unseen layouts (seeds 41000+, measured after the "
    "last extraction change) last_name and dob are 96.7%, first_name 98.3%; misses are a name line not "
    "found, 'VanBuren' for 'Van Buren' and two DOBs not found. This corpus (seeds 41000+40) gives dob 95% "
    "(last_name 97.5%); fails loudly once every field reaches its threshold",
)
def test_accuracy_on_layouts_production_never_saw(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=41000, layouts=list(EXTRA_LAYOUTS))
    acc = report(cases, "test-only layouts")
    assert not below_threshold(acc), acc
