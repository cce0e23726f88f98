"""Surname-aware spelling check for OCR'd patient names.

A name token that is not a listed name ("Clalr") is compared with the listed names an OCR slip away
from it: the recogniser's typical confusions (i/l/1, m/n, rn/m, cl/d, ...) or one arbitrary edit.
Each candidate is scored as P(name) x P(this reading | name), the reading as-is as P(unlisted name
spelled like this) (see fax_name_prior). The per-character runner-up the recogniser kept is the
evidence: a letter read with 0.55 and "i" as runner-up at 0.4 is far likelier an "i" than a letter
read with 0.999. Second readings of a doubted letter (the crop prepared otherwise, see fax_reread)
are averaged with the first reading's probabilities. A token that is itself a listed name
is changed only when the evidence for a far commoner name clears OVERRIDE; when a much commoner name
is one confusion away and the recogniser hesitated there, its confidence drops (staff review it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from orchestration.ingest.fax_name_prior import NamePrior
from orchestration.ingest.fax_normalise import smart_case
from orchestration.ingest.fax_ocr import OcrLine
from orchestration.ingest.fax_recognise import CharGuess
from orchestration.ingest.fax_reread import DOUBTFUL

_FOLD = str.maketrans({"l": "i", "1": "i", "|": "i"})

# (as read, truly) -> how often a fax recogniser makes that slip, relative to the commonest ones.
CONFUSIONS: dict[tuple[str, str], float] = {}
THIN_UPRIGHTS = "il1|jt"
for _group, _w in (
    (THIN_UPRIGHTS, 0.3),  # thin uprights: a dot or a serif lost in a 98-lpi row
    ("mn", 0.2),
    ("nh", 0.1),
    ("nu", 0.05),
    ("uv", 0.05),
    ("ceo", 0.1),
    ("ao", 0.05),
    ("o0dq", 0.1),
    ("s5", 0.1),
    ("b8h", 0.05),
    ("ft", 0.1),
    ("gq", 0.05),
    ("vy", 0.05),
    ("z2", 0.05),
):
    for _a in _group:
        for _b in _group:
            if _a != _b:
                CONFUSIONS[(_a, _b)] = max(CONFUSIONS.get((_a, _b), 0.0), _w)
# Glyph pairs read as one glyph and back: "rn" for "m", "cl" for "d", "vv" for "w", "ri" for "n".
# The one slip a recogniser makes while sure of the letter: the fax lost the dot or serif, so the
# pixels really show the other upright ("Whltfield", its l read at 0.96). Any other letter read
# surely, with neither its runner-up nor a second reading naming the other letter, is that letter:
# "Lindqvist" read with its v at 0.997 is not Lindquist, however much commoner Lindquist is
# (nearness is no evidence).
SURE_SLIPS = {(a, b) for a in THIN_UPRIGHTS for b in THIN_UPRIGHTS if a != b}
MULTI = {("rn", "m"): 0.2, ("cl", "d"): 0.15, ("vv", "w"): 0.1, ("ri", "n"): 0.1, ("in", "m"): 0.1}
MULTI |= {(b, a): w for (a, b), w in list(MULTI.items())}
DOUBLED = 0.05  # a letter doubled or merged with its twin: CTC decoding's own slip
GENERIC = 1e-5  # any other single edit: a recogniser rarely swaps unlike glyphs
# A thin letter is the glyph a 98-lpi fax row drops whole ("Whitfeld"), and what a speck or a
# stroke's edge is read as ("Simith").
THIN, LOST_THIN = "iljtfr", 0.02
SLIP = 0.1  # how far a recogniser's own probabilities are to be trusted (they are overconfident)
MIN_LETTERS = 4  # shorter tokens have too many listed neighbours to choose among
PREFER = 30.0  # a correction must beat the reading as-is by this factor (see test_fax_name_check)
# A listed name is only replaced by one the recogniser's runner-up letter (or a second reading)
# spells, at least MIN_VOTE sure, and a thousand times likelier: "Snith" (rank 67,734) with "m" at
# 0.28 is Smith.
# Kept at 1000 by a sweep of 30..3000 on fresh faxes (benchmarks/results/fax-override-sweep-2026-11-28.json):
# every value tied, the path never fired there; lower values trade rare real names for restored slips.
OVERRIDE = 1000.0
# An unlisted reading whose best listed neighbour scores at least NEAR of it is doubted (x NEAR_DOUBT).
NEAR, NEAR_DOUBT = 0.05, 0.8
MIN_VOTE = 0.1
# Second readings of a token's letters, a guess per letter (None where a reading did not line up).
Rereads = Sequence[Sequence[CharGuess | None]]


@dataclass(frozen=True, slots=True)
class NameCheck:
    value: str  # the name to report (corrected or as read)
    corrected: bool
    doubt: float  # multiply the field's confidence by this (1.0 = no doubt)


def _char_prob(chars: Sequence[CharGuess] | None, i: int) -> tuple[float, str, float]:
    if chars is None or i >= len(chars):
        return 1.0, "", 0.0  # no evidence: the reading's own letters count as sure
    c = chars[i]
    return c.prob, c.alt.lower(), c.alt_prob


def _sub_ratio(read: str, true: str, chars: Sequence[CharGuess] | None, i: int, more: Rereads = ()) -> float:
    """P(read | true) / P(read | read) for one substituted letter, from the runner-up evidence. Second
    readings of the letter (`more`, see fax_reread) are averaged with the first: they read the same
    pixels, so a glyph the fax damaged is misread alike in all of them and must not count twice."""
    q, alt, q_alt = _char_prob(chars, i)
    prior = CONFUSIONS.get((read, true), GENERIC)
    voted = q_alt if alt == true else 0.0
    again = [a[i] for a in more if i < len(a) and a[i] is not None]
    if again:
        voted = (voted + sum(_said(g, true) for g in again)) / (1 + len(again))  # type: ignore[arg-type]
        q = (q + sum(_said(g, read) for g in again)) / (1 + len(again))  # type: ignore[arg-type]
    sure = chars is not None and i < len(chars) and q >= DOUBTFUL and voted == 0.0
    if sure and (read, true) not in SURE_SLIPS:
        return 0.0  # read surely, nothing voted for the other letter: no evidence of a slip
    return ((1 - SLIP) * voted + SLIP * prior) / max(q, 1e-3)


def _said(guess: CharGuess, letter: str) -> float:
    """The probability one reading gave `letter` at its character (as read or as runner-up)."""
    return (
        guess.prob if letter == guess.char.lower() else guess.alt_prob if letter == guess.alt.lower() else 0.0
    )


def candidates(  # type: ignore[no-untyped-def]
    token: str, chars: Sequence[CharGuess] | None, listed: dict[str, float], more: Rereads = ()
):
    """(listed name, likelihood ratio) one slip or two confusions from the lowercase token; `more`
    are second readings of the token's letters (weighed only where no letter is lost or gained)."""
    found: dict[str, float] = {}

    def add(name: str, ratio: float) -> None:
        if name != token and name in listed and ratio > found.get(name, 0.0):
            found[name] = ratio

    n = len(token)
    letters = "abcdefghijklmnopqrstuvwxyz"
    singles: list[tuple[str, float, int]] = []  # confusion substitutions, kept for a second one
    for i, ch in enumerate(token):
        for other in letters:
            if other == ch:
                continue
            ratio = _sub_ratio(ch, other, chars, i, more)
            name = token[:i] + other + token[i + 1 :]
            add(name, ratio)
            if (ch, other) in CONFUSIONS:
                singles.append((name, ratio, i))
    for (read, true), w in MULTI.items():
        for m in re.finditer(f"(?={read})", token):
            i = m.start()
            add(token[:i] + true + token[i + len(read) :], SLIP * w)
    for i in range(n + 1):  # a letter lost or gained
        for other in letters:
            doubled = other in (token[i - 1 : i], token[i : i + 1])
            lost = LOST_THIN if other in THIN else GENERIC
            add(token[:i] + other + token[i:], SLIP * (DOUBLED if doubled else lost))
        if i < n:
            doubled = token[i] in (token[i - 1 : i], token[i + 1 : i + 2])
            gained = LOST_THIN if token[i] in THIN else GENERIC  # a speck read as a thin letter
            ratio = SLIP * (DOUBLED if doubled else gained) / max(_char_prob(chars, i)[0], 1e-3)
            add(token[:i] + token[i + 1 :], ratio)
            if doubled:  # a doubled letter and one confusion ("Kowallskl" -> "Kowalski")
                kept = chars[:i] + chars[i + 1 :] if chars is not None else None
                shorter = token[:i] + token[i + 1 :]
                for j, ch in enumerate(shorter):
                    for (read, true), _ in CONFUSIONS.items():
                        if read == ch:
                            add(shorter[:j] + true + shorter[j + 1 :], ratio * _sub_ratio(ch, true, kept, j))
    for name, ratio, i in singles:  # two confusions ("Clalr" -> "clair" needs one; "lllan" two)
        for j in range(i + 1, n):
            ch = name[j]
            for (read, true), _ in CONFUSIONS.items():
                if read == ch:
                    add(name[:j] + true + name[j + 1 :], ratio * _sub_ratio(ch, true, chars, j, more))
    return found


