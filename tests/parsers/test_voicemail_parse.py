"""Voicemail transcripts: phrasings written by hand in several styles (clean, filler-laden, run-on,
lower-case ASR without punctuation), plus properties for spoken phone numbers and dates."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.spoken_numbers import DIGITS
from orchestration.ingest.voicemail_parse import VoicemailFormatError, parse_voicemail_line, parse_voicemails

RECEIVED = "2024-03-05T14:02:11Z"


def _lead(transcript: str, caller: str = "+15125550100"):
    obj = {
        "call_id": "CA1",
        "from": caller,
        "to": "+15125550000",
        "received_at": RECEIVED,
        "duration_s": 41.5,
        "transcript": transcript,
    }
    lead = parse_voicemail_line(obj, 1)
    assert not isinstance(lead, str), lead
    return lead


# --- names ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("transcript", "first", "last"),
    [
        ("Hi, this is John Smith, I'm calling about my knee.", "John", "Smith"),
        ("Hello my name is Maria Gonzalez and I got your number from my doctor.", "Maria", "Gonzalez"),
        ("hey um my name's uh kevin o'brien calling about therapy", "Kevin", "O'Brien"),
        ("It's Maria calling, please call me back.", "Maria", None),
        ("Hi, John Smith here, returning your call.", "John", "Smith"),
        ("yes hi i'm david and i hurt my neck", "David", None),
        ("good morning this is um priya patel i was told to call you for my shoulder", "Priya", "Patel"),
        ("Hi there it is Linda Park calling back about scheduling an evaluation", "Linda", "Park"),
    ],
)
def test_caller_names_in_several_phrasings(transcript: str, first: str, last: str | None) -> None:
    lead = _lead(transcript)
    assert (lead.first_name, lead.last_name) == (first, last)
    assert lead.name_confidence >= 0.6


@pytest.mark.parametrize(
    "transcript",
    [
        "Hi, this is about my appointment next week, please call back.",
        "it's my lower back again, it's really bad",
        "hello i'm calling because my doctor said i need physical therapy",
    ],
)
def test_no_name_is_invented(transcript: str) -> None:
    lead = _lead(transcript)
    assert lead.first_name is None and lead.name_confidence == 0.0


# --- call-back numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "transcript",
    [
        "You can reach me at five one two, five five five, zero one four two.",
        "my number is five one two five five five oh one four two thanks",
        "call me back at five one two double five five oh one four two",
        "um it's uh 512 555 0142",
        "Please call 512-555-0142 anytime after three.",
        "the best number is five twelve, five five five, oh one four two",
        "reach me at (512) 555-0142 or text",
        "my cell is 5 1 2 5 5 5 zero 1 4 2 bye",
        "born March 3rd 1961 and my number is one five one two five five five zero one four two",
    ],
)
def test_spoken_call_back_numbers(transcript: str) -> None:
    lead = _lead(transcript)
    assert (lead.phone, lead.phone_source) == ("5125550142", "spoken")
    assert lead.phone_confidence >= 0.75


def test_caller_id_is_the_fall_back_number() -> None:
    lead = _lead("hi this is ann, please call me back about my hip", caller="+1 (512) 555-0100")
    assert (lead.phone, lead.phone_source, lead.phone_confidence) == ("5125550100", "caller_id", 0.6)
    assert lead.from_number == "5125550100"


# --- dates of birth -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("transcript", "dob"),
    [
        ("I was born March 3rd, 1961.", date(1961, 3, 3)),
        ("my date of birth is 3/3/61", date(1961, 3, 3)),
        ("birthday 03-03-1961", date(1961, 3, 3)),
        ("date of birth um march third nineteen sixty one", date(1961, 3, 3)),
        ("DOB is the 21st of January 1940.", date(1940, 1, 21)),
        ("i was born on the twenty first of january nineteen forty", date(1940, 1, 21)),
        ("my birthday is june fifth seventy two", date(1972, 6, 5)),
        ("born 7/4/05 he's my son", date(2005, 7, 4)),
        ("date of birth is december thirty first two thousand and one", date(2001, 12, 31)),
        ("Birthdate: Feb. 28, 1955", date(1955, 2, 28)),
    ],
)
def test_dates_of_birth(transcript: str, dob: date) -> None:
    lead = _lead(transcript)
    assert lead.dob == dob
    assert lead.dob_confidence >= 0.8


def test_two_digit_year_in_the_future_goes_to_the_last_century() -> None:
    assert _lead("born 3/3/25").dob == date(1925, 3, 3)  # received 2024-03-05
    assert _lead("born 3/3/24").dob == date(2024, 3, 3)


def test_dates_without_a_birth_cue_are_not_dobs() -> None:
    lead = _lead("I had surgery on March 3rd 2024 and need therapy")
    assert lead.dob is None and lead.dob_confidence == 0.0


def test_impossible_dates_are_dropped() -> None:
    assert _lead("date of birth is february thirtieth nineteen sixty").dob is None


# --- reason, referrer, insurance ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("transcript", "reason", "post_op"),
    [
        ("I tore my ACL playing soccer", "knee", False),
        ("um so i had rotator cuff surgery last month", "shoulder", True),
        ("my lower back has been killing me since the move", "back", False),
        ("I keep getting dizzy and I fell twice, my balance is off", "balance/dizziness", False),
        ("neck pain after a car accident", "neck", False),
        ("I just had a hip replacement", "hip", True),
        ("sprained my ankle really bad", "ankle", False),
        ("my surgeon wants me to start rehab after the operation", "post-surgery", True),
        ("please call me back about scheduling", None, False),
    ],
)
def test_reason_labels(transcript: str, reason: str | None, post_op: bool) -> None:
    lead = _lead(transcript)
    assert (lead.reason, lead.post_op) == (reason, post_op)


def test_call_me_back_is_not_a_back_complaint() -> None:
    assert _lead("hi it's joe can you call me back when you get back in").reason is None


@pytest.mark.parametrize(
    ("transcript", "referrer"),
    [
        ("Dr. Patel sent me over", "Patel"),
        ("I was referred by Doctor Nguyen for my shoulder", "Nguyen"),
        ("my surgeon Dr. Lee said to call", "Lee"),
        ("um my doctor uh doctor amy chen referred me", "Amy Chen"),
        ("the referral is from dr o'connor's office", "O'Connor"),
    ],
)
def test_referring_doctor(transcript: str, referrer: str) -> None:
    lead = _lead(transcript)
    assert lead.referring_name == referrer
    assert lead.referring_confidence >= 0.9


@pytest.mark.parametrize(
    ("transcript", "insurance"),
    [
        ("I have Blue Cross Blue Shield", "blue cross blue shield"),
        ("my insurance is aetna", "aetna"),
        ("insurance is through united healthcare", "united healthcare"),
        ("i'm on medicare", "medicare"),
        ("I don't have insurance, I'd pay cash", "cash"),
        ("I went to the United Center last night", None),
    ],
)
def test_insurance_mentions_as_free_text(transcript: str, insurance: str | None) -> None:
    assert _lead(transcript).insurance == insurance


def test_run_on_lowercase_asr_message_reads_every_field() -> None:
    lead = _lead(
        "hi um yeah this is robert king calling uh my doctor doctor garcia referred me for my knee i had "
        "a meniscus surgery two weeks ago and uh yeah i have humana my date of birth is august ninth "
        "nineteen fifty eight and you can call me back at eight three oh five five five two one two one "
        "thank you bye"
    )
    assert (lead.first_name, lead.last_name) == ("Robert", "King")
    assert (lead.reason, lead.post_op) == ("knee", True)
    assert lead.referring_name == "Garcia"
    assert lead.insurance == "humana"
    assert lead.dob == date(1958, 8, 9)
    assert lead.phone == "8305552121"


# --- file level ---------------------------------------------------------------------------------------
def test_file_with_bad_lines_keeps_the_good_ones() -> None:
    good = {
        "call_id": "CA1",
        "from": "+15125550100",
        "to": "+1512",
        "received_at": RECEIVED,
        "duration_s": 12,
    }
    lines = [
        json.dumps({**good, "transcript": "this is ann lee about my hip"}),
        json.dumps({**good, "call_id": None, "transcript": "x"}),
        "not json",
        json.dumps({**good, "call_id": "CA4", "transcript": None}),
        json.dumps({**good, "call_id": "CA5", "received_at": "last tuesday", "transcript": "hi"}),
        json.dumps({**good, "call_id": "CA6", "duration_s": "long", "transcript": "hi"}),
        json.dumps({**good, "call_id": "CA7", "transcript": "hello"}),
    ]
    parsed = parse_voicemails("\n".join(lines).encode() + b"\n\xff\xfe\n", "vm.jsonl")
    assert [r.source_record_id for r in parsed.records] == ["CA1", "CA7"]
    assert parsed.records[0].received_at == datetime(2024, 3, 5, 14, 2, 11)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "missing call_id"),
        (3, "invalid JSON (Expecting value)"),
        (4, "missing transcript"),
        (5, "unparseable received_at"),
        (6, "duration_s is not a number"),
        (8, "not valid UTF-8"),
    ]
    assert all("ann" not in e.reason for e in parsed.errors)


def test_empty_file_is_a_format_error() -> None:
    with pytest.raises(VoicemailFormatError, match="empty file"):
        parse_voicemails(b"\n\n", "vm.jsonl")


def test_wrong_columns_is_a_format_error() -> None:
    web = json.dumps({"event_id": "w1", "ts": 1709647331, "event": "page_view", "token": "t", "url": "/"})
    with pytest.raises(VoicemailFormatError, match="no line is a voicemail"):
        parse_voicemails(web.encode(), "web.jsonl")


# --- properties -----------------------------------------------------------------------------------------
_WORDS = {d: [w for w, v in DIGITS.items() if v == d and w != "o"] for d in "0123456789"}


@st.composite
def spoken_phone(draw) -> tuple[str, str]:
    number = draw(st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True))
    parts: list[str] = []
    i = 0
    while i < len(number):
        d = number[i]
        if i + 1 < len(number) and number[i + 1] == d and draw(st.booleans()):
            parts.append(f"double {draw(st.sampled_from(_WORDS[d]))}")
            i += 2
        else:
            parts.append(draw(st.sampled_from([*_WORDS[d], d])))
            i += 1
        if i in (3, 6) and draw(st.booleans()):
            parts.append(draw(st.sampled_from([",", " ,", " uh", " um,"])))
    return number, " ".join(parts).replace(" ,", ",")


@settings(max_examples=200, deadline=None)
@given(case=spoken_phone(), lead_in=st.sampled_from(["my number is", "call me at", "reach me on", "it's"]))
def test_any_spoken_ten_digit_number_is_recovered(case: tuple[str, str], lead_in: str) -> None:
    number, spoken = case
    lead = _lead(f"hi this is sam. {lead_in} {spoken}. thanks, bye", caller="")
    assert lead.phone == number


_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth"}
_ORD |= {9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 20: "twentieth"}
_ORD |= {14: "fourteenth", 15: "fifteenth", 16: "sixteenth", 17: "seventeenth", 18: "eighteenth"}
_ORD |= {19: "nineteenth", 30: "thirtieth"}
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
_UNIT = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_MONTH = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_TEEN = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]


def _ordinal(n: int) -> str:
    return _ORD[n] if n in _ORD else f"{_TENS[n // 10]} {_ORD[n % 10]}"


def _year_words(y: int) -> str:
    hi, lo = divmod(y, 100)
    if hi == 20 and lo < 10:
        return f"two thousand {_UNIT[lo]}".strip()
    head = "nineteen" if hi == 19 else "twenty"
    if lo < 10:
        return f"{head} oh {_UNIT[lo]}" if lo else f"{head} hundred"
    if lo < 20:
        return f"{head} {_TEEN[lo - 10]}"
    return f"{head} {_TENS[lo // 10]} {_UNIT[lo % 10]}".strip()


@settings(max_examples=200, deadline=None)
@given(
    dob=st.dates(min_value=date(1920, 1, 1), max_value=date(2023, 12, 31)),
    form=st.sampled_from(["numeric", "numeric2", "dashes", "month_words", "day_of_month", "month_digits"]),
    cue=st.sampled_from(["i was born", "my date of birth is", "birthday", "um d o b is"]),
)
def test_spoken_dates_of_birth_are_recovered(dob: date, form: str, cue: str) -> None:
    month, day, year = _MONTH[dob.month - 1], dob.day, dob.year
    said = {
        "numeric": f"{dob.month}/{day}/{year}",
        "numeric2": f"{dob.month}/{day}/{year % 100:02d}",
        "dashes": f"{dob.month:02d}-{day:02d}-{year}",
        "month_words": f"{month} {_ordinal(day)} {_year_words(year)}",
        "day_of_month": f"the {_ordinal(day)} of {month}, {_year_words(year)}",
        "month_digits": f"{month.title()} {day}, {year}",
    }[form]
    expected = dob
    if form == "numeric2" and dob.replace(year=2000 + year % 100) <= date(2024, 3, 5):
        expected = dob.replace(year=2000 + year % 100)  # two-digit years go to the latest past year
    assert _lead(f"hi it's about my knee, {cue} {said} thanks").dob == expected
