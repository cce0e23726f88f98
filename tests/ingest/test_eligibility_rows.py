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


def test_parse_eligibility_reads_regular_files_in_bulk_with_the_reference_rows(tmp_path: Path) -> None:
    """The whole parse: a regular file comes back as TupleRows (the bulk path) whose records, Arrow table and
    lenient/strict behaviour equal what parse_271 + to_row give."""
    from datetime import datetime

    from orchestration.ingest.eligibility import RESPONSES, parse_eligibility
    from orchestration.ingest.framework import ParseContext
    from orchestration.ingest.records import TupleRows
    from orchestration.x12.model import Rejection
    from orchestration.x12.x12_271_parse import parse_271
    from orchestration.x12.x12_271_write import render_271

    items = [
        EligibilityResponse("", "L1", "AETNA", "60054", "1467857193", "W1", "PAT", "DOE", None, active=True,
                            copay=25.0, deductible=500.0, deductible_remaining=120.5, visit_limit=20,
                            visits_used=3),
        EligibilityResponse("", "L2", "AETNA", "60054", "1467857193", "W2", "KID", "DOE", None,
                            is_dependent=True, rejections=[Rejection("2100D", "75", "x", "C")]),
    ]  # fmt: skip
    text = render_271(
        items, isa_control=42, sender_id="PAYER", receiver_id="PTLEADS", created=datetime(2025, 3, 3)
    )[0]
    path = tmp_path / "a.x12"
    path.write_text(text)
    parsed = parse_eligibility(path, ParseContext(tmp_path))
    rows = parsed.rows[RESPONSES]
    assert isinstance(rows, TupleRows) and not parsed.errors
    expected = [to_row(r) for r in parse_271(text)]
    assert list(rows) == expected
    assert RESPONSES.to_arrow(rows).equals(RESPONSES.to_arrow(expected))
