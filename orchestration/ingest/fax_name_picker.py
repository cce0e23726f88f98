"""Find the patient's name on a fax: every place it is printed is a candidate, and they vote.

Candidates come from name labels and their synonyms ("Patient", "Client", "RE:", "Name of patient",
"Member name"), a label's format hint ("Name (Last, First, MI)"), separate "Last name" / "First name"
boxes, a title or a referral's verb in prose ("Mrs. Jane Doe", "Thank you for seeing Jane Doe"), the
capitalised words just before a DOB ("referring Jane Doe, DOB ...") and a phrase by itself near the
DOB that reads as a person's name. Candidates that spell the same letters vote (noisy-or, one vote a
line); the best-supported name wins, split as the Census makes likeliest. Unlabelled candidates count
by how name-like they are (the Census lists a part) and are never the referring doctor. The
confidence is the surest single reading's: agreement picks the name, it does not inflate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz.distance import Levenshtein

from orchestration.ingest.fax_field_pickers import Pick, colon_weight
from orchestration.ingest.fax_label_words import NOT_NAMES
from orchestration.ingest.fax_labels import LabelIndex, Labelled
from orchestration.ingest.fax_name_check import likelier_swapped
from orchestration.ingest.fax_name_cues import caption_of_another_field, caption_order, letters_for_digits
from orchestration.ingest.fax_name_prior import given_name_prior, surname_prior
from orchestration.ingest.fax_name_split import drop_glued_initial, split_run_together
from orchestration.ingest.fax_normalise import recase_same_shape, split_person_name
from orchestration.ingest.fax_ocr import OcrLine

# Prose writes a name in its natural order ("Mr. Bartholomew Villarreal"): no Census swap there.
PROSE = "first_last"
# How surely each kind of unlabelled cue names the patient (before the OCR confidence).
TITLE_CUE, VERB_CUE, BEFORE_DOB_CUE, NEAR_DOB_CUE, MISREAD_LABEL_CUE = 0.8, 0.7, 0.75, 0.65, 0.5
_NAME_WORD = re.compile(r"[A-Z][A-Za-z'’.-]*|(?i:de|la|del|van|von|der|da|di|le|du|st\.?)")
_PARTICLE = re.compile(r"(?i)de|la|del|van|von|der|da|di|le|du|st\.?")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?=[A-Z])")
_VERB = re.compile(
    r"(?i:\b(?:see|seeing|evaluate|evaluating|treat|treating|refer|referring|concerns|concerning))"
    r"\s+(?:(?i:my|our|this|the)\s+)?(?:(?i:pat[il1|]?[ec]nt|pt\.?)\s*,?\s+)?(?=[A-Z])"  # "patent": i lost
)
_SUFFIX = re.compile(r",?\s+(?:[JS][Rr]|II|III|IV)\.?(?=\s*(?:,|$))")
# The referring side: "Dr." or a credential in capitals ("do" and "md" in prose are words).
_DOCTORISH = re.compile(r"(?i:\bdr\.?\s|\bnpi\b)|\b(?:M\.?D|D\.?O|PA-C|NP|DPT|FNP)\b")


@dataclass(frozen=True)
class Candidate:
    first: str
    last: str
    score: float  # confidence that this is the patient's name, as read
    line: OcrLine
    labelled: bool  # from a name label (unlabelled cues rank by how name-like they look)
    # The order was the Census's guess (no comma, no format hint, not prose): "RE: GARCIA LUIS".
    order_guessed: bool = False

    @property
    def key(self) -> str:
        """The letters, surname first: readings that split the words differently ("VAN HORNKENJI",
        a lost space, and "Kenji Van Horn") are the same name; a swapped order is not."""
        return re.sub(r"[^a-z]", "", f"{self.last}{self.first}".lower())


def pick_name(idx: LabelIndex, dob: Pick | None = None, doctor: Pick | None = None) -> Pick | None:
    """(first, last) with a confidence; `dob` and `doctor` anchor the unlabelled cues."""
    found = labelled_candidates(idx) + split_box_candidates(idx)
    avoid = _doctor_key(doctor)
    unlabelled = title_candidates(idx) + before_dob_candidates(idx)
    unlabelled += near_dob_candidates(idx, dob.line if dob else None)
    if not found:
        unlabelled += misread_label_candidates(idx)
    found += [c for c in unlabelled if avoid is None or _letters(c.last) != avoid]
    return vote(found)


def vote(found: list[Candidate]) -> Pick | None:
    """The name the candidates support best: noisy-or of each spelling's support, one vote per line.
    An unlabelled candidate's vote counts by how name-like it is; the confidence reported is the
    surest single reading of the winning spelling (agreement picks, it does not inflate)."""
    groups: dict[str, dict[int, Candidate]] = {}
    # A reading whose order only the Census guessed, printed elsewhere in a stated order ("Regarding:
    # Bartholomew Whitaker" beside "Name (Last, First): WHITAKER BARTHOLOMEW"), is that name.
    stated = {c.key for c in found if not c.order_guessed}
    found = [
        replace(c, first=c.last, last=c.first, order_guessed=False)
        if c.order_guessed and c.key not in stated and _swapped_key(c) in stated
        else c
        for c in found
    ]
    for c in found:
        votes = groups.setdefault(c.key, {})
        old = votes.get(id(c.line))
        if old is None or c.score > old.score:
            votes[id(c.line)] = c
    _merge_near_spellings(groups)
    best_key, best_support = None, 0.0
    for key, votes in groups.items():
        miss = 1.0
        for c in votes.values():
            miss *= 1.0 - min(0.99, c.score if c.labelled else c.score * name_likeness(c.first, c.last))
        if 1.0 - miss > best_support:
            best_key, best_support = key, 1.0 - miss
    if best_key is None:
        return None
    votes = list(groups[best_key].values())
    # The spelling and split the Census makes likeliest (a lost space or a misread letter), then the surest.
    top = max(votes, key=lambda c: (_split_probability(c), c.score))
    return Pick((_cased(top.first, found), _cased(top.last, found)), max(c.score for c in votes), top.line)


def _swapped_key(c: Candidate) -> str:
    return re.sub(r"[^a-z]", "", f"{c.first}{c.last}".lower())


def _merge_near_spellings(groups: dict[str, dict[int, Candidate]]) -> None:
    """Readings of one name a letter or two apart ("Vilarreai" in a box, "Villarreal" in the header)
    are one name read twice: their votes pool, and the Census picks the spelling."""
    keys = sorted(groups, key=lambda k: -len(groups[k]))
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if a in groups and b in groups and min(len(a), len(b)) >= 8 and Levenshtein.distance(a, b) <= 2:
                for line_id, c in groups.pop(b).items():
                    if line_id not in groups[a] or c.score > groups[a][line_id].score:
                        groups[a][line_id] = c


def _split_probability(c: Candidate) -> float:
    return given_name_prior().probability(c.first) * surname_prior().probability(c.last)


def _cased(part: str, found: list[Candidate]) -> str:
    """A part read in capitals takes the case of an occurrence printed in mixed case ("MACPHERSON" is
    written "MacPherson" elsewhere on the fax): the print says what capitals alone cannot."""
    for c in found:
        for other in (c.first, c.last):
            if other.lower() == part.lower() and other != part and not other.isupper() and _mixed(other):
                return other
    return part


def _mixed(word: str) -> bool:
    """Capitals inside a word besides its first letter and those after a hyphen, apostrophe or space."""
    return any(ch.isupper() for i, ch in enumerate(word) if i and word[i - 1].isalpha())


def name_likeness(first: str, last: str) -> float:
    """1.0 when the Census lists both parts, 0.8 for one, 0.5 for neither."""
    words = [w for w in re.split(r"[\s-]+", last) if len(w) > 2]
    last_listed = surname_prior().is_listed(last) or (
        bool(words) and all(surname_prior().is_listed(w) for w in words)
    )
    listed = given_name_prior().is_listed(first) + last_listed
    return (0.5, 0.8, 1.0)[listed]


def person(value: str, order: str = "") -> tuple[str, str] | None:
    """(first, last) of a name as written; without a comma, in the order a label's format hint names,
    else the order the Census makes likelier ("RE: GARCIA LUIS" lost its comma)."""
    value = letters_for_digits(value)
    # Box borders between a form's name boxes are gaps ("OKONKWO|MARGUERITE[]"), specks at its ends.
    value = re.sub(r"(?<=[A-Za-z.])\s*[|\[\]]+\s*(?=[A-Za-z])", " ", value).strip(" |[]")
    # A surname particle ends no name: a comma after one is its dot misread ("Tomas St, Clair").
    value = re.sub(r"\b(St|ST)[,;]\s*(?=[A-Z])", r"\1. ", value)
    value = re.sub(r"\b(Van|VAN|Von|VON|De|DE|Del|DEL|La|LA|Le|LE)[,;]\s*(?=[A-Z])", r"\1 ", value)
    value = re.sub(r"\s*,[\s,.;:'`-]*", ", ", value)  # a speck after the comma: "DEL RIO,-TOMAS"
    value = _SUFFIX.sub("", value.strip(" ,"))  # "John Smith Jr.", "SMITH JR, JOHN": no part of either
    if not order and "," not in value and _PARTICLE.fullmatch(value.split()[0] if value.split() else ""):
        order = "last_first"  # no given name starts "St."/"Van"/"De": "ST. PIERRE INGRID" is surname first
    glued = re.fullmatch(r"([A-Za-z]+)((?:\s+[A-Z]\.?)?)", value)  # one word, perhaps an initial after it
    if glued and (split := split_run_together(glued[1], order)):
        value = split  # a boxed "LAST FIRST MI" whose gaps the fax closed: "WHITAKERBARTHOLOMEWM"
    if order == "last_first" and "," not in value:
        words = [w for w in value.split() if not re.fullmatch(r"[A-Za-z]\.?", w)]
        if len(words) >= 2:
            value = f"{' '.join(words[:-1])}, {words[-1]}"
    words = re.findall(r"[A-Za-z][A-Za-z'’.-]*", recase_same_shape(value))
    words = [w for w in words if not _PARTICLE.fullmatch(w)]
    if "," not in value and 2 * sum(w[0].islower() for w in words) > len(words):
        return None  # names are printed capitalised: "can be reached at" is prose ("van buRen, mary" is not)
    parsed = split_person_name(value)
    if not parsed or any(w.lower().strip(".,") in NOT_NAMES for w in " ".join(parsed).split()):
        return None
    if "," not in value and not order and likelier_swapped(*parsed, given_name_prior(), surname_prior()):
        return parsed[1], parsed[0]
    if (order == "last_first" or "," in value) and value.isupper():  # the MI box glued on: "BARTHOLOMEWM"
        return drop_glued_initial(parsed[0]), parsed[1]
    return parsed


def name_run(text: str, from_end: bool = False) -> str:
    """The capitalised words a name is made of, from the start of `text` (or back from its end), up
    to the first word that is not one: "Jane Q. Doe, who has knee pain" -> "Jane Q. Doe"."""
    words = text.split()
    if from_end:
        words = words[::-1]
    run: list[str] = []
    for w in words:
        bare = w.strip(",;:()[]")
        if not bare or not _NAME_WORD.fullmatch(bare) or bare.lower().strip(".") in NOT_NAMES:
            break
        if from_end and w.endswith(":"):
            break  # read backwards, "Pt:" is the label before the name, not its first word
        run.append(w)
        # A second comma ends "DOE, JANE, DOB ..."; a bracket or semicolon ends any name.
        if w.endswith((";", ":", "(", ")")) or (w.endswith(",") and any("," in r for r in run[:-1])):
            break
    if from_end:
        run = run[::-1]
    while run and _PARTICLE.fullmatch(run[0].strip(",")):  # a sentence's "de"/"la" is no name's start
        run = run[1:]
    return " ".join(run).strip(" ,;:()")


def labelled_candidates(idx: LabelIndex) -> list[Candidate]:
    out = []
    for item in idx.of("name"):
        if caption_of_another_field(idx, item):
            continue
        if not item.name_order:
            item = replace(item, name_order=caption_order(idx.hits[item.order]))
        items = [item]
        if _labelled_value(item) is None and not item.beside and re.fullmatch(r"\W*\w{1,5}\W*", item.value):
            items += idx.values_beside(item)  # a misread label's tail ("NAMF.") hid the value beside it
        elif not item.beside and not re.split(r"\s[\(\[]|^[\(\[]", item.value)[0].strip(" .,;:"):
            items += idx.values_beside(item)  # only a format hint beside the label: the name is below
        prose = _mid_sentence(idx, item)
        for it in items:
            parsed, weight = _labelled_value(it, prose), it.weight
            if parsed is None and not it.beside:
                parsed, weight = _wrapped_value(idx, it, PROSE if prose else it.name_order), 0.95 * weight
            if parsed is None:
                continue
            value = it.value
            if weight < 0.9 and ("," in value or it.name_order) and name_likeness(*parsed) == 1.0:
                # A weak label ("RE:") before "LAST, FIRST" whose both parts are Census names: the
                # value's shape names the patient as surely as a "Patient name" label would.
                weight = 0.9
            # A value from beside an inline leftover is a guess about a misread label.
            weight *= 0.9 if it is not item else 1.0
            guessed = "," not in value and not it.name_order and not prose
            score = weight * it.confidence * colon_weight(it)
            out.append(Candidate(*parsed, score, it.line, True, guessed))
    return out


def _labelled_value(item: Labelled, prose: bool = False) -> tuple[str, str] | None:
    value = re.split(r"\s[\(\[]|\s{2,}", item.value)[0]
    order = item.name_order or (PROSE if prose and "," not in value else "")
    parsed = person(value, order)
    if parsed is None and (run := name_run(value)) and run != value:
        parsed = person(run, order)  # prose after a mid-sentence label: "my patient Jane Doe who"
    if parsed is None and (tail := re.split(r"\s[-–:]\s*|\s*[-–:]\s|\s(?i:for)\s", value)[-1]) != value:
        parsed = person(tail, order)  # a subject line: "Re: Referral - DOE,JANE", "New referral for Jane Doe"
    return parsed


def _mid_sentence(idx: LabelIndex, item: Labelled) -> bool:
    """The label sits inside a sentence ("... treat my patient Jane Doe"), not at a form's line start."""
    hit = next((h for h in idx.hits[item.order] if h.field == "name"), None)
    return hit is not None and len(item.line.text[: hit.start].split()) >= 2


