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
    reason="issue 3 open: on 100 never-tuned-on faxes of the unseen layouts (seeds 9100+40, 31000+60) "
    "last_name is 96% and first_name 98% after the Census name check; misses are split/glued words "
    "('Jo Hnson', 'Kowa Lls Kl', 'VanBuren') and 'Snith' (itself a Census surname, sent to review). "
    "This corpus (seeds 31000+40) gives last_name 95%; fails loudly once it reaches 97%",
)
def test_accuracy_on_layouts_production_never_saw(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=31000, layouts=list(EXTRA_LAYOUTS))
    acc = report(cases, "test-only layouts")
    assert not below_threshold(acc), acc
