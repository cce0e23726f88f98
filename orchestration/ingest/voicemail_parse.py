"""Voicemail transcripts (JSON Lines `{"call_id","from","to","received_at","duration_s","transcript"}`)
-> VoicemailLead: who called, how to call back, DOB, what hurts, who referred them, which insurance.

Rule-based on lower-case tokens, so ASR output without punctuation or capitals reads the same as a
clean transcript. Every extracted field carries a confidence in [0, 1] (0 when nothing was found).
What it is about (reason, surgery, insurance) is in voicemail_topics. Each extractor first checks that
its cue words are present (set or list membership in C) before walking the words in Python: the
results are those of the plain walk (tests/parsers/test_voicemail_parity.py).
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from nicknames import name_triplets

from orchestration.ingest.json_lines_read import gc_paused, instant_to_utc, read_json_lines, strip_bom
from orchestration.ingest.records import LineError, QuarantineFile
from orchestration.ingest.spoken_numbers import (
    FILLERS,
    RUN_STARTS,
    digit_run,
    number_below_100,
    spoken_year,
    tokens,
)
from orchestration.ingest.voicemail_topics import (  # noqa: F401 - REASONS, PAYERS, extract_* re-exported
    PAYERS,
    REASONS,
    extract_insurance,
    extract_reason,
    insurance_in,
    reason_in,
    word_runs,
)

_MONTH_NAMES = (
    "january jan",
    "february feb",
    "march mar",
    "april apr",
    "may",
    "june jun",
    "july jul",
    "august aug",
    "september sept sep",
    "october oct",
    "november nov",
    "december dec",
)
MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, 1) for name in names.split(" ")}
# Words that follow "this is" / "my name is" / "dr" but are not names.
NOT_NAMES = frozenset(
    str.split(
        """a about again am an and any are as at back be because been but by call calling can checking dad
    daughter did do doctor dr for from get give go going got had has have having he her here hey hi him his
    hoping how husband i i'm i've if in is it it's its just looking me mom mother my need no not now of office
    okay on or our out over patient please re referred regarding returning said says see sent she so son
    sorry speaking still such that the their them then there they this to told trying uh um us wanted wants
    was we were what when who wife will with would yeah yes you your physical therapy pt clinic appointment
    recommended ordered suggested wrote gave thinks think mr mrs ms miss calling"""
    )
)
_DOB_TRIGGER = frozenset({"born", "birth", "birthday", "dob", "birthdate"})
_PHONE_TRIGGER = frozenset({"number", "reach", "call", "phone", "cell", "at", "callback", "text"})
_DOCTOR = frozenset({"dr", "doctor", "doc"})
_REFERRAL_CONTEXT = frozenset({"referred", "refer", "referral", "sent", "surgeon", "ordered", "recommended"})
_NAME_CUES = tuple(
    (seq, frozenset(seq), base)
    for seq, base in (
        (("my", "name", "is"), 0.9),
        (("my", "name"), 0.85),  # "my name's" after _clean
        (("name", "is"), 0.8),
        (("this", "is"), 0.8),
        (("it's",), 0.75),
        (("it", "is"), 0.75),
        (("i'm",), 0.6),
        (("i", "am"), 0.6),
    )
)
_NON_DIGIT = re.compile(r"\D")
_TITLE_AT = re.compile(r"(^|[-'])([a-z])")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_NAME_TOKEN = re.compile(r"[a-z]+(?:['-][a-z]+)*")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


class VoicemailFormatError(QuarantineFile):
    """The whole file is not voicemail-transcript JSON Lines."""


@dataclass(slots=True)
class VoicemailLead:
    source_record_id: str  # call_id
    from_number: str | None  # caller id, digits only (PHI)
    to_number: str | None
    received_at: datetime | None  # naive UTC (naive input is taken as UTC)
    duration_s: float | None
    transcript: str  # PHI
    first_name: str | None
    last_name: str | None
    name_confidence: float
    phone: str | None  # ten digits: the number said in the message, else caller id
    phone_source: str | None  # "spoken" | "caller_id"
    phone_confidence: float
    dob: date | None
    dob_confidence: float
    reason: str | None  # short label: knee, shoulder, back, neck, hip, ankle, ..., post-surgery
    post_op: bool
    reason_confidence: float
    referring_name: str | None  # as said: "Patel", "Amy Nguyen"
    referring_confidence: float
    insurance: str | None  # free text as said; the pipeline maps aliases to payers
    insurance_confidence: float


@dataclass(slots=True)
class ParsedVoicemails:
    records: list[VoicemailLead] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@cache
def _given_names() -> frozenset[str]:
    return frozenset(n for t in name_triplets() for n in (t.name1, t.name2))


def _clean(words: list[str]) -> list[str]:
    return [w.removesuffix("'s") for w in words if w not in FILLERS]


def _clean_words(transcript: str) -> tuple[list[str], str]:
    """`_clean(tokens(transcript))` and its words joined by spaces; the list is copied only when a filler
    or a word ending in 's is there to drop (words hold no spaces, so "'s " finds those in the text)."""
    words = tokens(transcript)
    if not FILLERS.isdisjoint(words):
        words = [w for w in words if w not in FILLERS]
    text = " ".join(words)
    if "'s " in text or text.endswith("'s"):
        words = [w.removesuffix("'s") for w in words]
        text = " ".join(words)
    return words, text


