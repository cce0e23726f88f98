"""Find form labels in OCR lines (fuzzy, tolerant of dropped spaces) and the values that go with them.

A value is the text after a label up to the next label on the same line; when a label stands alone,
its value is the nearest phrase to its right on the same row, else the phrase just below it. Nothing
here knows a template's coordinates: only label words and relative geometry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from orchestration.ingest.fax_label_words import LABELS
from orchestration.ingest.fax_ocr import OcrLine

# OCR confuses 0/o and 1/i/l inside labels ("D0B", "Subscriber 1D"): fold them for matching only.
_FOLD = str.maketrans({"0": "o", "1": "i", "l": "i", "|": "i"})


def _compact(text: str) -> tuple[str, list[int]]:
    """Folded lowercase text without spaces, dots, colons, hyphens, underscores and apostrophes (a
    speck read as one: "PATIEN'TNAME"); index map back."""
    chars, index = [], []
    for i, ch in enumerate(text):
        if ch in " .-_:\t'’`":
            continue
        chars.append(ch.lower().translate(_FOLD))
        index.append(i)
    return "".join(chars), index


_COMPACT_LABELS = [
    (field, label, weight, _compact(label)[0]) for field, labels in LABELS.items() for label, weight in labels
]


@dataclass(frozen=True)
class Hit:
    field: str
    weight: float  # label weight x match quality
    start: int  # offsets in the line's text
    end: int
    name_order: str = ""  # a name label's format hint: "last_first", "first_last" or ""


_PART = r"\b(?:last|surname|family|first|given|middle|m\.?\s?i\.?|initial)\b(?:\s*name\b)?"
# A name's format spelled out: "(Last, First, MI)", "Last Name, First Name", "LAST/FIRST".
# In parentheses a space separates the parts too: "(First Last)".
_FORMAT = re.compile(rf"(?i)[(\[]\s*{_PART}(?:\s*[,/&]?\s*{_PART})+\s*[)\]]|{_PART}(?:\s*[,/&]\s*{_PART})+")
_LAST_WORDS, _FIRST_WORDS = ("last", "surname", "family"), ("first", "given")


_HINT_WORDS = ("last", "first", "middle", "surname", "given", "family", "name", "initial")


def _hint_probe(text: str) -> str:
    """The text with a bracketed format hint's misread words put right, letter for letter ("(Laet,
    First, MI)"): offsets stay those of `text`."""

    def fix(m: re.Match[str]) -> str:
        word = m[0]
        near = process.extractOne(word.lower(), _HINT_WORDS, scorer=fuzz.ratio, score_cutoff=74)
        return near[0] if near and len(near[0]) == len(word) else word

    return re.sub(r"[(\[][^()\[\]]{3,40}[)\]]", lambda m: re.sub(r"[A-Za-z]{4,}", fix, m[0]), text)


def _name_formats(text: str, hits: list[Hit]) -> list[Hit]:
    """Fold a spelled-out name format into one name label that remembers the order it names: the
    label before it absorbs it ("Name (Last, First):"), the part labels inside it merge ("Last Name,
    First Name"), or it is the label itself ("LAST/FIRST")."""
    for m in _FORMAT.finditer(_hint_probe(text)):
        words = re.findall(r"[a-z]+", m[0].lower())
        lasts = [i for i, w in enumerate(words) if w in _LAST_WORDS]
        firsts = [i for i, w in enumerate(words) if w in _FIRST_WORDS]
        if not lasts or not firsts:
            continue
        order = "last_first" if lasts[0] < firsts[0] else "first_last"
        before = [h for h in hits if h.end <= m.start() and not text[h.end : m.start()].strip(" :")]
        inside = [h for h in hits if h.start < m.end() and h.end > m.start()]
        outside = [h for h in hits if h not in inside and (not before or h is not before[-1])]
        if before and before[-1].field in ("name", "last_name", "first_name"):
            h = before[-1]
            merged = Hit("name", max(h.weight, 0.9), h.start, m.end(), order)
        else:
            merged = Hit("name", 1.0 if "name" in words else 0.9, m.start(), m.end(), order)
            outside += before[-1:]
        hits = sorted([*outside, merged], key=lambda h: h.start)
    return hits


def _boundary_ok(text: str, start: int, end: int, long_label: bool) -> bool:
    """A label is a word of its own: not inside a longer word (case changes mark dropped spaces).
    Long labels may run into the next word: all-caps forms lose spaces with no case change."""
    # A label ending in "#" or followed by ":" is a label even when glued to the word before it.
    # Not a two-letter one, though: "Medicare:" does not end in the label "re".
    marked = text[end - 1] == "#" or text[end : end + 2].lstrip().startswith((":", "#"))
    marked = marked and end - start >= 3
    # A Capitalised word starts here even when glued to capitals before it ("BCBS TXMember").
    capitalised = text[start].isupper() and start + 1 < len(text) and text[start + 1].islower()
    # A long label inside a capitals caption whose spaces the fax lost ("17.NAMEOFREFERRINGPROVIDER").
    caption = long_label and end - start >= 9 and text[start - 1 : end].isupper()
    glued_ok = (text[start - 1].islower() and text[start].isupper()) or marked or capitalised or caption
    if start > 0 and text[start - 1].isalpha() and not glued_ok:
        return False
    if end < len(text) and text[end].isalpha() and not long_label:
        return text[end - 1].islower() and text[end].isupper()
    return True


