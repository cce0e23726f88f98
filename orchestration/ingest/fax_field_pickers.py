"""Per-field value pickers over a fax's labelled OCR lines: each returns its best candidate and a score.

Score = OCR confidence x validation (check digit, valid code, plausible date) x label-match weight.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import zipcodes

from orchestration.ingest.fax_icd_join import codes_in_dx_text, ends_in_code_head, rejoin_cut_codes
from orchestration.ingest.fax_label_words import NOT_NAMES
from orchestration.ingest.fax_labels import LabelIndex, Labelled
from orchestration.ingest.fax_normalise import (
    find_dates,
    find_icd10,
    find_phones,
    split_person_name,
)
from orchestration.ingest.fax_ocr import OcrLine, OcrPage
from orchestration.ingest.fax_orders import normalise_orders
from orchestration.ingest.fax_payers import canonical_payer

DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5"})


@dataclass
class Pick:
    value: object
    score: float
    line: OcrLine | None = None
    weight: float = 1.0  # the label's weight, already part of score


def best(picks: list[Pick]) -> Pick | None:
    picks = [p for p in picks if p.value not in (None, "", [])]
    return max(picks, key=lambda p: p.score) if picks else None


def distance(a: OcrLine | None, b: OcrLine | None) -> float:
    if a is None or b is None:
        return 5000.0
    if a.page != b.page:
        return 10000.0 + 1000 * abs(a.page - b.page)
    return math.hypot(a.cx - b.cx, 1.5 * (a.cy - b.cy))


def colon_weight(item: Labelled) -> float:
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


def pick_date(items: list[Labelled], idx: LabelIndex, plausible: Callable[[date], bool]) -> Pick | None:
    picks = []
    for item in items:
        for text, conf in _with_next(idx, item):
            dates = find_dates(text) or find_dates(_without_doubtful_lead(idx, item, text))
            if not dates and item.beside and (d := _boxed_run_date(idx, item, text)):
                dates = [(d, 0)]
            if not dates and (m := _MD_RUN.fullmatch(text.strip(" .,;:"))) and int(m[1]) > 12:
                # A labelled M/D/YYYY whose first separator was lost ("97/1959" for 9/7/1959); not
                # when the two digits are a month ("12/1959" is a month and year as printed).
                split = {_valid_date(int(m[2]), int(m[1][0]), int(m[1][1]))} - {None}
                dates = [(split.pop(), 0)] if split else []
            if dates:
                d = dates[0][0]
                picks.append(
                    Pick(d.isoformat(), item.weight * conf * (1.0 if plausible(d) else 0.3), item.line)
                )
                break
    return best(picks)


_MD_RUN = re.compile(r"(\d{2})[/.-]((?:19|20)\d{2})")


def _boxed_run_date(idx: LabelIndex, item: Labelled, text: str) -> date | None:
    """Boxed MM|DD|YYYY read as one run under its caption ("08231992"), a border between boxes read
    as a doubted 1 or bracket dropped first ("051101947", its second 1 at 0.25 with | runner-up)."""
    line = idx.lines[item.value_order]
    if text == item.value and len(line.chars) == len(line.text) and (at := line.text.find(text)) >= 0:
        kept = zip(text, line.chars[at : at + len(text)], strict=True)
        text = "".join(ch for ch, c in kept if not (c.prob < 0.5 and c.alt in "|[](){}" and c.alt))
    m = re.fullmatch(r"\W*(\d{2})(\d{2})((?:19|20)\d{2})\W*", text)
    return _valid_date(int(m[3]), int(m[1]), int(m[2])) if m else None


def _valid_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _without_doubtful_lead(idx: LabelIndex, item: Labelled, text: str) -> str:
    """The value as the recogniser's doubts suggest: without a first glyph that is border-like
    ("17/7/1951" for 7/7/1951) and doubted, and with a doubted letter's runner-up digit ("198g",
    "9" at 0.43): a box border beside a cell, or a digit's open loop, read as a character."""
    line = idx.lines[item.value_order]
    at = line.text.find(text.split(" ", 1)[0]) if text else -1
    if at < 0 or len(line.chars) != len(line.text):
        return text
    chars = line.chars[at : at + len(text)]
    out = [
        c.alt if ch.isalpha() and c.prob < 0.8 and c.alt.isdigit() and c.alt_prob >= 0.1 else ch
        for ch, c in zip(text, chars, strict=False)
    ] + list(text[len(chars) :])
    while out and out[0] in "1lI|[](){}!" and chars and chars[0].prob < 0.8:  # "111954-03-11": two
        out = out[1:]
        chars = chars[1:]
    # A speck or border after a year ("3/5/19551", its last "1" at 0.47): a doubted fifth digit goes.
    doubted = [
        i
        for i in range(4, min(len(out), len(chars)))
        if out[i] in "1lI|[](){}!"
        and chars[i].prob < 0.6
        and "".join(out[i - 4 : i]).isdigit()
        and not "".join(out[i + 1 : i + 2]).isdigit()
    ]
    for i in reversed(doubted):
        del out[i]
    return "".join(out)


