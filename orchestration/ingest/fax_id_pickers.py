"""Pickers for identifiers read off a fax: the referring NPI (check digit verified, repaired only by the
recogniser's own runner-up) and the patient's member id (specks, borders and misread labels around it).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from orchestration.ingest.fax_field_pickers import DIGITISH, Pick, best, colon_weight
from orchestration.ingest.fax_labels import LabelIndex, Labelled
from orchestration.npi import is_valid_npi


def pick_npi(idx: LabelIndex) -> Pick | None:
    picks = []
    for item in idx.of("npi"):
        digits = re.sub(r"\D", "", item.value.translate(DIGITISH))
        # A border read as a leading "1" pushes the NPI one digit on: the check digit finds it.
        valid = [i for i in range(max(1, len(digits) - 9)) if is_valid_npi(digits[i : i + 10])]
        if len(valid) > 1:
            # One in ten windows passes the check by chance: the digits the recogniser doubted most
            # are the border, so the window that leaves them out is the NPI.
            probs = _digit_probs(idx, item)
            if probs is not None and len(probs) == len(digits):
                valid.sort(key=lambda i: sum(probs[:i]) + sum(probs[i + 10 :]))
        digits = digits[valid[0] : valid[0] + 10] if valid else digits[:10]
        if len(digits) == 10 and not is_valid_npi(digits) and (fixed := _npi_by_runner_up(idx, item)):
            # The check digit failed and the recogniser's runner-up at a doubted digit repairs it.
            picks.append(Pick(fixed, 0.75 * item.weight * item.confidence, item.line))
            continue
        if len(digits) == 10:
            picks.append(
                Pick(
                    digits, item.weight * item.confidence * (1.0 if is_valid_npi(digits) else 0.2), item.line
                )
            )
    if not best(picks):  # unlabelled: a ten-digit number whose check digit passes
        for line in idx.lines:
            for m in re.finditer(r"(?<!\d)([12]\d{9})(?!\d)", line.text):
                if is_valid_npi(m[1]):
                    picks.append(Pick(m[1], 0.6 * line.confidence, line))
    return best(picks)


def _digit_probs(idx: LabelIndex, item: Labelled) -> list[float] | None:
    """The recogniser's probability of each digit of the item's value (as pick_npi reads them)."""
    line = idx.lines[item.value_order]
    at = line.text.find(item.value)
    if at < 0 or len(line.chars) != len(line.text):
        return None
    kept = zip(item.value.translate(DIGITISH), line.chars[at : at + len(item.value)], strict=False)
    return [c.prob for ch, c in kept if ch.isdigit()]


def _npi_by_runner_up(idx: LabelIndex, item: Labelled) -> str | None:
    """The one NPI that putting a doubted digit's runner-up in makes valid ("1968928871", its 8
    read at 0.29 with 0 as runner-up, is 1968928071); None when none or several do."""
    line = idx.lines[item.value_order]
    m = re.search(r"\d{10}", line.text.replace(" ", "")) if len(line.chars) == len(line.text) else None
    if m is None:
        return None
    kept = [(ch, c) for ch, c in zip(line.text, line.chars, strict=True) if ch != " "]
    digits = kept[m.start() : m.end()]
    found = {
        fixed
        for i, (_, c) in enumerate(digits)
        if c.prob < 0.9 and c.alt.isdigit() and c.alt_prob >= 0.05
        for fixed in ["".join(d for d, _ in digits[:i]) + c.alt + "".join(d for d, _ in digits[i + 1 :])]
        if is_valid_npi(fixed)
    }
    return found.pop() if len(found) == 1 else None


def pick_member(idx: LabelIndex) -> Pick | None:
    picks = []
    # A misread label's leftover ("MEMBERIO": "Member" + "IO") hides the id in the box beside or below.
    # So does a capitals caption's rest ("INSURED'S I.D. NUMBER" read as "Insured ID" + "NUMBER"); an
    # id stated as none ("N/A") hides nothing.
    items = idx.of_with_hidden("member", r"(?![\W_]*(?:N/?A|NONE)[\W_]*$)[^0-9a-z]*")
    for item in items:
        # Specks between an id's characters come out as dots or commas (".V.JF5658..."): ids have none.
        compact = re.sub(r"(?<=[A-Za-z0-9])[.,:'`](?=[A-Za-z0-9])|^[.,:'`]+", "", item.value.replace(" ", ""))
        # An id ends in a letter or digit: a hyphen after it is a speck or a box border ("YEW5605...22-").
        m = re.search(
            r"[A-Za-z0-9][A-Za-z0-9-]{3,18}[A-Za-z0-9]", compact if len(item.value) < 16 else item.value
        )
        if not m or not any(c.isdigit() for c in m[0]):
            continue
        raw = _without_border_one(idx, item, m[0].upper())
        head = re.match(r"[A-Z]*", raw)[0]  # type: ignore[index]
        value = head + raw[len(head) :].translate(DIGITISH)
        picks.append(Pick(value, item.weight * item.confidence * colon_weight(item), item.line))
    if not picks:  # the label misread past exact matching ("Mcmber UKW8627..."): a near word + an id
        for line in idx.lines:
            for m in _NEAR_MEMBER.finditer(line.text):
                if max(fuzz.ratio(m[1].lower(), w) for w in _MEMBER_WORDS) >= 75:  # "Meinber"
                    raw = m[2].upper()
                    head = re.match(r"[A-Z]*", raw)[0]  # type: ignore[index]
                    value = head + raw[len(head) :].translate(DIGITISH)
                    picks.append(Pick(value, 0.7 * line.confidence, line))
    return best(picks)


_MEMBER_WORDS = ("member", "policy", "subscriber")
_NEAR_MEMBER = re.compile(
    # "Mcmber UKW8627...", "membcr ID NAU8726...", "Policy No. ...": the near word, its "ID", the id.
    r"(?<![A-Za-z])([A-Za-z]{5,10})(?:\s+(?:I[D0O]|No\.?|#))?\s*[:#]?\s*(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{5,19})\b"
)


def _without_border_one(idx: LabelIndex, item: Labelled, value: str) -> str:
    """Drop a leading "1" the recogniser doubted with a border glyph as runner-up ("[" at the cell's
    edge): ids may start with a real 1, so only that evidence removes it."""
    line = idx.lines[item.value_order]
    at = line.text.upper().find(value)
    if not value.startswith("1") or at < 0 or len(line.chars) != len(line.text):
        return value
    c = line.chars[at]
    return value[1:] if c.prob < 0.8 and c.alt in "[]|(){}" and c.alt else value