def check_token(
    token: str, prior: NamePrior, chars: Sequence[CharGuess] | None = None, more: Rereads = ()
) -> NameCheck:
    """Check one name word as read (letters only, any case); `more` are second readings of its
    letters, aligned with `chars` (see fax_reread)."""
    key = token.lower()
    # Three letters are checked only when unlisted ("Wel" for Wei): a listed one has too many
    # listed neighbours to doubt.
    short = len(key) < MIN_LETTERS and (len(key) < 3 or prior.is_listed(key))
    if short or not key.isalpha():
        return NameCheck(token, False, 1.0)
    more = more if chars is not None and all(len(m) == len(key) for m in more) else ()
    options = candidates(key, chars, prior.prob, more)
    scored = sorted(((prior.prob[n] * r, n) for n, r in options.items()), reverse=True)
    if prior.is_listed(key):
        # Changed only when the recogniser itself voted for a far commoner name ("Snith": its runner-up
        # at that letter was "m"); otherwise never changed, only doubted when a far commoner name is a
        # likelier reading of the same pixels.
        voted = _voted_names(key, chars, prior.prob, more)
        if voted and voted[0][0] > OVERRIDE * prior.probability(key):
            return NameCheck(_with_case_of(token, voted[0][1]), True, 0.7)
        if scored and scored[0][0] > PREFER * prior.probability(key):
            return NameCheck(token, False, 0.7)
        return NameCheck(token, False, 1.0)
    if not scored or scored[0][0] < PREFER * prior.probability(key):
        # Kept as read; but an unlisted reading a slip away from a listed name that is nearly as
        # likely ("Sofa" for Sofia, "Wel" for Wei) is doubted enough for staff to confirm it.
        near = bool(scored) and scored[0][0] >= NEAR * prior.probability(key)
        return NameCheck(token, False, NEAR_DOUBT if near else 1.0)
    best_score, best = scored[0]
    runner = scored[1][0] if len(scored) > 1 else 0.0
    # A clear winner costs a little confidence; a near tie costs enough to send the fax to review.
    doubt = 0.9 if best_score > 5 * runner else 0.7
    return NameCheck(_with_case_of(token, best), True, doubt)