def _wrapped_value(idx: LabelIndex, item: Labelled, order: str) -> tuple[str, str] | None:
    """A name that runs to the end of its line and wraps: "... my patient Jane" / "Doe, DOB ..."."""
    value = item.value.strip(" ,")
    nxt = idx.next_line(item.value_order)
    if not value or nxt is None or name_run(value) != value:
        return None
    hits = idx.hits[item.value_order + 1]
    joined = f"{value} {name_run(nxt.text[: hits[0].start] if hits else nxt.text)}"
    return person(joined, order if "," not in joined else item.name_order)


def split_box_candidates(idx: LabelIndex) -> list[Candidate]:
    """ "Last name" and "First name" boxes, each paired with the nearest box of the other kind."""
    firsts = [(it, w) for it in _boxes(idx, "first_name") if (w := _one_part(it.value, first=True))]
    out = []
    for last_item in _boxes(idx, "last_name"):
        last = _one_part(last_item.value, first=False)
        same_page = [(it, w) for it, w in firsts if it.line.page == last_item.line.page]
        if not last or not same_page:
            continue
        first_item, first = min(same_page, key=lambda f: _gap(f[0].line, last_item.line))
        score = min(it.weight * it.confidence for it in (first_item, last_item))
        out.append(Candidate(first, last, score, last_item.line, True))
    return out