def _runs(words: list[str], text: str) -> set[str]:
    r"""What `reason_in` / `insurance_in` ask of `word_runs(text)` for tokens joined by spaces: whether an
    all-letter word is one of its runs. Those runs are the words and the parts of words cut by an
    apostrophe (a digit group's runs all hold digits); the whole cut words stay in the set too, never
    equal to an all-letter word."""
    runs = set(words)
    if "'" in text:
        for w in words:
            if "'" in w:
                runs.update(w.split("'"))
    return runs


def _name_word(w: str | None) -> bool:
    return bool(w) and _NAME_TOKEN.fullmatch(w) is not None and w not in NOT_NAMES


def _title(w: str) -> str:
    """ "o'brien" -> "O'Brien", "smith-jones" -> "Smith-Jones"."""
    if "-" not in w and "'" not in w:
        return w[0].upper() + w[1:] if w[:1] in _LOWER else w
    return _TITLE_AT.sub(lambda m: m.group(1) + m.group(2).upper(), w)


def _phrase_at(words: list[str], seq: tuple[str, ...]) -> list[int]:
    """Indices just after each occurrence of `seq` in `words` (list.index finds the candidates in C)."""
    first, rest, k = seq[0], list(seq[1:]), len(seq)
    out: list[int] = []
    i = -1
    for _ in range(words.count(first)):
        i = words.index(first, i + 1)
        if words[i + 1 : i + k] == rest:
            out.append(i + k)
    return out


def extract_name(words: list[str], present: Set[str] | None = None) -> tuple[str | None, str | None, float]:
    """Caller's first/last name from "my name is", "this is", "it's X calling", "X here", "I'm X".
    present: a set holding at least the words (spares building it again)."""
    known = _given_names()
    if present is None:
        present = set(words)
    for seq, needs, base in _NAME_CUES:
        if not needs <= present:
            continue
        for i in _phrase_at(words, seq):
            first = words[i] if i < len(words) else None
            if not _name_word(first):
                continue
            nxt = words[i + 1] if i + 1 < len(words) else None
            last = nxt if _name_word(nxt) else None
            if seq in (("it's",), ("it", "is")) and "calling" not in words[i + 1 : i + 4]:
                continue  # "it's my knee": only "it's Maria (Lopez) calling" names someone
            if seq in (("i'm",), ("i", "am")) and first not in known:
                continue
            score = base + (0.05 if first in known else -0.2)
            return _title(first), (_title(last) if last else None), round(min(score, 0.95), 2)
    for i, w in enumerate(words[:6]):  # "Hi, John Smith here" / "Maria calling"
        if w in ("here", "calling") and i >= 1 and _name_word(words[i - 1]):
            two = i >= 2 and _name_word(words[i - 2]) and words[i - 2] in known
            first, last = (words[i - 2], words[i - 1]) if two else (words[i - 1], None)
            if first in known:
                return _title(first), (_title(last) if last else None), 0.7
    return None, None, 0.0


