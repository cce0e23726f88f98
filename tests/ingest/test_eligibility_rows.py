"""The eligibility row is the 271 response as is: fields read directly give what dataclasses.asdict gave."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from hypothesis import given, settings

from orchestration.ingest.eligibility import EligibilityRow, to_row
from orchestration.x12.model import EligibilityResponse

sys.path.insert(0, str(Path(__file__).parents[1] / "x12"))
from x12_strategies import responses


def _reference_row(r: EligibilityResponse) -> EligibilityRow:
    first = r.rejections[0] if r.rejections else None
    values = {k: v for k, v in asdict(r).items() if k not in ("record_id", "rejections")}
    return EligibilityRow(
        source_record_id=r.record_id,
        **values,
        rejection_code=first.code if first else None,
        rejection_reason=first.reason if first else None,
        rejection_loop=first.loop if first else None,
        rejections_json=json.dumps([asdict(x) for x in r.rejections]) if r.rejections else None,
    )


@settings(max_examples=150, deadline=None)
@given(responses())
def test_to_row_equals_asdict_reference(response: EligibilityResponse) -> None:
    assert to_row(response) == _reference_row(response)