def _short_label_ok(text: str, start: int, end: int, field: str, key: str) -> bool:
    """A two- or three-letter label mid-line ("rx" in "Austin, rx 78701") needs a colon or "#" after
    it, or, for number labels, a number right after it; at the start of a line it needs nothing."""
    # "DOB" is never a word; a list number ("1. Dx") does not make a label mid-line.
    if len(key) > 3 or field == "dob" or not text[:start].strip(" .|)0123456789"):
        return True
    after = text[end : end + 3].lstrip(" .")
    if after[:1] in (":", "#"):
        return True
    return field in ("phone", "fax", "npi", "office_phone") and (after[:1].isdigit() or after[:1] == "(")


def find_hits(text: str) -> list[Hit]:
    """Non-overlapping label hits in a line, longest label first."""
    compact, index = _compact(text)
    if not compact:
        return []
    found: list[tuple[float, float, Hit]] = []
    for field, _label, weight, key in _COMPACT_LABELS:
        pos = compact.find(key)
        matched = False
        while pos >= 0:
            start, end = index[pos], index[pos + len(key) - 1] + 1
            ok = _boundary_ok(text, start, end, len(key) >= 6) and _short_label_ok(
                text, start, end, field, key
            )
            if ok:
                found.append((len(key), weight, Hit(field, weight, start, end)))
                matched = True
            pos = compact.find(key, pos + 1)
        if not matched and len(key) >= 7 and len(compact) >= len(key) - 1:
            # Long labels survive two misread letters ("DATF.OYBIRTH"); shorter ones only one ("Carricr").
            al = fuzz.partial_ratio_alignment(key, compact, score_cutoff=80 if len(key) >= 10 else 85)
            # The whole label must be there, give or take a misread letter, not just its first word.
            if al is not None and al.dest_end - al.dest_start >= len(key) - 2:
                start, end = index[al.dest_start], index[al.dest_end - 1] + 1
                if start == 1 and text[0].isalpha():
                    start = 0  # the misread first letter belongs to the label ("IEALTH PLAN")
                # A misread label is only trusted where it is plainly a label: alone in its phrase
                # or followed by ":"/"#"; never inside prose, never spanning a colon into its value.
                after = text[end:].strip()
                tail = after.rstrip(".,;|")  # a speck after it: "PATIENTNAMF."
                if len(tail) == 1 and tail.isalnum() and len(compact) == al.dest_end + 1:
                    # Alignment stopped before the label's misread last letter ("PATIENTNAMF",
                    # "Subscriber I0").
                    end, after = len(text.rstrip()), ""
                # A line that opens with it ("Carricr Humana Gold") is a form's label too, when it is
                # a whole word of its own ("Physical" is not a misread "Physician").
                # Its value may be glued on after a case change ("CarrterUnlted Healthcare").
                glued = text[end - 1 : end].islower() and text[end : end + 1].isupper()
                opens = (
                    not text[:start].strip(" |[](){}.,;:-")
                    and al.dest_end - al.dest_start >= len(key) - 1
                    and (not text[end : end + 1].isalpha() or glued)
                )
                marked = not after or after[0] in ":#" or opens
                if marked and ":" not in text[start : end - 1] and _boundary_ok(text, start, end, True):
                    w = weight * al.score / 100
                    # Exact hits first; among misread ones, the label with the most letters matched
                    # ("CIVEN NAME" is "given name" at 94%, not "client name" at 82%).
                    found.append((len(key) * al.score / 100 - 3, w, Hit(field, w, start, end)))
    found.sort(key=lambda item: (-item[0], -item[1]))
    taken: list[Hit] = []
    for _, _, hit in found:
        if all(hit.end <= t.start or hit.start >= t.end for t in taken):
            taken.append(hit)
    return _name_formats(text, sorted(taken, key=lambda h: h.start))


@dataclass(frozen=True)
class Labelled:
    """A label hit with the value that belongs to it."""

    field: str
    weight: float
    value: str
    confidence: float  # OCR confidence of the value's line(s)
    line: OcrLine  # the label's line
    order: int  # index of the label's line in reading order
    beside: bool  # value came from a neighbouring phrase, not the label's own line
    value_order: int  # index of the line the value came from (a wrapped value continues after it)
    name_order: str = ""  # see Hit.name_order
    span: tuple[int, int] = (0, 0)  # the label's x extent on its line, in page pixels


def _strip_value(value: str) -> str:
    # Leading punctuation and arrows are OCR'd box borders or separators, never part of a value.
    return re.sub(r"^[^\w(+]+", "", value.strip()).rstrip(" ,;|")


