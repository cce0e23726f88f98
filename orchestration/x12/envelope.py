"""Writing side of the X12 envelope: ISA/GS/ST ... SE/GE/IEA around transaction bodies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

Delims = tuple[str, str, str, str]  # element, component, segment terminator, repetition
DEFAULT_DELIMITERS: Delims = ("*", ":", "~", "^")
GUIDE = "005010X279A1"


def check_delimiters(delimiters: Delims) -> None:
    if len(delimiters) != 4 or any(len(c) != 1 for c in delimiters):
        raise ValueError("delimiters must be four single characters")
    if len(set(delimiters)) != 4:
        raise ValueError("delimiters must be distinct")
    for c in delimiters:
        if c.isalnum() or c == " " or (c.isspace() and c != delimiters[2]):
            raise ValueError("delimiters must not be letters, digits or spaces")


class FieldGuard:
    """Rejects values that would break the file (a delimiter or line break inside an element)."""

    def __init__(self, delimiters: Delims) -> None:
        self._bad = frozenset(delimiters) | {"\r", "\n"}

    def __call__(self, value: str | None, name: str, index: int) -> str:
        if value is None:
            return ""
        if not self._bad.isdisjoint(value):
            # Name the field and record position only: the value may be PHI.
            raise ValueError(f"{name} of record {index} contains a delimiter or line break")
        return value


def ymd(value: date) -> str:
    return value.strftime("%Y%m%d")


def render_interchange(
    bodies: Sequence[Sequence[Sequence[str]]],
    *,
    set_id: str,
    functional_id: str,
    isa_control: int,
    sender_id: str,
    receiver_id: str,
    created: datetime,
    delimiters: Delims,
    newline: bool,
) -> tuple[str, list[str]]:
    """One interchange, one functional group, one transaction set per body (segments without ST/SE).

    Returns the text and the ST02 control numbers in order.
    """
    check_delimiters(delimiters)
    elem, comp, term, rep = delimiters
    if not 0 <= isa_control <= 999_999_999:
        raise ValueError("isa_control must fit ISA13 (9 digits)")
    for name, value in (("sender_id", sender_id), ("receiver_id", receiver_id)):
        if not 2 <= len(value) <= 15 or not set(value).isdisjoint(delimiters):
            raise ValueError(f"{name} must be 2-15 characters without delimiters")
    end = term + "\n" if newline and term not in "\r\n" else term
    parties = ["ZZ", sender_id.ljust(15), "ZZ", receiver_id.ljust(15)]
    stamp = [created.strftime("%y%m%d"), created.strftime("%H%M")]
    isa = elem.join(["ISA", "00", " " * 10, "00", " " * 10, *parties, *stamp, rep, "00501",
                     f"{isa_control:09d}", "0", "P", comp])  # fmt: skip
    gs = [
        "GS", functional_id, sender_id, receiver_id, ymd(created), created.strftime("%H%M"),
        str(isa_control), "X", GUIDE,
    ]  # fmt: skip
    lines = [isa, elem.join(gs)]
    controls: list[str] = []
    for n, body in enumerate(bodies, start=1):
        control = f"{n:04d}"
        controls.append(control)
        lines.append(elem.join(("ST", set_id, control, GUIDE)))
        lines.extend(segment_text(seg, elem) for seg in body)
        lines.append(elem.join(("SE", str(len(body) + 2), control)))
    lines.append(elem.join(("GE", str(len(bodies)), str(isa_control))))
    lines.append(elem.join(("IEA", "1", f"{isa_control:09d}")))
    return end.join(lines) + end, controls


def segment_text(elements: Sequence[str], elem: str) -> str:
    """Join elements, dropping trailing empty ones (X12 forbids trailing separators)."""
    n = len(elements)
    while n > 1 and not elements[n - 1]:
        n -= 1
    return elem.join(elements[:n])


def originator_id(party_id: str) -> str:
    """TRN03: '9' (user-assigned) + 9 digits derived from the party id."""
    digits = "".join(c for c in party_id if c.isdigit())[-9:]
    return "9" + digits.rjust(9, "0")
