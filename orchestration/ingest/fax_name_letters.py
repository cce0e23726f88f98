"""Every printed reading of a name word votes on each of its letters.

A fax often prints the patient twice (a box and a footer, a header and a table) and the recogniser
slips on one of them ("Nkechl" in the box, its l at 0.86 with i at 0.09; "Nkechi" in the footer,
i at 0.37 and I at 0.27). The readings are independent witnesses of the same letters, so a letter's
support is the product of what each reading gave it (as read or as runner-up, either case), with
the reading's leftover probability spread over the letters it did not name. The chosen word keeps
the picked reading's case. Only readings of the same length that differ in at most MAX_DIFFERENT
letters, each one the recogniser doubted, count: another word that merely looks alike is no witness.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from orchestration.ingest.fax_ocr import OcrLine
from orchestration.ingest.fax_recognise import CharGuess
from orchestration.ingest.fax_reread import DOUBTFUL

MIN_LETTERS = 4
MAX_DIFFERENT = 2
_ALPHABET = 26
_WORD = re.compile(r"[A-Za-z]+")


def vote_name_letters(name: str, lines: Sequence[OcrLine]) -> str:
    """`name` with each word's letters as its readings on the fax jointly support best."""
    return re.sub(rf"[A-Za-z]{{{MIN_LETTERS},}}", lambda m: _vote_word(m[0], lines), name)


def _vote_word(word: str, lines: Sequence[OcrLine]) -> str:
    key = word.lower()
    found = _readings(lines)
    own = next((r for r in found if _text(r) == key), None)
    if own is None:
        return word  # the picked spelling is not one reading (rejoined or re-cased): no witnesses
    readings = [r for r in found if _same_word(own, r)]
    if len(readings) < 2 or all(_text(r) == key for r in readings):
        return word  # one reading, or all agree: nothing to vote on
    out = []
    for i, ch in enumerate(word):
        letters = {_text(r)[i] for r in readings} | {r[i].alt.lower() for r in readings if r[i].alt.isalpha()}
        support = {c: sum(math.log(_gave(r[i], c)) for r in readings) for c in letters}
        out.append(max(sorted(letters), key=lambda c: (support[c], c == ch.lower())))  # a tie keeps it
    voted = "".join(out)
    return "".join(v.upper() if w.isupper() else v for w, v in zip(word, voted, strict=True))


def _gave(guess: CharGuess, letter: str) -> float:
    """The probability one reading gave `letter` (either case); its leftover spread over the rest."""
    p = sum(q for c, q in ((guess.char, guess.prob), (guess.alt, guess.alt_prob)) if c.lower() == letter)
    leftover = max(0.0, 1.0 - guess.prob - guess.alt_prob) / _ALPHABET
    return max(p, leftover, 1e-4)


def _readings(lines: Sequence[OcrLine]) -> list[tuple[CharGuess, ...]]:
    """The per-letter guesses of every word on the fax (glued words split at a case change)."""
    out = []
    for line in lines:
        if len(line.chars) != len(line.text):
            continue
        for m in _WORD.finditer(line.text):
            spans = {(m.start(), m.end())}
            for part in re.finditer(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", m[0]):
                spans.add((m.start() + part.start(), m.start() + part.end()))
            out += [line.chars[a:b] for a, b in sorted(spans)]
    return out


def _text(reading: tuple[CharGuess, ...]) -> str:
    return "".join(c.char for c in reading).lower()


def _same_word(a: tuple[CharGuess, ...], b: tuple[CharGuess, ...]) -> bool:
    """Two readings of one word: the same length, and every letter they disagree on is one that
    either reading doubted or gave the other's letter as runner-up ("Nkechl" / "Nkechi"). Surely read
    different letters are different words ("James" / "Jones", the doctor's "Ruiz" by "Luis")."""
    if len(a) != len(b):
        return False
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x.char.lower() != y.char.lower()]
    return len(differ) <= MAX_DIFFERENT and all(
        min(_letter_prob(x), _letter_prob(y)) < DOUBTFUL
        or x.alt.lower() == y.char.lower()
        or y.alt.lower() == x.char.lower()
        for x, y in differ
    )


def _letter_prob(guess: CharGuess) -> float:
    """How sure the reading is of the letter whatever its case ("O" 0.6 with "o" 0.38 is a sure O)."""
    return guess.prob + (
        guess.alt_prob if guess.alt != guess.char and guess.alt.lower() == guess.char.lower() else 0.0
    )