class LabelIndex:
    """All label hits over a fax's lines, with their values resolved."""

    def __init__(self, lines: list[OcrLine]) -> None:
        self.lines = lines
        self.hits = [find_hits(line.text) for line in lines]
        self.items: list[Labelled] = []
        for i, (line, hits) in enumerate(zip(lines, self.hits, strict=True)):
            for j, hit in enumerate(hits):
                stop = hits[j + 1].start if j + 1 < len(hits) else len(line.text)
                value = _strip_value(line.text[hit.end : stop])
                # Where the label sits in its phrase: labels of several grid cells share a row.
                n = max(len(line.text), 1)
                w = line.box[2] - line.box[0]
                span = (line.box[0] + w * hit.start // n, line.box[0] + w * stop // n)
                if value:
                    self.items.append(
                        Labelled(
                            hit.field,
                            hit.weight,
                            value,
                            line.confidence,
                            line,
                            i,
                            False,
                            i,
                            hit.name_order,
                            span,
                        )
                    )
                    continue
                found = False
                # Both the phrase to the right and the one below are candidates; the field's
                # validator decides (a misread label to the right must not hide the value below).
                for k, discount in self._neighbours(i, span, look_right=j + 1 == len(hits)):
                    other = lines[k]
                    cut = self.hits[k][0].start if self.hits[k] else len(other.text)
                    conf = min(line.confidence, other.confidence)
                    item = Labelled(
                        hit.field,
                        hit.weight * discount,
                        _strip_value(other.text[:cut]),
                        conf,
                        line,
                        i,
                        True,
                        k,
                        hit.name_order,
                        span,
                    )
                    self.items.append(item)
                    found = True
                if not found:
                    self.items.append(
                        Labelled(
                            hit.field,
                            hit.weight,
                            "",
                            line.confidence,
                            line,
                            i,
                            False,
                            i,
                            hit.name_order,
                            span,
                        )
                    )

    def starts_with_label(self, k: int) -> bool:
        hits = self.hits[k]
        return bool(hits) and not self.lines[k].text[: hits[0].start].strip(" :|[](){}.,;-")

    def _neighbours(self, i: int, span: tuple[int, int], look_right: bool) -> list[tuple[int, float]]:
        """(line index, weight factor) of the phrase right of line i on its row and the one just
        below the label's span; phrases that start with a label of their own are not values."""
        me = self.lines[i]
        out: list[tuple[int, float]] = []
        right = [
            k
            for k, o in enumerate(self.lines)
            if look_right
            and o.page == me.page
            and k != i
            and abs(o.cy - me.cy) < 0.6 * max(me.height, 20)
            and o.cx > me.box[2]
            and o.box[0] >= me.box[2] - 20
            and o.box[0] - me.box[2] < 500
        ]
        if right:
            k = min(right, key=lambda k: self.lines[k].box[0])
            if not self.starts_with_label(k):
                out.append((k, 1.0))
        below = [
            k
            for k, o in enumerate(self.lines)
            if o.page == me.page
            and o.box[1] >= me.cy
            and o.box[1] - me.box[3] < 2.0 * max(me.height, 20)
            and o.box[0] < span[1]
            and o.box[2] > span[0]
        ]
        if below:
            k = min(below, key=lambda k: self.lines[k].box[1])
            if not self.starts_with_label(k):
                out.append((k, 0.97))
        return out

    def values_beside(self, item: Labelled) -> list[Labelled]:
        """The phrases right of and below an inline item's label, as items of its field: the value a
        misread label's leftover letters ("PATIENTNAMF." read as "Patient" + "NAMF.") hid."""
        out = []
        for k, discount in self._neighbours(item.order, item.span, look_right=True):
            other = self.lines[k]
            cut = self.hits[k][0].start if self.hits[k] else len(other.text)
            conf = min(item.line.confidence, other.confidence)
            value = _strip_value(other.text[:cut])
            out.append(
                replace(
                    item,
                    weight=item.weight * discount,
                    value=value,
                    confidence=conf,
                    beside=True,
                    value_order=k,
                )
            )
        return out

    def of(self, field: str) -> list[Labelled]:
        return [item for item in self.items if item.field == field]

    def of_with_hidden(self, field: str, leftover: str) -> list[Labelled]:
        """The field's items plus the values beside or below those whose whole value matches `leftover`
        (a misread label's leftover word, e.g. "REFERRING" + "CLINICIAN", "MEMBERIO" = "Member" + "IO")."""
        items = self.of(field)
        return items + [
            b
            for it in items
            if not it.beside and re.fullmatch(leftover, it.value)
            for b in self.values_beside(it)
        ]

    def next_line(self, order: int) -> OcrLine | None:
        """The line after `order` in reading order on the same page (a wrapped value continues there)."""
        if order + 1 < len(self.lines) and self.lines[order + 1].page == self.lines[order].page:
            return self.lines[order + 1]
        return None