def _voted_names(
    key: str, chars: Sequence[CharGuess] | None, listed: dict[str, float], more: Rereads = ()
) -> list[tuple[float, str]]:
    """(score, listed name) for names made by putting in one letter that the recogniser gave at least
    MIN_VOTE for, as runner-up or in a second reading, best first."""
    if chars is None or len(chars) != len(key):
        return []
    out = {}
    for i, c in enumerate(chars):
        votes = [(c.alt, c.alt_prob)]
        for guess in (again[i] for again in more if again[i] is not None):
            votes += [(guess.char, guess.prob), (guess.alt, guess.alt_prob)]  # type: ignore[union-attr]
        for letter, p in votes:
            alt = letter.lower()
            if p >= MIN_VOTE and alt.isalpha() and alt != key[i]:
                name = key[:i] + alt + key[i + 1 :]
                if name in listed:
                    out[name] = listed[name] * _sub_ratio(key[i], alt, chars, i, more)
    return sorted(((score, name) for name, score in out.items()), reverse=True)


def _with_case_of(read: str, name: str) -> str:
    """The corrected letters in the reading's case: letter by letter when the lengths agree
    ("McDonaid" -> "McDonald"), else as a name is usually written."""
    if len(read) == len(name):
        return "".join(n.upper() if r.isupper() else n for r, n in zip(read, name, strict=True))
    return name.upper() if read.isupper() else smart_case(name.upper())