def _boxes(idx: LabelIndex, field: str) -> list[Labelled]:
    """Items of a part label; a bare "Last"/"First" only where it is plainly a label (a box heading
    with its value beside it, or followed by a colon), never in prose ("first visit")."""
    # Part words inside a name caption's format hint ("NAME (Last Name, First Name)") are no boxes.
    return [
        it
        for it in idx.of(field)
        if (it.weight >= 1.0 or it.beside or ":" in it.line.text)
        and not any(h.field == "name" for h in idx.hits[it.order])
    ]


def _one_part(value: str, first: bool) -> str | None:
    """A first name (its first word: a middle initial goes) or a surname as a box holds it."""
    value = re.split(r"\s{2,}|\s[\(\[]", value)[0].strip(" ,;:")
    letters = re.sub(r"[^A-Za-z]", "", value)
    if len(letters) <= 2 and ("." in value or letters.isupper()):
        return None  # an initial or the "M.I." box's label beside it, not a name
    parsed = split_person_name(f"{value}, Xx" if not first else f"Xx, {value}")
    if parsed is None:
        return None
    part = parsed[0] if first else parsed[1]
    return None if part.lower() in NOT_NAMES else part


def _gap(a: OcrLine, b: OcrLine) -> float:
    return abs(a.cy - b.cy) * 3 + abs(a.cx - b.cx)


