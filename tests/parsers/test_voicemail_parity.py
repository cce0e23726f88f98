"""The voicemail fast paths (cue-word prechecks, reason regexes run only when a word they need is present)
give what the plain extraction gave: tests/parsers/reference_voicemail_parse.py is that extraction as it
was, compared field by field on transcripts drawn from every cue and keyword word, and on any text."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest import spoken_numbers, voicemail_parse, voicemail_topics
from orchestration.ingest.spoken_numbers import DIGITS, FILLERS, ORDINALS, TEENS, TENS
from tests.parsers import reference_spoken_numbers
from tests.parsers import reference_voicemail_parse as reference


def _keyword_words() -> list[str]:
    """Every word the keyword regexes spell, with and without an optional last letter."""
    sources = [p for p, _ in voicemail_topics.REASONS] + [
        voicemail_topics.PAYERS.pattern,
        voicemail_topics._SURGERY.pattern,
        voicemail_topics._COMPLAINT.pattern,
        voicemail_topics._INSURANCE_CONTEXT.pattern,
    ]
    words: set[str] = set()
    for source in sources:
        for word in re.findall(r"[a-z']+\??", source.replace(r"\b", " ").replace(r"\w", " ")):
            words.update({word.rstrip("?"), word.rstrip("?")[:-1] if word.endswith("?") else word})
    return sorted(w for w in words if w)


_VOCABULARY = [
    *_keyword_words(),
    *" ".join(
        (
            "patellar injured sprained strained unitedhealthcare unitedhealth champva selfpay workmans",
            "my name is this it's it i'm i am calling here last john maria o'brien smith-jones lee patel",
            "dr doctor doc referred sent surgeon recommended born birth birthday dob d o b the of and",
            "number reach call me back at cell text thanks bye knee's golfer's hip-hop",
            "double triple hundred thousand january march feb sept may",
            "512-555-0142 3/3/61 03-03-1961 21st 4th 1961 61 5 12 (512) 555.0142 +1",
        )
    ).split(" "),
    *DIGITS,
    *TEENS,
    *TENS,
    *ORDINALS,
    *FILLERS,
]
# "", "_" and "9" glue words together (no \b between them)
_SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "'", " uh ", "\n", "/", "", "_", "9"]


@st.composite
def transcripts(draw) -> str:
    words = draw(st.lists(st.sampled_from(_VOCABULARY), min_size=0, max_size=40))
    out = []
    for word in words:
        if draw(st.integers(0, 9)) == 0:
            word = word.upper() if draw(st.booleans()) else word.title()
        out.append(word)
        out.append(draw(st.sampled_from(_SEPARATORS)))
    return "".join(out)


def _line(transcript: str, caller: str | int) -> dict:
    return {
        "call_id": "CA1",
        "from": caller,
        "to": "+15125550000",
        "received_at": "2024-03-05T14:02:11Z",
        "duration_s": 41,
        "transcript": transcript,
    }


def _same(transcript: str, caller: str | int = "+15125550100") -> None:
    fast = voicemail_parse.parse_voicemail_line(_line(transcript, caller), 1)
    slow = reference.parse_voicemail_line(_line(transcript, caller), 1)
    assert not isinstance(fast, str) and not isinstance(slow, str)
    assert asdict(fast) == asdict(slow)


_CALLERS = ["+15125550100", "", "512 555", "+", "+1 (512) 555-0100", "+\uff11\uff15", 5125550100, "+\u00b2"]


@settings(max_examples=600, deadline=None)
@given(transcript=transcripts(), caller=st.sampled_from(_CALLERS))
def test_cue_and_keyword_transcripts_parse_as_the_reference(transcript: str, caller: str | int) -> None:
    _same(transcript, caller)


@settings(max_examples=300, deadline=None)
@given(transcript=st.text(max_size=200))
def test_any_text_parses_as_the_reference(transcript: str) -> None:
    _same(transcript)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(transcripts(), st.text(max_size=120)))
def test_reason_and_insurance_of_any_text_as_the_reference(text: str) -> None:
    """The public text functions, on text that is not the joined tokens (capitals, any punctuation)."""
    assert voicemail_parse.extract_reason(text) == reference.extract_reason(text)
    assert voicemail_parse.extract_insurance(text) == reference.extract_insurance(text)
    low = text.lower()
    assert voicemail_parse.extract_reason(low) == reference.extract_reason(low)
    assert voicemail_parse.extract_insurance(low) == reference.extract_insurance(low)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(_VOCABULARY), max_size=30))
def test_word_extractors_on_raw_word_lists_as_the_reference(words: list[str]) -> None:
    """Called with word lists the parser would have cleaned (fillers, "'s" left in)."""
    assert voicemail_parse.extract_name(words) == reference.extract_name(words)
    assert voicemail_parse.extract_phone(words) == reference.extract_phone(words)
    assert voicemail_parse.extract_dob(words, date(2024, 3, 5)) == reference.extract_dob(
        words, date(2024, 3, 5)
    )
    assert voicemail_parse.extract_referrer(words) == reference.extract_referrer(words)


def test_every_reason_regex_is_reached_by_its_needed_words() -> None:
    """Each body-part alternative, said alone, gets its label: a word missing from the prechecks fails."""
    for pattern, _label in voicemail_topics.REASONS:
        for said in re.findall(r"[a-z' ]+", pattern.replace(r"\b", "").replace(r"\w*", "")):
            said = said.strip()
            if not said or said in ("lower", "low", "upper", "mid", "middle", "my"):
                continue
            text = f"i need help with {said} pain"
            expected = reference.extract_reason(text)
            assert voicemail_parse.extract_reason(text) == expected, said


def test_needed_words_are_all_letters() -> None:
    """voicemail_parse._runs leaves out the digit runs of digit groups: right only while every word the
    keyword prechecks ask about is all letters."""
    keywords = [k for k, _ in voicemail_topics.REASON_KEYWORDS]
    keywords += [voicemail_topics.SURGERY, voicemail_topics.COMPLAINT, voicemail_topics.PAYER_KEYWORDS]
    for word in {w for k in keywords for w in k.words} | {"insurance"}:
        assert word.isalpha() and word.isascii(), word


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab'9/.-sthnd \u0663\u00b2", max_size=40) | st.text(max_size=40))
def test_tokens_as_the_reference(text: str) -> None:
    assert spoken_numbers.tokens(text) == reference_spoken_numbers.tokens(text)
