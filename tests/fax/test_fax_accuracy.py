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
    reason="issue 3 open: on fresh 60-fax samples of the unseen layouts, never used for tuning, every "
    "strict field is >= 97% in some samples but not all at once (seeds 107000+: first_name 96.7%; "
    "118000+: last_name 96.7%; pooled 120: first 98.3%, last 97.5%, dob 99.2%, phone/NPI/ICD 100%). "
    "This corpus (fresh seeds 118000+40) gives last_name 95%; fails loudly once every field meets its "
    "threshold. Corpora tuned on (41000+, 52000+, 63000+, 74000+) are not used here",
)
def test_accuracy_on_layouts_production_never_saw(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=118000, layouts=list(EXTRA_LAYOUTS))
    acc = report(cases, "test-only layouts")
    assert not below_threshold(acc), acc
