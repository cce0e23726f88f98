"""Small readers of the text around a patient's name on a fax: digits the recogniser put for letters,
a caption's order hint read as separate part labels, and a "name" that is a word of another field's
caption ("INSURANCE PLAN NAME", "NAME OF REFERRING PROVIDER").
"""

from __future__ import annotations

import re

from orchestration.ingest.fax_labels import Hit, LabelIndex, Labelled


def letters_for_digits(text: str) -> str:
    """A 0 or 1 inside or at the end of a word of letters is the letter it looks like ("Okonkw0",
    "DMITR1"): names hold no digits."""
    text = re.sub(
        r"(?<=[A-Za-z])0|0(?=[A-Za-z])", lambda m: "O" if _upper_near(text, m.start()) else "o", text
    )
    return re.sub(
        r"(?<=[A-Z])1(?![0-9])|(?<=[a-z])1(?=[a-z])",
        lambda m: "I" if _upper_near(text, m.start()) else "l",
        text,
    )


def _upper_near(text: str, at: int) -> bool:
    near = text[max(0, at - 2) : at] + text[at + 1 : at + 3]
    letters = [c for c in near if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def caption_order(hits: list[Hit]) -> str:
    """The order a caption's format hint gives when it was read as hits of its own: another name hit
    with an order, or "Last Name" and "First Name" part labels in a row ("NAME (Last Name, First
    Name, Middle Initial)")."""
    hinted = [h.name_order for h in hits if h.field == "name" and h.name_order]
    if hinted:
        return hinted[0]
    parts = [h.field for h in sorted(hits, key=lambda h: h.start) if h.field in ("last_name", "first_name")]
    return {("last_name", "first_name"): "last_first", ("first_name", "last_name"): "first_last"}.get(
        tuple(parts[:2]), ""
    )


def caption_of_another_field(idx: LabelIndex, item: Labelled) -> bool:
    """The "name" is a word of another field's caption: "INSURANCE PLAN NAME", "NAME OF REFERRING
    PROVIDER" (another label right before it, at most a space apart, or right after it past an "of").
    A table's header row read as one phrase ("Patient Name   DOB   Phone") keeps its name label: a
    label after it is no caption's unless an "of" joins them."""
    text, hits = item.line.text, idx.hits[item.order]
    for h in (h for h in hits if h.field == "name"):
        for o in (o for o in hits if o.field not in ("name", "last_name", "first_name")):
            between = text[o.end : h.start] if o.end <= h.start else text[h.end : o.start]
            if re.fullmatch(r"[ .'’]?" if o.end <= h.start else r"\s*(?i:of)\s*", between):
                return True
    return False