def token_evidence(token: str, lines: Sequence[OcrLine]) -> tuple[CharGuess, ...] | None:
    """The recogniser's per-character guesses for `token` where it was read (i/l/1 folded, since
    name clean-up turns a read "l" into "I"), or None when no line carries it."""
    found = _token_span(token, lines)
    return found[0].chars[found[1] : found[2]] if found else None


def token_rereads(token: str, lines: Sequence[OcrLine]) -> Rereads:
    """Second readings of `token`'s letters where `token_evidence` found it (see fax_reread)."""
    found = _token_span(token, lines)
    return tuple(again[found[1] : found[2]] for again in found[0].rereads) if found else ()


def _token_span(token: str, lines: Sequence[OcrLine]) -> tuple[OcrLine, int, int] | None:
    key = token.lower().translate(_FOLD)
    for line in lines:
        if len(line.chars) != len(line.text):
            continue
        for m in re.finditer(re.escape(key), line.text.lower().translate(_FOLD)):
            before = line.text[m.start() - 1 : m.start()]
            after = line.text[m.end() : m.end() + 1]
            if not before.isalpha() and not after.isalpha():
                return line, m.start(), m.end()
    return None


def check_name(value: str, prior: NamePrior, lines: Sequence[OcrLine] = ()) -> NameCheck:
    """Check every word of a name ("St. Clalr", "Smith-Jones", "O'Nelll"); the doubt is the least
    sure word's. A multi-word name listed as one ("De La Cruz" is DELACRUZ) is left alone."""
    if " " in value.strip() and prior.is_listed(value):
        return NameCheck(value, False, 1.0)
    if " " in value.strip() and (joined := _check_joined(value, prior, lines)) is not None:
        return joined
    out, corrected, doubt = [], False, 1.0
    for word in re.split(r"([ -])", value):
        letters = re.sub(r"[^A-Za-z]", "", word)
        check = (
            check_token(letters, prior, token_evidence(letters, lines), token_rereads(letters, lines))
            if letters
            else None
        )
        if check is None or not check.corrected:
            out.append(word)
        elif len(check.value) == len(letters):
            # Put the corrected letters back between the word's apostrophes and dots.
            fixed = iter(check.value)
            out.append("".join(next(fixed) if c.isalpha() else c for c in word))
            corrected = True
        elif letters == word:
            out.append(check.value)
            corrected = True
        else:
            out.append(word)  # a punctuated word whose length changed: too unsure to rebuild
        if check is not None:
            doubt = min(doubt, check.doubt)
    return NameCheck("".join(out), corrected, doubt)


def _check_joined(value: str, prior: NamePrior, lines: Sequence[OcrLine]) -> NameCheck | None:
    """A multi-word surname checked as the Census lists it, in one word ("Del Rlo" as DELRLO): its
    short words are too short to check alone. Only a same-length correction is used, rebuilt between
    the reading's spaces and punctuation; None when the joined check changes nothing."""
    words = [re.sub(r"[^A-Za-z]", "", w) for w in value.split()]
    letters = "".join(words)
    evidence = [token_evidence(w, lines) if w else () for w in words]
    chars = None if any(e is None for e in evidence) else tuple(c for e in evidence for c in e or ())
    check = check_token(letters, prior, chars)
    if not check.corrected or len(check.value) != len(letters):
        return None
    fixed = iter(check.value)
    return NameCheck("".join(next(fixed) if c.isalpha() else c for c in value), True, check.doubt)


def likelier_swapped(first: str, last: str, given: NamePrior, surnames: NamePrior) -> bool:
    """True when "first last" is far likelier "last first" (a single word each): the Census priors
    must favour the swap a hundredfold, so "Lee James" and unlisted pairs keep the written order."""
    if " " in first or " " in last:
        return False
    as_written = given.probability(first) * surnames.probability(last)
    swapped = given.probability(last) * surnames.probability(first)
    return swapped > 100 * as_written
