"""Second readings of crops whose first reading doubted a letter: when they are made, which are kept,
and how the name check weighs them against a listed name read one letter wrong."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.fax_name_check import check_name, check_token
from orchestration.ingest.fax_name_prior import surname_prior
from orchestration.ingest.fax_ocr import OcrLine
from orchestration.ingest.fax_recognise import CharGuess, Recognised, Recogniser
from orchestration.ingest.fax_reread import (
    clean_fine,
    clean_unfiltered,
    doubts_a_letter,
    second_readings,
)


def _guesses(text: str, unsure: dict[int, tuple[float, str, float]]) -> tuple[CharGuess, ...]:
    """Per-character guesses: sure letters, except positions given as (prob, runner-up, its prob)."""
    return tuple(CharGuess(c, *unsure.get(i, (0.99, "", 0.0))) for i, c in enumerate(text))


def _read(text: str, unsure: dict[int, tuple[float, str, float]] | None = None) -> Recognised:
    chars = _guesses(text, unsure or {})
    return Recognised(text, float(np.mean([c.prob for c in chars])), chars)


class ScriptedRecogniser(Recogniser):
    """Returns the scripted readings in turn, whatever the crop."""

    def __init__(self, *readings: Recognised) -> None:
        self.readings = list(readings)

    def recognise(self, crop: np.ndarray) -> Recognised:
        return self.readings.pop(0)


CROP = np.full((40, 300), 255, np.uint8)
PREPS = (clean_fine, clean_unfiltered)


def test_only_a_doubted_letter_with_a_letter_runner_up_asks_for_a_second_reading() -> None:
    assert doubts_a_letter(_read("Hermandez", {3: (0.81, "n", 0.19)}))
    assert not doubts_a_letter(_read("Hermandez"))
    assert not doubts_a_letter(_read("2025-01-16", {3: (0.6, "8", 0.4)}))  # digits: other checks
    assert not doubts_a_letter(_read("Hermandez", {3: (0.81, "", 0.0)}))


def test_second_readings_are_aligned_character_by_character_with_the_first() -> None:
    first = "Wei Hermandez-Lopez"
    # A trailing dot and a lost space do not stop the letters lining up; "n" sits where "m" was.
    rec = ScriptedRecogniser(_read(" Wei Hernandez-Lopez. "), _read("WeiHermandez-Lopez"))
    fine, unfiltered = second_readings(rec, CROP, first, PREPS)
    assert "".join(c.char if c else "?" for c in fine) == "Wei Hernandez-Lopez"
    assert "".join(c.char if c else "?" for c in unfiltered) == "Wei?Hermandez-Lopez"
    # A reading agreeing on few characters read other letters: dropped.
    rec = ScriptedRecogniser(_read("Wel Hemnandoz-Lqpoz Jr"), _read("Wei Hermandez-Lopez"))
    assert ["".join(c.char for c in k) for k in second_readings(rec, CROP, first, PREPS)] == [first]


@settings(max_examples=30, deadline=None)
@given(h=st.integers(12, 120), w=st.integers(12, 1400), seed=st.integers(0, 2**16))
def test_every_preparation_keeps_the_crop_size(h: int, w: int, seed: int) -> None:
    crop = np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)
    for prepare in PREPS:
        out = prepare(crop)
        assert out.shape == crop.shape and out.dtype == np.uint8, prepare.__name__


def test_second_readings_that_see_the_n_restore_a_listed_name_read_with_m() -> None:
    # "Hermandez" is itself a listed surname, so the runner-up "n" at 0.19 alone does not change it;
    # the two second preparations reading "n" at 0.92 are averaged in as evidence, and do.
    prior = surname_prior()
    assert prior.is_listed("Hermandez") and prior.probability("Hernandez") > 100 * prior.probability(
        "Hermandez"
    )
    first = _guesses("Hermandez", {3: (0.81, "n", 0.19)})
    assert check_token("Hermandez", prior, first).value == "Hermandez"
    again = _guesses("Hernandez", {3: (0.92, "m", 0.08)})
    fixed = check_token("Hermandez", prior, first, (again, again))
    assert fixed.value == "Hernandez" and fixed.corrected and fixed.doubt < 1.0


def test_second_readings_that_agree_keep_the_listed_name() -> None:
    prior = surname_prior()
    first = _guesses("Hermandez", {3: (0.81, "n", 0.19)})
    agrees = _guesses("Hermandez", {3: (0.97, "n", 0.03)})
    check = check_token("Hermandez", prior, first, (agrees, agrees))
    assert check.value == "Hermandez" and not check.corrected


def test_readings_of_the_same_pixels_are_averaged_not_multiplied() -> None:
    # A t whose crossbar the fax lost reads "l" in every preparation: agreeing second readings must
    # not outweigh the name prior as if they were independent witnesses ("Abbolt" is still Abbott).
    prior = surname_prior()
    first = _guesses("Abbolt", {4: (0.73, "i", 0.14)})
    agrees = _guesses("Abbolt", {4: (0.9, "i", 0.05)})
    assert check_token("Abbolt", prior, first).value == "Abbott"
    assert check_token("Abbolt", prior, first, (agrees, agrees)).value == "Abbott"


def test_the_name_check_finds_second_readings_on_the_line_it_read_the_name_from() -> None:
    text = "Wei Hermandez-Lopez"
    first = _guesses(text, {7: (0.81, "n", 0.19)})
    again = _guesses("Wei Hernandez-Lopez", {7: (0.92, "m", 0.08)})
    line = OcrLine(text, (0, 0, 400, 40), 0.98, 1, first, (again, again))
    assert check_name("Hermandez-Lopez", surname_prior(), [line]).value == "Hernandez-Lopez"
    alone = OcrLine(text, (0, 0, 400, 40), 0.98, 1, first)
    assert check_name("Hermandez-Lopez", surname_prior(), [alone]).value == "Hermandez-Lopez"


def test_recognise_reads_a_crop_again_only_when_it_doubts_a_letter(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from orchestration.ingest import fax_ocr, fax_reread

    monkeypatch.setattr(fax_reread, "SECOND_PREPARATIONS", (clean_fine,))
    page = np.full((60, 400), 255, np.uint8)
    box = [(0, 0, 400, 60)]
    doubted = _read("Hermandez", {3: (0.81, "n", 0.19)})
    rec = ScriptedRecogniser(doubted, _read("Hernandez", {3: (0.92, "m", 0.08)}))
    monkeypatch.setattr(fax_ocr, "recogniser", lambda: rec)
    (line,) = fax_ocr.recognise(page, box, 1, raw=page)
    assert line.text == "Hermandez" and [[c.char for c in r] for r in line.rereads] == [list("Hernandez")]
    # Without the page before clean-up there is nothing to read again; a sure reading is read once.
    rec.readings = [doubted]
    assert fax_ocr.recognise(page, box, 1)[0].rereads == ()
    rec.readings = [_read("Hernandez"), _read("Hermandez")]
    assert fax_ocr.recognise(page, box, 1, raw=page)[0].rereads == () and len(rec.readings) == 1
