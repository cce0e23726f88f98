"""Fax: referral faxes (image-only PDF or multi-page TIFF) -> OCR -> `raw.fax_extractions` (every
FaxFields value + a confidence per field + needs_review + page images), and `raw.review_queue` when a
key field falls below config/ingest.yaml's threshold. source_record_id = the fax file name.

The optional sidecar `<stem>.json` gives from/received_at/pages; it is read with its fax, not ingested
on its own. Page PNGs go to `<warehouse dir>/fax_pages/<stem>/page-N.png` for the review screen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from orchestration.fax_fields import KEY_FIELDS
from orchestration.ingest.fax_extract import SCORED_FIELDS, FaxExtraction, extract_fax_fields
from orchestration.ingest.fax_ocr import FaxUnreadable, load_fax_images, ocr_images
from orchestration.ingest.fax_payers import load_payer_aliases
from orchestration.ingest.framework import ParseContext, Source
from orchestration.ingest.ingest_config import load_ingest_config
from orchestration.ingest.json_lines_read import instant_to_utc
from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable
from orchestration.ingest.review_queue import REVIEW_QUEUE, ReviewItem

SOURCE = "fax"
FAX_SUFFIXES = (".pdf", ".tif", ".tiff")
PAGES_DIR = "fax_pages"


@dataclass(slots=True)
class FaxExtractionRow:
    source_record_id: str  # file name
    received_at: datetime | None  # sidecar, naive UTC
    sidecar_from: str | None  # sidecar "from" (the sending fax line)
    sidecar_pages: int | None
    pages: int
    first_name: str | None
    last_name: str | None
    dob: date | None
    phone: str | None
    address: str | None
    zip: str | None
    diagnosis_codes: list[str]
    diagnosis_text: str | None
    referring_name: str | None
    referring_npi: str | None
    referring_phone: str | None
    referring_fax: str | None
    orders: str | None
    post_op: bool | None
    surgery_date: date | None
    payer: str | None
    member_id: str | None
    from_fax: str | None
    signed_date: date | None
    first_name_confidence: float
    last_name_confidence: float
    dob_confidence: float
    phone_confidence: float
    address_confidence: float
    zip_confidence: float
    diagnosis_codes_confidence: float
    diagnosis_text_confidence: float
    referring_name_confidence: float
    referring_npi_confidence: float
    referring_phone_confidence: float
    referring_fax_confidence: float
    orders_confidence: float
    post_op_confidence: float
    surgery_date_confidence: float
    payer_confidence: float
    member_id_confidence: float
    from_fax_confidence: float
    signed_date_confidence: float
    needs_review: bool
    review_threshold: float
    page_images: list[str]
    ocr_seconds: float


EXTRACTIONS = RawTable("fax_extractions", FaxExtractionRow)


@dataclass(frozen=True)
class Sidecar:
    from_number: str | None = None
    received_at: datetime | None = None
    pages: int | None = None


def read_sidecar(fax_path: Path) -> tuple[Sidecar, str | None]:
    """The sidecar values and a problem note (None when fine or absent); a bad sidecar never costs a fax."""
    path = fax_path.with_suffix(".json")
    if not path.exists():
        return Sidecar(), None
    try:
        obj = json.loads(path.read_bytes().decode("utf-8-sig"))
        if not isinstance(obj, dict):
            return Sidecar(), "sidecar is not a JSON object"
        received = obj.get("received_at")
        pages = obj.get("pages")
        return (
            Sidecar(
                from_number=str(obj["from"]) if obj.get("from") else None,
                received_at=instant_to_utc(received) if received not in (None, "") else None,
                pages=int(pages) if isinstance(pages, int | float) and not isinstance(pages, bool) else None,
            ),
            None,
        )
    except (ValueError, TypeError, OverflowError, OSError, UnicodeDecodeError):
        return Sidecar(), "sidecar unreadable"


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def save_page_images(fax_path: Path, warehouse_dir: Path | None, images: list[np.ndarray]) -> list[str]:
    """PNG per page under <warehouse dir>/fax_pages/<stem>/ (overwritten on a rerun: idempotent)."""
    if warehouse_dir is None:
        return [f"{fax_path.name}#page={i}" for i in range(1, len(images) + 1)]
    folder = warehouse_dir / PAGES_DIR / fax_path.stem
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, gray in enumerate(images, start=1):
        target = folder / f"page-{i}.png"
        # 1-bit, thresholded (not dithered): what the fax machine sent, and small.
        Image.fromarray(gray).point(lambda v: 255 if v > 127 else 0).convert("1").save(target, optimize=True)
        out.append(str(target))
    return out


def to_row(
    ex: FaxExtraction, sidecar: Sidecar, pages: int, images: list[str], threshold: float, seconds: float
) -> FaxExtractionRow:
    f, c = ex.fields, ex.confidence
    conf = {f"{k}_confidence": float(c.get(k, 0.0)) for k in SCORED_FIELDS}
    return FaxExtractionRow(
        source_record_id=f.source_record_id,
        received_at=sidecar.received_at,
        sidecar_from=sidecar.from_number,
        sidecar_pages=sidecar.pages,
        pages=pages,
        first_name=f.first_name,
        last_name=f.last_name,
        dob=_iso_date(f.dob),
        phone=f.phone,
        address=f.address,
        zip=f.zip,
        diagnosis_codes=list(f.diagnosis_codes),
        diagnosis_text=f.diagnosis_text,
        referring_name=f.referring_name,
        referring_npi=f.referring_npi,
        referring_phone=f.referring_phone,
        referring_fax=f.referring_fax,
        orders=f.orders,
        post_op=f.post_op,
        surgery_date=_iso_date(f.surgery_date),
        payer=f.payer,
        member_id=f.member_id,
        from_fax=f.from_fax,
        signed_date=_iso_date(f.signed_date),
        **conf,
        needs_review=ex.needs_review,
        review_threshold=threshold,
        page_images=images,
        ocr_seconds=round(seconds, 3),
    )


@cache
def _settings(config_dir: Path) -> tuple[float, dict[str, str]]:
    threshold = load_ingest_config(config_dir).fax.review_threshold
    payers = config_dir / "payers.yaml"
    return threshold, (load_payer_aliases(payers) if payers.exists() else {})


def parse_fax(path: Path, ctx: ParseContext) -> ParsedFile:
    if path.suffix.lower() == ".json":  # _is_fax passes a sidecar on only when its fax is missing
        raise QuarantineFile(f"{path.name}: a fax sidecar without its fax (no PDF or TIFF of that name)")
    threshold, aliases = _settings(ctx.config_dir)
    sidecar, sidecar_problem = read_sidecar(path)
    started = time.monotonic()
    try:
        images = load_fax_images(path)  # decoded once: OCR and the review PNGs share the pages
        pages = ocr_images(images, path.name)
    except FaxUnreadable as exc:
        raise QuarantineFile(f"{path.name}: {exc.reason}") from None
    ex = extract_fax_fields(
        pages,
        path.name,
        review_threshold=threshold,
        sidecar_from=sidecar.from_number,
        payer_aliases=aliases,
    )
    seconds = time.monotonic() - started
    page_files = save_page_images(path, ctx.warehouse_dir, images)
    parsed = ParsedFile(errors=[LineError(0, sidecar_problem)] if sidecar_problem else [])
    parsed.add(EXTRACTIONS, to_row(ex, sidecar, len(pages), page_files, threshold, seconds))
    if ex.needs_review:
        low = [k for k in KEY_FIELDS if ex.confidence.get(k, 0.0) < threshold]
        reason = "low confidence: " + ", ".join(low)
        created = datetime.now(UTC).replace(tzinfo=None)
        parsed.add(REVIEW_QUEUE, ReviewItem(path.name, reason, page_files, created))
    return parsed


def _is_fax(path: Path) -> bool:
    """Fax images and anything unknown (quarantined with a reason); sidecars travel with their fax."""
    if path.name.startswith("."):
        return False
    if path.suffix.lower() == ".json":
        return not any(path.with_suffix(s).exists() for s in (*FAX_SUFFIXES, ".PDF", ".TIF", ".TIFF"))
    return True


def _sidecar_of(path: Path) -> tuple[Path, ...]:
    """The fax's sidecar, quarantined with it (alone it would be quarantined again on the next run)."""
    sidecar = path.with_suffix(".json")
    return (sidecar,) if path.suffix.lower() != ".json" and sidecar.is_file() else ()


# Parallel: OCR is ~1 CPU-s per page, so two workers halve a large fax inbox's wall time (the pool's
# own gate decides when an inbox is large enough; rows are identical to in-process parsing).
FAX = Source(
    name=SOURCE,
    tables=(EXTRACTIONS, REVIEW_QUEUE),
    parse=parse_fax,
    accepts=_is_fax,
    companions=_sidecar_of,
    parallel=True,
)