def title_candidates(idx: LabelIndex) -> list[Candidate]:
    """ "Mr./Mrs./Ms. Jane Doe" anywhere in prose (never "Dr.": that is the referring side), and the
    name a referral's verb takes ("Please see Jane Doe", "evaluate and treat Jane Doe for ...")."""
    out = []
    for k, line in enumerate(idx.lines):
        if re.match(r"\W*(?:dear|to|attn|attention)\b", line.text, re.I) or _claimed(idx, k):
            continue  # the addressee or the referring side, not the patient
        cues = [(m, TITLE_CUE) for m in _TITLE.finditer(line.text)]
        cues += [(m, VERB_CUE) for m in _VERB.finditer(line.text)]
        for m, cue in cues:
            if parsed := person(name_run(line.text[m.end() :]), PROSE):
                out.append(Candidate(*parsed, cue * line.confidence, line, False))
    return out


def before_dob_candidates(idx: LabelIndex) -> list[Candidate]:
    """The capitalised words just before a DOB label on its line: "Please see Jane Doe, DOB ..."."""
    out = []
    for item in idx.of("dob"):
        line = item.line
        hits = [h for h in idx.hits[item.order] if h.field == "dob"]
        # Specks between the name and the label ("Lucinda Okonkwo . DOB"), digits for letters in it.
        head = letters_for_digits(line.text[: hits[0].start] if hits else "").rstrip(" .,;*|-([")
        if not head.strip() or _DOCTORISH.search(head):
            continue
        run = name_run(head, from_end=True)
        parsed = person(run, PROSE if "," not in run else "")
        prev = idx.lines[item.order - 1] if item.order > 0 else None
        if parsed is None and run == head.strip(" ,;:(") and prev is not None and prev.page == line.page:
            # The name began on the line before.
            parsed = person(f"{name_run(prev.text, from_end=True)} {run}", PROSE if "," not in run else "")
        if parsed is not None:
            out.append(Candidate(*parsed, BEFORE_DOB_CUE * line.confidence, line, False))
    return out