def extract_phone(words: list[str]) -> tuple[str | None, float]:
    """A ten-digit number said in the message (digits, words, "oh", "double five", mixed)."""
    best: tuple[str, float] | None = None
    i = 0
    n = len(words)
    while i < n:
        w = words[i]
        if w not in RUN_STARTS and not w[:1].isdigit():
            i += 1  # digit_run would stop here at once
            continue
        run, end = digit_run(words, i)
        if end <= i:
            i += 1
            continue
        if len(run) == 11 and run.startswith("1"):
            run = run[1:]
        if len(run) > 10:  # a date or year said right before the number
            run = run[-10:]
            conf = 0.6
        else:
            conf = 0.9 if _PHONE_TRIGGER & set(words[max(0, i - 5) : i]) else 0.75
        if len(run) == 10 and (best is None or conf >= best[1]):
            best = (run, conf)
        i = end
    return best if best else (None, 0.0)


def _resolve_year(year: int, month: int, day: int, today: date) -> date | None:
    if year < 100:
        year += 2000 if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if date(1900, 1, 1) <= value <= today else None


def _date_at(words: list[str], i: int, today: date) -> tuple[date | None, float]:
    w = words[i]
    m = _NUMERIC_DATE.fullmatch(w)
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _resolve_year(year, month, day, today), 0.9 if len(m.group(3)) == 4 else 0.8
    j = i + (1 if w == "the" else 0)
    if j < len(words) and words[j] in MONTHS:  # March (the) 3rd (,) 1961
        month = MONTHS[words[j]]
        k = j + 1 + (1 if j + 1 < len(words) and words[j + 1] == "the" else 0)
        day, k = number_below_100(words, k)
        year, _ = spoken_year(words, k + (1 if k < len(words) and words[k] == "of" else 0))
    else:  # (the) 3rd of March 1961
        day, k = number_below_100(words, j)
        if day is None or k >= len(words):
            return None, 0.0
        k += 1 if words[k] == "of" else 0
        if k >= len(words) or words[k] not in MONTHS:
            return None, 0.0
        month = MONTHS[words[k]]
        year, _ = spoken_year(words, k + 1)
    if day is None or year is None or not 1 <= day <= 31:
        return None, 0.0
    return _resolve_year(year, month, day, today), 0.9 if year >= 100 else 0.8


def extract_dob(words: list[str], today: date) -> tuple[date | None, float]:
    """A date said shortly after "born" / "date of birth" / "birthday" / "DOB"; two-digit years go to
    the latest past year."""
    if _DOB_TRIGGER.isdisjoint(words) and "d" not in words:
        return None, 0.0
    for t, w in enumerate(words):
        is_trigger = w in _DOB_TRIGGER or (w == "d" and words[t + 1 : t + 3] == ["o", "b"])
        if not is_trigger:
            continue
        for i in range(t + 1, min(t + 10, len(words))):
            value, conf = _date_at(words, i, today)
            if value:
                return value, conf
    return None, 0.0


def extract_referrer(words: list[str]) -> tuple[str | None, float]:
    """A doctor named after "dr" / "doctor"; mentions near "referred" / "sent" / "surgeon" win."""
    if _DOCTOR.isdisjoint(words):
        return None, 0.0
    best: tuple[str, float] | None = None
    for i, w in enumerate(words):
        if w not in _DOCTOR or i + 1 >= len(words) or not _name_word(words[i + 1]):
            continue
        name = [words[i + 1]]
        if i + 2 < len(words) and _name_word(words[i + 2]) and words[i + 1] in _given_names():
            name.append(words[i + 2])
        window = set(words[max(0, i - 6) : i + 6])
        context = window & _REFERRAL_CONTEXT
        conf = 0.9 if context else 0.6
        if best is None or conf > best[1]:
            best = (" ".join(_title(n) for n in name), conf)
    return best if best else (None, 0.0)