def phone_picks(items: list[Labelled]) -> list[Pick]:
    picks = []
    for item in items:
        phones = find_phones(item.value) or find_phones(item.value.translate(DIGITISH))
        if phones:
            picks.append(Pick(phones[0][0], item.weight * item.confidence, item.line, item.weight))
    return picks


def pick_codes(idx: LabelIndex) -> tuple[Pick | None, str | None]:
    """ICD-10-CM codes by the diagnosis labels (codes wrap onto the next line), else anywhere."""
    codes: list[str] = []
    conf, best_w, where, dx = 1.0, 0.0, None, None
    # The label's own line first (a value from the box below is not on it: find() would say -1).
    items = sorted(idx.of("dx"), key=lambda it: (it.order, it.beside, it.line.text.find(it.value)))
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
        k = last.value_order + 1
        nxt = idx.next_line(last.value_order)
        if nxt is not None and not idx.starts_with_label(k):
            texts.append((nxt.text, nxt.confidence))
            # A code cut at that line's end ("S83." / "511A ..."): its rest starts the line after; and
            # codes in boxes side by side are phrases of one row ("A. M54 2" | "B. M62 81").
            while (after := idx.next_line(k)) is not None and (
                ends_in_code_head(idx.lines[k].text) or _same_row(after, nxt)
            ):
                texts.append((after.text, after.confidence))
                k += 1
        joined = rejoin_cut_codes([text for text, _ in texts])
        for text, c in zip(joined, (c for _, c in texts), strict=True):
            found = [code for code in codes_in_dx_text(text) if code not in codes]
            if found:
                codes += found
                conf, best_w, where = min(conf, c), max(it.weight for it in items), where or first.line
    if codes:
        return Pick(codes, best_w * conf, where), dx or None
    for line in idx.lines:
        found = [c for c in find_icd10(line.text) if c not in codes]
        if found:
            codes += found
            conf, where = min(conf, line.confidence), where or line
    return (Pick(codes, 0.85 * conf, where) if codes else None), dx or None


def _same_row(a: OcrLine, b: OcrLine) -> bool:
    return a.page == b.page and abs(a.cy - b.cy) < max(a.height, b.height) / 2


def _zip_from(text: str) -> str | None:
    m = re.search(r"\b[A-Z]{2}[\s,.:;]*(\d{5})(?:-\d{4})?\b", text) or re.search(
        r"(?<!\d)(\d{5})(?!\d)", text
    )
    if m is None:  # a speck inside the ZIP after the state: "TX 7861:3"
        m = re.search(r"\b[A-Z]{2}[\s,.:;]*(\d(?:[.,:;'`]?\d){4})(?![\d.,:;'`]*\d)", text)
        return re.sub(r"\D", "", m[1]) if m else None
    return m[1]


def pick_address(idx: LabelIndex) -> tuple[Pick | None, Pick | None]:
    addr, zip_pick = _address_only(idx)
    for item in idx.of("zip"):  # a form with its own ZIP box
        # A six-digit "1ddddd" in a ZIP box is a border read as 1 before the ZIP.
        if (m := re.search(r"(?<!\d)1?(\d{5})(?:-\d{4})?(?!\d)", item.value)) and (
            zip_pick is None or zip_pick.score < item.weight * item.confidence
        ):
            zip_pick = Pick(m[1], item.weight * item.confidence * (1.0 if zipcodes.is_real(m[1]) else 0.4))
    return addr, zip_pick


def _address_only(idx: LabelIndex) -> tuple[Pick | None, Pick | None]:
    for item in sorted(idx.of("address"), key=lambda it: -it.weight):
        for text, conf in _with_next(idx, item):
            z = _zip_from(text)
            if z:
                valid = 1.0 if zipcodes.is_real(z) else 0.4
                return Pick(text.strip(), item.weight * conf, item.line), Pick(z, item.weight * conf * valid)
    for line in idx.lines:  # unlabelled: "City, ST 78701"
        # "TX78745" and "TX:78664" (a misread space) too
        if m := re.search(r"\b[A-Za-z]{2}[\s.:;]*(\d{5})(?:-\d{4})?\b", line.text):
            return Pick(line.text, 0.7 * line.confidence, line), Pick(
                m[1], 0.7 * line.confidence * (1.0 if zipcodes.is_real(m[1]) else 0.4)
            )
    return None, None