def near_dob_candidates(idx: LabelIndex, anchor: OcrLine | None) -> list[Candidate]:
    """A phrase that is a name and nothing else, within a few rows of the DOB: a header block or a grid
    row whose name label the fax lost. Surer the closer it is."""
    if anchor is None:
        return []
    # Phrases that are another field's value ("UnitedHealthcare" under "HEALTH PLAN") are not names.
    taken = {it.value_order for it in idx.items if it.field not in ("name", "last_name", "first_name")}
    out = []
    for k, line in enumerate(idx.lines):
        rows = abs(line.cy - anchor.cy) / max(anchor.height, 20)
        if (
            line.page != anchor.page
            or rows > 3.5
            or idx.hits[k]
            or k in taken
            or _DOCTORISH.search(line.text)
        ):
            continue
        text = line.text.strip(" .,;:|[]")
        head, colon, tail = text.partition(":")
        if colon and len(head.split()) <= 2 and not re.search(r"\d", head):
            text = tail.strip(" .,;|[]")  # a label misread past recognition ("Pt Namc: Priya Smith-Jones")
        if re.search(r"\d", text) or not 2 <= len(text.split()) <= 5 or name_run(text) != text:
            continue
        if (parsed := person(text)) is not None and name_likeness(*parsed) > 0.5:
            score = NEAR_DOB_CUE * line.confidence * (1 - rows / 10)
            out.append(Candidate(*parsed, score, line, False, "," not in text))
    return out


def misread_label_candidates(idx: LabelIndex) -> list[Candidate]:
    """A misread short label ("RF:" for "RE:") before "Last, First": found, but sent to review."""
    out = []
    for k, line in enumerate(idx.lines):
        m = re.match(r"\W*[A-Za-z]{1,3}\s*[:;]\s*([^,]+,[^,]+)$", line.text)
        if m and not (idx.hits[k] and idx.hits[k][0].start < m.start(1)) and (parsed := person(m[1])):
            out.append(Candidate(*parsed, MISREAD_LABEL_CUE * line.confidence, line, False))
    return out


def _claimed(idx: LabelIndex, k: int) -> bool:
    """A line that belongs to the referring side or the fax header."""
    return _DOCTORISH.search(idx.lines[k].text) is not None or any(
        h.field in ("referring", "header", "signature", "npi") for h in idx.hits[k]
    )


def _doctor_key(doctor: Pick | None) -> str | None:
    if doctor is None or not isinstance(doctor.value, str) or " " not in doctor.value:
        return None
    return _letters(doctor.value.split(" ", 1)[1])


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())
