"""Turn OCR lines of a referral fax into `FaxFields` with a confidence per field.

Template-free: values are found by label words (fuzzy), relative geometry and validating regexes.
Confidence = OCR confidence x validation (check digit, valid code, plausible date) x label-match score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import zipcodes

from orchestration.fax_fields import KEY_FIELDS, FaxFields
from orchestration.ingest.fax_labels import NOT_NAMES, LabelIndex, Labelled
from orchestration.ingest.fax_normalise import (
    find_dates,
    find_icd10,
    find_phones,
    normalise_orders,
    split_person_name,
)
from orchestration.ingest.fax_ocr import OcrLine, OcrPage
from orchestration.ingest.fax_payers import canonical_payer
from orchestration.npi import is_valid_npi

REVIEW_THRESHOLD = 0.80
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
_DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5"})


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


@dataclass
class _Pick:
    value: object
    score: float
    line: OcrLine | None = None
    weight: float = 1.0  # the label's weight, already part of score


def _best(picks: list[_Pick]) -> _Pick | None:
    picks = [p for p in picks if p.value not in (None, "", [])]
    return max(picks, key=lambda p: p.score) if picks else None


def _dist(a: OcrLine | None, b: OcrLine | None) -> float:
    if a is None or b is None:
        return 5000.0
    if a.page != b.page:
        return 10000.0 + 1000 * abs(a.page - b.page)
    return math.hypot(a.cx - b.cx, 1.5 * (a.cy - b.cy))


def _colon(item: Labelled) -> float:
    """A label followed by a colon (or in a box beside its value) is surely a label."""
    after = item.line.text.split(":", 1)
    return 1.0 if len(after) == 2 or item.beside else 0.93


def _with_next(idx: LabelIndex, item: Labelled) -> list[tuple[str, float]]:
    """The value, then the value joined with the next line (values wrap in letters and narrow boxes)."""
    out = [(item.value, item.confidence)]
    nxt = idx.next_line(item.value_order)
    if nxt is not None and not idx.starts_with_label(item.value_order + 1):
        out.append((f"{item.value} {nxt.text}", min(item.confidence, nxt.confidence)))
    return out


def _name(idx: LabelIndex) -> _Pick | None:
    picks = []
    for item in idx.of("name"):
        value = re.split(r"\s[\(\[]|\s{2,}", item.value)[0]
        parsed = split_person_name(value)
        if not parsed or any(w.lower().strip(".,") in NOT_NAMES for w in " ".join(parsed).split()):
            continue
        picks.append(_Pick(parsed, item.weight * item.confidence * _colon(item), item.line))
    return _best(picks)


def _date_pick(items: list[Labelled], idx: LabelIndex, plausible) -> _Pick | None:  # type: ignore[no-untyped-def]
    picks = []
    for item in items:
        for text, conf in _with_next(idx, item):
            dates = find_dates(text)
            if dates:
                d = dates[0][0]
                picks.append(
                    _Pick(d.isoformat(), item.weight * conf * (1.0 if plausible(d) else 0.3), item.line)
                )
                break
    return _best(picks)


def _phone_picks(items: list[Labelled]) -> list[_Pick]:
    picks = []
    for item in items:
        phones = find_phones(item.value) or find_phones(item.value.translate(_DIGITISH))
        if phones:
            picks.append(_Pick(phones[0][0], item.weight * item.confidence, item.line, item.weight))
    return picks


def _npi(idx: LabelIndex) -> _Pick | None:
    picks = []
    for item in idx.of("npi"):
        digits = re.sub(r"\D", "", item.value.translate(_DIGITISH))[:10]
        if len(digits) == 10:
            picks.append(
                _Pick(
                    digits, item.weight * item.confidence * (1.0 if is_valid_npi(digits) else 0.2), item.line
                )
            )
    if not _best(picks):  # unlabelled: a ten-digit number whose check digit passes
        for line in idx.lines:
            for m in re.finditer(r"(?<!\d)([12]\d{9})(?!\d)", line.text):
                if is_valid_npi(m[1]):
                    picks.append(_Pick(m[1], 0.6 * line.confidence, line))
    return _best(picks)


def _codes(idx: LabelIndex) -> tuple[_Pick | None, str | None]:
    """ICD-10-CM codes by the diagnosis labels (codes wrap onto the next line), else anywhere."""
    codes: list[str] = []
    conf, best_w, where, dx = 1.0, 0.0, None, None
    items = sorted(idx.of("dx"), key=lambda it: (it.order, it.line.text.find(it.value)))
    for item in items:
        words = re.sub(r"\(?[A-TV-Z]\d[0-9A-Z]\.?[0-9A-Z]{0,4}\)?,?|ICD-?10:?", "", item.value)
        words = re.sub(r"\s+", " ", words).strip(" ,;:()/")
        if len(re.sub(r"[^A-Za-z]", "", words)) > len(re.sub(r"[^A-Za-z]", "", dx or "")):
            dx = words
    if items:
        # Codes follow the first diagnosis label on its line, and may wrap onto the next line.
        first = items[0]
        texts = [(first.line.text[first.line.text.find(first.value) :], first.confidence)]
        texts += [(it.value, it.confidence) for it in items if it.order != first.order]
        last = max(items, key=lambda it: it.value_order)
        texts += [(it.value, it.confidence) for it in items if it.beside]
        nxt = idx.next_line(last.value_order)
        if nxt is not None and not idx.starts_with_label(last.value_order + 1):
            texts.append((nxt.text, nxt.confidence))
        for text, c in texts:
            found = [code for code in find_icd10(text) if code not in codes]
            if found:
                codes += found
                conf, best_w, where = min(conf, c), max(it.weight for it in items), where or first.line
    if codes:
        return _Pick(codes, best_w * conf, where), dx or None
    for line in idx.lines:
        found = [c for c in find_icd10(line.text) if c not in codes]
        if found:
            codes += found
            conf, where = min(conf, line.confidence), where or line
    return (_Pick(codes, 0.85 * conf, where) if codes else None), dx or None


def _zip_from(text: str) -> str | None:
    m = re.search(r"\b[A-Z]{2}\s*,?\s*(\d{5})(?:-\d{4})?\b", text) or re.search(r"(?<!\d)(\d{5})(?!\d)", text)
    return m[1] if m else None


def _address(idx: LabelIndex) -> tuple[_Pick | None, _Pick | None]:
    addr, zip_pick = _address_only(idx)
    for item in idx.of("zip"):  # a form with its own ZIP box
        if (m := re.search(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)", item.value)) and (
            zip_pick is None or zip_pick.score < item.weight * item.confidence
        ):
            zip_pick = _Pick(m[1], item.weight * item.confidence * (1.0 if zipcodes.is_real(m[1]) else 0.4))
    return addr, zip_pick


def _address_only(idx: LabelIndex) -> tuple[_Pick | None, _Pick | None]:
    for item in sorted(idx.of("address"), key=lambda it: -it.weight):
        for text, conf in _with_next(idx, item):
            z = _zip_from(text)
            if z:
                valid = 1.0 if zipcodes.is_real(z) else 0.4
                return _Pick(text.strip(), item.weight * conf, item.line), _Pick(
                    z, item.weight * conf * valid
                )
    for line in idx.lines:  # unlabelled: "City, ST 78701"
        if m := re.search(r"\b[A-Z]{2}\s+(\d{5})(?:-\d{4})?\b", line.text):
            return _Pick(line.text, 0.7 * line.confidence, line), _Pick(
                m[1], 0.7 * line.confidence * (1.0 if zipcodes.is_real(m[1]) else 0.4)
            )
    return None, None


_CRED = re.compile(
    r"^(?:Dr\.?\s*)?([A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]+){1,3}),?\s*(?:MD|DO|M\.D\.|D\.O\.|PA-C|NP)\.?$"
)


def _doctor(idx: LabelIndex) -> _Pick | None:
    picks = []
    for item in idx.of("referring"):
        parsed = split_person_name(re.split(r"\s{2,}|\s[\(\[]", item.value)[0])
        if parsed and not any(w.lower() in NOT_NAMES for w in " ".join(parsed).split()):
            picks.append(_Pick(" ".join(parsed), item.weight * item.confidence * _colon(item), item.line))
    if not picks:  # signature block: "Jane Smith, MD" / "Dr. Jane Smith" on a line of its own
        for item in idx.of("npi"):  # or a bare name just above the NPI
            above = idx.lines[item.order - 1] if item.order > 0 else None
            parsed = split_person_name(above.text) if above and above.page == item.line.page else None
            if above and parsed and not any(w.lower() in NOT_NAMES for w in " ".join(parsed).split()):
                picks.append(_Pick(" ".join(parsed), 0.8 * above.confidence, above))
        for line in idx.lines:
            text = line.text.strip()
            if _CRED.match(text) or re.match(r"^Dr\.?\s*[A-Z]", text):
                parsed = split_person_name(text)
                if parsed:
                    picks.append(_Pick(" ".join(parsed), 0.85 * line.confidence, line))
    return _best(picks)


def _member(idx: LabelIndex) -> _Pick | None:
    picks = []
    for item in idx.of("member"):
        m = re.search(
            r"[A-Za-z0-9][A-Za-z0-9-]{4,19}",
            item.value.replace(" ", "") if len(item.value) < 16 else item.value,
        )
        if not m or not any(c.isdigit() for c in m[0]):
            continue
        raw = m[0].upper()
        head = re.match(r"[A-Z]*", raw)[0]  # type: ignore[index]
        value = head + raw[len(head) :].translate(_DIGITISH)
        picks.append(_Pick(value, item.weight * item.confidence * _colon(item), item.line))
    return _best(picks)


def _payer(idx: LabelIndex, aliases: Mapping[str, str] | None) -> _Pick | None:
    """The payer as written, snapped to its canonical name when it matches a configured alias."""
    picks = []
    for item in idx.of("payer"):
        value = re.split(r"\s{2,}|\s*[,;]\s*(?=[A-Z]*\s*(?:id|#))", item.value, flags=re.I)[0].strip(" .,:")
        if not value or not re.search(r"[A-Za-z]{2}", value) or len(value) > 48:
            continue
        known = canonical_payer(value, aliases or {})
        # An unrecognised payer is kept as read, with less confidence: staff should check it.
        name, match = known if known else (value, 0.85 if aliases else 1.0)
        picks.append(_Pick(name, item.weight * item.confidence * _colon(item) * match, item.line))
    return _best(picks)


_POST = re.compile(r"(?i)(?<![a-z])(s/p|status\s*post|post[\s-]*op(?:erative)?|post[\s-]*surgical)")


def _post_op(idx: LabelIndex) -> tuple[_Pick, _Pick | None]:
    for order, line in enumerate(idx.lines):
        m = _POST.search(line.text)
        if not m:
            continue
        rest = line.text[m.end() :]
        if re.match(r"(?i)\s*[:\-]?\s*(no|n|none)\b", rest):
            return _Pick(False, line.confidence), None
        when = find_dates(rest) or find_dates(" ".join(ln.text for ln in idx.lines[order : order + 2]))
        surgery = _date_pick(idx.of("surgery"), idx, lambda d: 1990 <= d.year <= date.today().year + 1)
        if surgery is None and when:
            surgery = _Pick(when[0][0].isoformat(), 0.9 * line.confidence, line)
        return _Pick(True, line.confidence), surgery
    surgery = _date_pick(idx.of("surgery"), idx, lambda d: 1990 <= d.year <= date.today().year + 1)
    if surgery:
        return _Pick(True, surgery.score), surgery
    return _Pick(False, 0.85), None  # no surgical cue anywhere on a readable fax


def _orders(idx: LabelIndex) -> _Pick | None:
    picks = []
    for item in idx.of("orders"):
        for text, conf in _with_next(idx, item):
            if norm := normalise_orders(text):
                picks.append(_Pick(norm, item.weight * conf, item.line))
                break
    if not picks:
        for line in idx.lines:
            if norm := normalise_orders(line.text):
                picks.append(_Pick(norm, 0.85 * line.confidence, line))
    return _best(picks)


def _header_fax(pages: list[OcrPage]) -> _Pick | None:
    if not pages:
        return None
    top = [ln for ln in pages[0].lines if ln.box[1] < 0.06 * pages[0].height]
    phones = find_phones(" ".join(ln.text for ln in top))
    return _Pick(phones[0][0], min((ln.confidence for ln in top), default=0.0)) if phones else None


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
    picks: dict[str, _Pick | None] = {}
    name = _name(idx)
    picks["dob"] = _date_pick(idx.of("dob"), idx, lambda d: d.year >= 1900 and d <= date.today())
    patient_anchor = name.line if name else (picks["dob"].line if picks["dob"] else None)
    doctor = _doctor(idx)
    picks["referring_npi"] = _npi(idx)
    doctor_anchor = (
        picks["referring_npi"].line if picks["referring_npi"] else (doctor.line if doctor else None)
    )

    # Patient phone: patient-worded labels first, then the generic phone label nearest the patient.
    phone_items = idx.of("phone")
    phone_picks = _phone_picks(phone_items)
    for p in phone_picks:
        near = _dist(p.line, patient_anchor) < _dist(p.line, doctor_anchor)
        # A generic "Phone" label is confirmed by sitting with the patient's details.
        if p.weight >= 0.9:
            label = p.weight * (1.0 if near else 0.5)
        else:  # the closer to the patient's name, the surer
            label = 0.95 - min(0.15, _dist(p.line, patient_anchor) / 4000) if near else 0.5
        p.score = p.score / p.weight * label
    picks["phone"] = _best(phone_picks)
    office = [
        p
        for p in _phone_picks(idx.of("office_phone")) + _phone_picks(phone_items)
        if not picks["phone"] or p.line is not picks["phone"].line
    ]
    picks["referring_phone"] = min(office, key=lambda p: _dist(p.line, doctor_anchor), default=None)
    faxes = _phone_picks(idx.of("fax"))
    picks["referring_fax"] = min(faxes, key=lambda p: _dist(p.line, doctor_anchor), default=None)
    picks["from_fax"] = (
        _Pick(re.sub(r"\D", "", sidecar_from)[-10:], 1.0) if sidecar_from else _header_fax(pages)
    )

    picks["diagnosis_codes"], dx_text = _codes(idx)
    picks["address"], picks["zip"] = _address(idx)
    picks["referring_name"] = doctor
    picks["payer"] = _payer(idx, payer_aliases)
    picks["member_id"] = _member(idx)
    picks["post_op"], picks["surgery_date"] = _post_op(idx)
    picks["orders"] = _orders(idx)
    signed = [it for it in idx.of("date")]
    picks["signed_date"] = _date_pick(signed[-1:], idx, lambda d: d.year >= 2000) if signed else None

    values = {k: (p.value if p else None) for k, p in picks.items()}
    conf = {k: round(min(1.0, p.score), 4) if p else 0.0 for k, p in picks.items()}
    first, last = name.value if name else (None, None)  # type: ignore[misc]
    conf["first_name"] = conf["last_name"] = round(name.score, 4) if name else 0.0
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