def pick_zip_anywhere(idx: LabelIndex) -> Pick | None:
    """A real ZIP code standing alone (a form's own ZIP box whose label OCR lost)."""
    for line in idx.lines:
        m = re.fullmatch(r"\W*1?(\d{5})(?:-\d{4})?\W*", line.text.strip())  # "178613": a border 1
        if m and zipcodes.is_real(m[1]):
            return Pick(m[1], 0.6 * line.confidence, line)
    return None


def pick_oldest_date(idx: LabelIndex) -> Pick | None:
    """Unlabelled DOB: surgery, signature and fax dates are recent; a birth date is years old."""
    last_year = date.today().year - 2
    found = [(d, ln) for ln in idx.lines for d, _ in find_dates(ln.text) if 1900 <= d.year <= last_year]
    for k, line in enumerate(idx.lines):  # prose wraps mid-date: "... Date of Birth May" / "02, 1990."
        if (nxt := idx.next_line(k)) is not None:
            joined = find_dates(f"{line.text} {nxt.text}")
            found += [(d, line) for d, at in joined if at < len(line.text) and 1900 <= d.year <= last_year]
    if not found:
        return None
    d, line = min(found, key=lambda item: item[0])
    return Pick(d.isoformat(), 0.6 * line.confidence, line)


_CRED = re.compile(
    r"^(?:Dr\.?\s*)?([A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]+){1,3}),?\s*(?:MD|DO|M\.D\.|D\.O\.|PA-C|NP)\.?$"
)


def _doctor_name(value: str) -> tuple[str, str] | None:
    value = re.split(r"\s{2,}|\s[\(\[]", value)[0]
    # In a provider's box a short word before "First Last" is the title misread ("Or Maria Abbott").
    value = re.sub(r"^(?:Or|0r|Dn|Dt)\.?\s+(?=[A-Z][a-z]+\s+[A-Z])", "Dr. ", value)
    parsed = split_person_name(value)
    return parsed if parsed and not any(w.lower() in NOT_NAMES for w in " ".join(parsed).split()) else None


def pick_doctor(idx: LabelIndex) -> Pick | None:
    picks = []
    # A label's leftover ("REFERRING" + "CLINICIAN", "REFERRING PROVIDER" + "OR OTHER SOURCE"), any
    # inline value that is no name, hides the value in the box beside or below.
    items = idx.of("referring")
    items += [
        b for it in items if not it.beside and not _doctor_name(it.value) for b in idx.values_beside(it)
    ]
    for item in items:
        if parsed := _doctor_name(item.value):
            picks.append(
                Pick(" ".join(parsed), item.weight * item.confidence * colon_weight(item), item.line)
            )
    if not picks:  # signature block: "Jane Smith, MD" / "Dr. Jane Smith" on a line of its own
        for item in idx.of("npi"):  # or a bare name just above the NPI
            above = idx.lines[item.order - 1] if item.order > 0 else None
            parsed = split_person_name(above.text) if above and above.page == item.line.page else None
            if above and parsed and not any(w.lower() in NOT_NAMES for w in " ".join(parsed).split()):
                picks.append(Pick(" ".join(parsed), 0.8 * above.confidence, above))
        for line in idx.lines:
            text = line.text.strip().lstrip("'`’\".,|[")  # a speck before it: "'Maria Whltfield, M.D."
            if _CRED.match(text) or re.match(r"^Dr\.?\s*[A-Z]", text):
                parsed = split_person_name(text)
                if parsed:
                    picks.append(Pick(" ".join(parsed), 0.85 * line.confidence, line))
    return best(picks)


def pick_payer(idx: LabelIndex, aliases: Mapping[str, str] | None) -> Pick | None:
    """The payer as written, snapped to its canonical name when it matches a configured alias; without
    a payer label, a configured payer named anywhere ("Coverage is through Medicare")."""
    return _labelled_payer(idx, aliases) or _named_payer(idx, aliases or {})


def _named_payer(idx: LabelIndex, aliases: Mapping[str, str]) -> Pick | None:
    """The longest configured name or alias (five letters or more, as configured or in capitals, a
    whole word) printed on a line: short or lower-case ones ("None", "cash") are ordinary words."""
    found: list[tuple[int, Pick]] = []
    for alias, name in aliases.items():
        if len(re.sub(r"[^A-Za-z]", "", alias)) < 5:
            continue
        # Any specks between the words ("Blue (Cross Blue Shield": a speck read as a bracket).
        spaced = r"[^A-Za-z0-9]+"
        written = spaced.join(map(re.escape, alias.split()))
        capitals = spaced.join(map(re.escape, alias.upper().split()))
        # As configured it may have a plan type glued on ("AetnaPPO"), in capitals it may not.
        pattern = re.compile(rf"(?<![A-Za-z])(?:{written}(?![a-z])|{capitals}(?![A-Za-z]))")
        for line, hits in zip(idx.lines, idx.hits, strict=True):
            # The fax header names the sender ("FROM: ... UNITED ORTHO"), never the patient's plan.
            if pattern.search(line.text) and not any(h.field == "header" for h in hits):
                found.append((len(alias), Pick(name, 0.7 * line.confidence, line)))
    return max(found, key=lambda f: (f[0], f[1].score))[1] if found else None


