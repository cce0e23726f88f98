"""Turn OCR lines of a referral fax into `FaxFields` with a confidence per field.

Template-free: values are found by label words (fuzzy), relative geometry and validating regexes.
Confidence = OCR confidence x validation (check digit, valid code, plausible date) x label-match score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from orchestration.fax_fields import KEY_FIELDS, FaxFields
from orchestration.ingest.fax_field_pickers import (
    Pick,
    best,
    distance,
    phone_picks,
    pick_address,
    pick_codes,
    pick_date,
    pick_doctor,
    pick_header_fax,
    pick_oldest_date,
    pick_orders,
    pick_payer,
    pick_post_op,
    pick_zip_anywhere,
)
from orchestration.ingest.fax_id_pickers import pick_member, pick_npi
from orchestration.ingest.fax_labels import LabelIndex
from orchestration.ingest.fax_name_check import check_name
from orchestration.ingest.fax_name_letters import vote_name_letters
from orchestration.ingest.fax_name_picker import pick_name
from orchestration.ingest.fax_name_prior import given_name_prior, surname_prior
from orchestration.ingest.fax_normalise import find_dates, find_phones
from orchestration.ingest.fax_ocr import OcrLine, OcrPage

REVIEW_THRESHOLD = 0.80
# Patient-worded phone labels weigh >= 0.9 ("Mobile", "Cell"); a value in the phrase below its label
# costs x0.97 (fax_labels), which must not turn "Mobile" into a generic "Phone".
PATIENT_PHONE_LABEL = 0.9 * 0.97
SCORED_FIELDS = (
    *KEY_FIELDS,
    "zip",
    "referring_name",
    "payer",
    "member_id",
    "post_op",
    "surgery_date",
    "orders",
    "address",
    "diagnosis_text",
    "referring_phone",
    "referring_fax",
    "from_fax",
    "signed_date",
)


@dataclass
class FaxExtraction:
    fields: FaxFields
    confidence: dict[str, float]  # per field, 0..1; 0 when the field was not found
    needs_review: bool
    page_images: list[str] = field(default_factory=list)

    def to_row(self) -> dict:
        """Flat row for `marts.fax_extractions`: fields, `<field>_confidence`, `needs_review`."""
        row = self.fields.to_dict()
        row.update({f"{k}_confidence": round(v, 4) for k, v in self.confidence.items()})
        row["needs_review"] = self.needs_review
        row["page_images"] = list(self.page_images)
        return row


def extract_fax_fields(
    pages: list[OcrPage],
    record_id: str,
    *,
    review_threshold: float = REVIEW_THRESHOLD,
    sidecar_from: str | None = None,
    payer_aliases: Mapping[str, str] | None = None,
) -> FaxExtraction:
    """Extract referral fields from OCR pages.

    `sidecar_from` is the sidecar JSON's "from" number (wins over the header line); `payer_aliases`
    (alias -> canonical name, see `fax_payers.load_payer_aliases`) turns the payer into its canonical
    name; without it the payer is returned as read.
    """
    lines = [ln for p in pages for ln in p.lines]
    idx = LabelIndex(lines)
    picks: dict[str, Pick | None] = {}
    # A caption's rest that holds no date ("BIRTH DATE" + "MM DD YYYY") hides the date beside or below.
    dob_items = idx.of("dob")
    dob_items += [
        b for it in dob_items if not it.beside and not find_dates(it.value) for b in idx.values_beside(it)
    ]
    picks["dob"] = pick_date(dob_items, idx, lambda d: d.year >= 1900 and d <= date.today())
    picks["dob"] = picks["dob"] or pick_oldest_date(idx)
    doctor = pick_doctor(idx)
    name = pick_name(idx, picks["dob"], doctor)
    patient_anchor = name.line if name else (picks["dob"].line if picks["dob"] else None)
    picks["referring_npi"] = pick_npi(idx)
    doctor_anchor = (
        picks["referring_npi"].line if picks["referring_npi"] else (doctor.line if doctor else None)
    )

    # Patient phone: patient-worded labels first, then the generic phone label nearest the patient.
    phone_items = idx.of("phone")
    # A caption's rest with no number ("TELEPHONE (Include Area Code)") hides the number below it.
    hiding = [it for it in phone_items if not it.beside and not find_phones(it.value)]
    phone_items += [b for it in hiding for b in idx.values_beside(it)]
    patient_phones = phone_picks(phone_items)
    for p in patient_phones:
        if p.weight >= PATIENT_PHONE_LABEL:
            continue  # "Home phone", "Cell", "Patient Phone" name the patient's number wherever they are
        if _beside_fax_label(idx, p.line):
            p.score *= 0.3  # "Tel ... Fax ..." is an office's letterhead: patients have no fax line
            continue
        # A generic "Phone"/"Tel" is the patient's only beside the patient's details, surer the closer.
        near = distance(p.line, patient_anchor) < distance(p.line, doctor_anchor)
        label = 0.95 - min(0.15, distance(p.line, patient_anchor) / 4000) if near else 0.4
        p.score = p.score / p.weight * label
    picks["phone"] = best(patient_phones)
    if picks["phone"] is None or picks["phone"].score < 0.5:
        # The patient's label was misread ("Tet:") or is missing: a bare number by the patient.
        picks["phone"] = best([*patient_phones, *_unlabelled_phones(idx, patient_anchor, doctor_anchor)])
    office = [
        p
        for p in phone_picks(idx.of("office_phone")) + phone_picks(phone_items)
        if not picks["phone"] or p.line is not picks["phone"].line
    ]
    picks["referring_phone"] = min(office, key=lambda p: distance(p.line, doctor_anchor), default=None)
    faxes = phone_picks(idx.of("fax"))
    picks["referring_fax"] = min(faxes, key=lambda p: distance(p.line, doctor_anchor), default=None)
    picks["from_fax"] = (
        Pick(re.sub(r"\D", "", sidecar_from)[-10:], 1.0) if sidecar_from else pick_header_fax(pages)
    )

    picks["diagnosis_codes"], dx_text = pick_codes(idx)
    picks["address"], picks["zip"] = pick_address(idx)
    picks["zip"] = picks["zip"] or pick_zip_anywhere(idx)
    picks["referring_name"] = doctor
    picks["payer"] = pick_payer(idx, payer_aliases)
    picks["member_id"] = pick_member(idx)
    picks["post_op"], picks["surgery_date"] = pick_post_op(idx)
    picks["orders"] = pick_orders(idx)
    signed = [it for it in idx.of("date")]
    picks["signed_date"] = pick_date(signed[-1:], idx, lambda d: d.year >= 2000) if signed else None

    values = {k: (p.value if p else None) for k, p in picks.items()}
    conf = {k: round(min(1.0, p.score), 4) if p else 0.0 for k, p in picks.items()}
    if isinstance(doctor_name := values["referring_name"], str) and " " in doctor_name:
        given, surname = doctor_name.split(" ", 1)
        checks = (check_name(given, given_name_prior(), lines), check_name(surname, surname_prior(), lines))
        values["referring_name"] = f"{checks[0].value} {checks[1].value}"
        conf["referring_name"] = round(conf["referring_name"] * min(c.doubt for c in checks), 4)
    first, last = name.value if name else (None, None)  # type: ignore[misc]
    conf["first_name"] = conf["last_name"] = round(name.score, 4) if name else 0.0
    if first and last:
        # Every printed reading of the name votes on its letters, then the Census check.
        first, last = vote_name_letters(first, lines), vote_name_letters(last, lines)
        # Census-prior spelling check: "Clalr" -> "Clair"; a corrected or doubted name is less sure.
        first_check = check_name(first, given_name_prior(), lines)
        last_check = check_name(last, surname_prior(), lines)
        first, last = first_check.value, last_check.value
        conf["first_name"] = round(conf["first_name"] * first_check.doubt, 4)
        conf["last_name"] = round(conf["last_name"] * last_check.doubt, 4)
    result = FaxFields(
        source_record_id=record_id,
        first_name=first,
        last_name=last,
        diagnosis_text=dx_text,
        **{k: v for k, v in values.items() if k != "diagnosis_codes"},
        diagnosis_codes=list(values["diagnosis_codes"] or []),
    )
    conf["diagnosis_text"] = conf["diagnosis_codes"] if dx_text else 0.0
    confidence = {k: conf.get(k, 0.0) for k in SCORED_FIELDS}
    needs_review = any(confidence[k] < review_threshold for k in KEY_FIELDS)
    return FaxExtraction(result, confidence, needs_review, [p.image_ref for p in pages])


def _beside_fax_label(idx: LabelIndex, line: OcrLine | None) -> bool:
    return line is not None and any(it.line is line for it in idx.of("fax"))


def _rows_apart(a: OcrLine, b: OcrLine | None) -> float:
    """Vertical distance: in a letter the patient's sentence is long, so centre distance misleads."""
    return abs(a.cy - b.cy) if b is not None and a.page == b.page else 10000.0


def _unlabelled_phones(idx: LabelIndex, patient: OcrLine | None, doctor: OcrLine | None) -> list[Pick]:
    """Phone-shaped numbers on lines with no phone, fax or header label, nearer the patient's details
    than the doctor's; surer the closer they are."""
    if patient is None:
        return []
    claimed = {"phone", "office_phone", "fax", "header", "npi", "member"}
    # A value in the box beside or below such a label is that label's too ("Fax:" | "(737) 205-4190").
    taken = {it.value_order for it in idx.items if it.field in claimed}
    picks = []
    for k, (line, hits) in enumerate(zip(idx.lines, idx.hits, strict=True)):
        apart = _rows_apart(line, patient)
        if any(h.field in claimed for h in hits) or k in taken or apart >= _rows_apart(line, doctor):
            continue
        for digits, _ in find_phones(line.text)[:1]:
            picks.append(Pick(digits, (0.6 - min(0.2, apart / 2000)) * line.confidence, line, 0.5))
    return picks