def _digits(value: object) -> str | None:
    if not isinstance(value, str | int):
        return None
    if type(value) is str and value[:1] == "+" and value[1:].isdecimal():  # "+15125550100": \d is decimal
        only = value[1:]
    else:
        only = _NON_DIGIT.sub("", str(value))
    return only[1:] if len(only) == 11 and only.startswith("1") else (only or None)


def parse_voicemail_line(obj: dict, number: int) -> VoicemailLead | str:
    """One transcript object -> lead, or the reason the line is unusable."""
    fields = voicemail_fields(obj, number)
    return fields if type(fields) is str else VoicemailLead(*fields)


def voicemail_fields(obj: dict, number: int) -> tuple | str:
    """parse_voicemail_line's lead as a tuple of VoicemailLead's fields in their order (what the ingest
    turns into Arrow columns: no dataclass per voicemail), or the reason the line is unusable."""
    call_id = obj.get("call_id")
    transcript = obj.get("transcript")
    if call_id in (None, "") or isinstance(call_id, dict | list):
        return "missing call_id"
    if not isinstance(transcript, str):
        return "missing transcript"
    try:
        received = instant_to_utc(obj["received_at"]) if obj.get("received_at") not in (None, "") else None
    except (ValueError, TypeError, OverflowError, OSError):
        return "unparseable received_at"
    duration = obj.get("duration_s")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int | float)):
        return "duration_s is not a number"
    words, text = _clean_words(transcript)
    runs = _runs(words, text)
    first, last, name_conf = extract_name(words, runs)
    phone, phone_conf = extract_phone(words)
    source = "spoken" if phone else None
    caller = _digits(obj.get("from"))
    if phone is None and caller and len(caller) == 10:
        phone, phone_conf, source = caller, 0.6, "caller_id"
    dob, dob_conf = extract_dob(words, (received or datetime.now()).date())
    reason, post_op, reason_conf = reason_in(text, runs)
    referrer, ref_conf = extract_referrer(words)
    insurance, ins_conf = insurance_in(text, runs)
    return (
        str(call_id),  # source_record_id
        caller,  # from_number
        _digits(obj.get("to")),  # to_number
        received,  # received_at
        float(duration) if duration is not None else None,  # duration_s
        transcript,
        first,  # first_name
        last,  # last_name
        name_conf,
        phone,
        source,  # phone_source
        phone_conf,
        dob,
        dob_conf,
        reason,
        post_op,
        reason_conf,
        referrer,  # referring_name
        ref_conf,
        insurance,
        ins_conf,
    )


def parse_voicemails(data: bytes, file_name: str) -> ParsedVoicemails:
    """Parse one transcripts file; bad lines are reported by number and skipped.

    Raises VoicemailFormatError when the file is empty or no line is a voicemail transcript.
    """
    rows, errors = parse_voicemail_rows(data, file_name)
    return ParsedVoicemails([VoicemailLead(*row) for row in rows], errors)


def parse_voicemail_rows(data: bytes, file_name: str) -> tuple[list[tuple], list[LineError]]:
    """parse_voicemails' leads as tuples of VoicemailLead's fields (voicemail_fields), and the bad lines."""
    if not strip_bom(data).strip():
        raise VoicemailFormatError(f"{file_name}: empty file")
    rows: list[tuple] = []
    with gc_paused():
        objects, errors = read_json_lines(data)
        for number, obj in objects:
            result = voicemail_fields(obj, number)
            if type(result) is str:
                errors.append(LineError(number, result))
            else:
                rows.append(result)
    errors.sort(key=lambda e: e.line)
    if not rows and errors:
        raise VoicemailFormatError(f"{file_name}: no line is a voicemail transcript ({errors[0].reason})")
    return rows, errors
