"""Split a patient's name the fax printed without spaces ("WHITAKERBARTHOLOMEWM") into its parts.

Boxed forms print "LAST FIRST MI" in adjacent cells; at fax resolution the gaps between the cells'
letters are no wider than the gaps inside a word, so the whole row comes back as one capitals token.
Capitals carry no case change to split at, so the split is the one the 1990 Census lists make
likeliest: P(given name) x P(surname), over every cut, with or without a trailing middle initial.
"""

from __future__ import annotations

import re

from orchestration.ingest.fax_name_prior import given_name_prior, surname_prior

MIN_PART = 2  # letters in a part ("Ng", "Bo")
MIN_RUN = 6  # shorter capitals words are a surname or a given name alone, not both glued
# A trailing letter as a middle initial: printed on about half of such forms, one letter of 26.
INITIAL = 0.5 / 26


def split_run_together(word: str, order: str = "") -> str | None:
    """ "WHITAKERBARTHOLOMEWM" -> "WHITAKER, BARTHOLOMEW M" (surname first, with a comma) or "JANE DOE"
    (given name first), as the priors make likeliest.
    `order` ("last_first" / "first_last") is what the label's format hint or the prose says, else
    both orders are weighed. None when the word is no single capitals run or no cut gives two
    Census-listed parts."""
    if not re.fullmatch(rf"[A-Z]{{{MIN_RUN},}}", word):
        return None
    given, surnames = given_name_prior(), surname_prior()
    best: tuple[float, str] | None = None
    for has_initial in (False, True):
        body, initial = (word[:-1], word[-1]) if has_initial else (word, "")
        for cut in range(MIN_PART, len(body) - MIN_PART + 1):
            head, tail = body[:cut], body[cut:]
            # Surname first ("LAST FIRST MI"); given name first only without a trailing initial (an
            # initial goes between: "JANE Q DOE" is not glued that way often enough to weigh).
            readings = [(tail, head, f"{head}, {tail}{' ' + initial if initial else ''}", True)]
            if not initial:
                readings.append((head, tail, f"{head} {tail}", False))
            for first, last, written, surname_first in readings:
                if order and (order == "last_first") != surname_first:
                    continue
                # Both parts must be names the Census knows (as a given name or a surname: Bartholomew
                # is listed only as a surname): a cut into unknown strings is no reading at all.
                if not all(given.is_listed(w) or surnames.is_listed(w) for w in (first, last)):
                    continue
                p = given.probability(first) * surnames.probability(last) * (INITIAL if initial else 1.0)
                if best is None or p > best[0]:
                    best = (p, written)
    return best[1] if best else None


def drop_glued_initial(first: str) -> str:
    """A given name in capitals with the middle-initial box's letter glued on ("BARTHOLOMEWM") loses
    it when the Census knows the name without it and not with it."""
    if not re.fullmatch(r"[A-Za-z]{4,}", first):
        return first
    given, surnames = given_name_prior(), surname_prior()
    listed = given.is_listed(first) or surnames.is_listed(first)
    shorter = first[:-1]  # (case as the caller has it: "Bartholomewm" once smart-cased)
    return shorter if not listed and (given.is_listed(shorter) or surnames.is_listed(shorter)) else first
