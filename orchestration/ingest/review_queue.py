"""`raw.review_queue`: records a person must look at (low-confidence fax extractions), with page images.

The lineage column `source` says which source queued it; the app lists open items from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orchestration.ingest.records import RawTable


@dataclass(slots=True)
class ReviewItem:
    source_record_id: str
    reason: str  # names fields, never values, e.g. "low confidence: dob, phone"
    page_images: list[str]  # PNG paths (or "<file>#page=n" refs when no image store was given)
    created_at: datetime  # naive UTC


REVIEW_QUEUE = RawTable("review_queue", ReviewItem)
