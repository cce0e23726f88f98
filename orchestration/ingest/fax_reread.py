"""Second readings of phrase crops whose first reading doubted a letter.

Why: one preparation of a crop has blind spots. The page clean-up (median + blur at fax resolution)
sometimes joins glyphs that nearly touch: a tightly kerned "rn" whose r's arm reaches the n reads as
"m" ("Hermandez"), and the recogniser's runner-up is the only trace left of the truth. The same pixels
prepared another way are a second, partly independent witness at exactly those letters.

A second reading is not a replacement: its spacing and punctuation differ from the first often enough
(averaging the two readings' frames was measured to break dates and codes), so it is kept only when
it agrees with the first on most characters, aligned character by character, as evidence beside the
first reading. The name check (fax_name_check) weighs it; nothing else reads it.
Only crops whose first reading doubts a letter are read again, so the cost stays small.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import cv2
import numpy as np

from orchestration.ingest.fax_recognise import CharGuess, Recognised, Recogniser

DOUBTFUL = 0.9  # a letter read with less than this, and a letter as runner-up, is doubted
# A second reading differing from the first in more characters than this (or a tenth of a long line)
# read other letters.
MAX_DIFFERENT = 2
Aligned = tuple["CharGuess | None", ...]  # a second reading's guess per character of the first


def clean_fine(raw: np.ndarray) -> np.ndarray:
    """The page clean-up (median, then blur) done at twice the resolution and scaled back by area:
    median and blur act on strokes twice as wide, so a 1-px gap between glyphs is not smoothed shut.
    Same size as the crop: the recogniser sees the same frames."""
    up = cv2.resize(raw, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(cv2.medianBlur(up, 3), (5, 5), 0)
    return cv2.resize(fine, (raw.shape[1], raw.shape[0]), interpolation=cv2.INTER_AREA)


def clean_unfiltered(raw: np.ndarray) -> np.ndarray:
    """The page clean-up without its median filter, only the blur: the median is what closes a
    1-px gap between near-touching glyphs (and what removes specks, so this reading is noisier)."""
    return cv2.GaussianBlur(raw, (3, 3), 0)


Preparation = Callable[[np.ndarray], np.ndarray]
SECOND_PREPARATIONS: tuple[Preparation, ...] = (clean_fine, clean_unfiltered)


def doubts_a_letter(res: Recognised) -> bool:
    return any(c.prob < DOUBTFUL and c.char.isalpha() and c.alt.isalpha() for c in res.chars)


def second_readings(
    rec: Recogniser, raw: np.ndarray, text: str, preparations: tuple[Preparation, ...] | None = None
) -> tuple[Aligned, ...]:
    """Per-character guesses of `raw` (the crop before clean-up) read once per preparation, aligned
    with `text` (the first reading, stripped): a position gets the second reading's guess where the
    two spell the same number of characters there, None where a character was lost or gained (a
    long line's second reading often differs in a space or a trailing dot). Readings differing in
    more characters (see MAX_DIFFERENT) are of other letters, and dropped."""
    out = []
    for prepare in SECOND_PREPARATIONS if preparations is None else preparations:
        res = rec.recognise(prepare(raw))
        lead = len(res.text) - len(res.text.lstrip())
        again = res.text.strip()
        chars = res.chars[lead : lead + len(again)]
        match = difflib.SequenceMatcher(None, text, again, autojunk=False)
        matched = sum(block.size for block in match.get_matching_blocks())
        if max(len(text), len(again)) - matched > max(MAX_DIFFERENT, len(text) // 10):
            continue
        aligned: list[CharGuess | None] = [None] * len(text)
        for tag, i1, i2, j1, j2 in match.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                aligned[i1:i2] = chars[j1:j2]
        out.append(tuple(aligned))
    return tuple(out)