def _labelled_payer(idx: LabelIndex, aliases: Mapping[str, str] | None) -> Pick | None:
    picks = []
    items = idx.of("payer")
    # A caption's rest that names no configured payer ("INSURANCE PLAN" + "NAME OR PROGRAM NAME") hides
    # the payer in the box beside or below: those are candidates too, and a configured name wins.
    items += [
        b
        for it in items
        if not it.beside and not canonical_payer(it.value, aliases or {})
        for b in idx.values_beside(it)
    ]
    for item in items:
        value = re.split(r"\s{2,}|\s*[,;]\s*(?=[A-Z]*\s*(?:id|#))", item.value, flags=re.I)[0].strip(" .,:")
        if not value or not re.search(r"[A-Za-z]{2}", value) or len(value) > 48:
            continue
        known = canonical_payer(value, aliases or {})
        # A plan type glued on when the fax lost the space ("AetnaPPO") splits at the case change.
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).split()
        for k in range(len(words) - 1, 0, -1):  # a misread label glued on: "Texas Medicaid Mcmber H25..."
            if known:
                break
            known = canonical_payer(" ".join(words[:k]), aliases or {})
        # An unrecognised payer is kept as read, with less confidence: staff should check it.
        name, match = known if known else (value, 0.85 if aliases else 1.0)
        picks.append(Pick(name, item.weight * item.confidence * colon_weight(item) * match, item.line))
    return best(picks)


_POST = re.compile(
    r"(?i)(?<![a-z])(s/p|status\s*p[o0]st|p[o0]st[\s-]*[o0]p(?:erative)?|p[o0]st[\s-]*surgical)"
)


def pick_post_op(idx: LabelIndex) -> tuple[Pick, Pick | None]:
    for item in idx.of("post_op"):  # a "Post-op" box with Yes/No in the cell beside or below it
        # The cell's border may be read as a letter before the answer: "INo", "|Yes".
        if item.beside and (m := re.fullmatch(r"\W*[Il|]?(yes|y|no|n|none)\W*", item.value, re.I)):
            if m[1].lower().startswith("n"):
                return Pick(False, item.weight * item.confidence), None
            surgery = pick_date(idx.of("surgery"), idx, lambda d: 1990 <= d.year <= date.today().year + 1)
            return Pick(True, item.weight * item.confidence), surgery
    for order, line in enumerate(idx.lines):
        m = _POST.search(line.text)
        if not m:
            continue
        rest = line.text[m.end() :]
        if re.match(r"(?i)\s*[:\-]?\s*(no|n|none)\b", rest):
            return Pick(False, line.confidence), None
        when = find_dates(rest) or find_dates(" ".join(ln.text for ln in idx.lines[order : order + 2]))
        surgery = pick_date(idx.of("surgery"), idx, lambda d: 1990 <= d.year <= date.today().year + 1)
        if surgery is None and when:
            surgery = Pick(when[0][0].isoformat(), 0.9 * line.confidence, line)
        return Pick(True, line.confidence), surgery
    surgery = pick_date(idx.of("surgery"), idx, lambda d: 1990 <= d.year <= date.today().year + 1)
    if surgery:
        return Pick(True, surgery.score), surgery
    return Pick(False, 0.85), None  # no surgical cue anywhere on a readable fax


def pick_orders(idx: LabelIndex) -> Pick | None:
    picks = []
    for item in idx.of("orders"):
        for text, conf in _with_next(idx, item):
            if norm := normalise_orders(text):
                picks.append(Pick(norm, item.weight * conf, item.line))
                break
    if not picks:
        for k, line in enumerate(idx.lines):
            nxt = idx.next_line(k)
            # Prose wraps mid-order ("3 sessions per week for 4" / "weeks."): the line and the next.
            for text in [line.text] + ([f"{line.text} {nxt.text}"] if nxt is not None else []):
                if norm := normalise_orders(text):
                    picks.append(Pick(norm, 0.85 * line.confidence, line))
                    break
    return best(picks)


def pick_header_fax(pages: list[OcrPage]) -> Pick | None:
    if not pages:
        return None
    top = [ln for ln in pages[0].lines if ln.box[1] < 0.06 * pages[0].height]
    phones = find_phones(" ".join(ln.text for ln in top))
    return Pick(phones[0][0], min((ln.confidence for ln in top), default=0.0)) if phones else None
