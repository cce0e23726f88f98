"""What a voicemail is about: a body-part / reason label, whether surgery came up, the insurance said.

Keyword regexes over the space-joined lower-case tokens. Each regex runs only when one of the words it
needs is in the transcript: every `\\b`-bounded keyword match is made of whole `\\w+` runs of the text, so
"one of these runs is present" (a set test) is a necessary condition and skipping the regex otherwise
changes no result. Most transcripts name one or two of the 13 body parts; scanning for all of them was
a third of the transcript parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Set
from dataclasses import dataclass

REASONS: tuple[tuple[str, str], ...] = (  # (regex on space-joined tokens, label); first listed wins ties
    (r"\b(acl|mcl|meniscus|kneecap|patella\w*|knees?|tka)\b", "knee"),
    (r"\b(rotator cuff|frozen shoulder|labrum|shoulders?)\b", "shoulder"),
    (r"\b((lower|low|upper|mid|middle|my) back|back (pain|injury|surgery|problems?|issues?|spasms?)|"
     r"lumbar|sciatica|herniated|bulging disc|spine|spinal)\b", "back"),
    (r"\b(neck|cervical|whiplash)\b", "neck"),
    (r"\b(hips?|tha)\b", "hip"),
    (r"\b(ankles?|achilles)\b", "ankle"),
    (r"\b(foot|feet|plantar fasciitis|heel)\b", "foot"),
    (r"\b(wrists?|hands?|carpal tunnel|thumbs?|fingers?)\b", "hand/wrist"),
    (r"\b(elbows?|tennis elbow|golfer's elbow)\b", "elbow"),
    (r"\b(balance|dizzy|dizziness|vertigo|falls?|falling)\b", "balance/dizziness"),
    (r"\b(concussion|headaches?)\b", "concussion"),
    (r"\b(pelvic floor|pelvic|incontinence)\b", "pelvic"),
    (r"\b(jaw|tmj)\b", "jaw/tmj"),
)  # fmt: skip
# Per REASONS entry, in order: every alternative of its regex contains one of these words as a whole
# \w-run; a word ending in "*" is a stem checked as a substring (alternatives ending in \w*, or whose
# run boundaries move with an optional space such as "united ?health").
_REASON_NEEDS = (
    "acl mcl meniscus kneecap knee knees tka patella*",
    "cuff shoulder shoulders labrum",
    "back lumbar sciatica herniated disc spine spinal",
    "neck cervical whiplash",
    "hip hips tha",
    "ankle ankles achilles",
    "foot feet fasciitis heel",
    "wrist wrists hand hands tunnel thumb thumbs finger fingers",
    "elbow elbows",
    "balance dizzy dizziness vertigo fall falls falling",
    "concussion headache headaches",
    "pelvic incontinence",
    "jaw tmj",
)
_SURGERY = re.compile(
    r"\b(surgery|surgeon|post op|postop|operation|replacement|repair|reconstruction|scope)\b"
)
_COMPLAINT = re.compile(
    r"\b(pain|hurts?|hurting|injur\w*|sprain\w*|tear|torn|strain\w*|surgery|therapy|rehab)\b"
)
PAYERS = re.compile(
    r"\b(blue cross(?: blue shield)?(?: of texas)?|bcbs|blue shield|aetna|cigna|united ?health ?care|uhc|"
    r"humana(?: gold)?|medicare(?: advantage)?|medicaid|tricare|kaiser|anthem|ambetter|molina|oscar|"
    r"superior(?: health ?plan)?|wellcare|champ ?va|workers'? comp(?:ensation)?|workman'?s comp|"
    r"texas mutual|self ?pay|private pay|cash|no insurance|uninsured|united)\b"
)  # fmt: skip
_INSURANCE_CONTEXT = re.compile(r"\b(insurance|insured|coverage|covered|plan|through|have)\b")
_INSURANCE_IS = re.compile(r"\binsurance (?:is|'s) ((?:\w+ ?){1,3})")
_WORD_RUN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Keywords:
    """A keyword regex and the words one of which any match of it contains (see the module doc).

    `scan` is the regex without its leading \\b: re then skips ahead to a possible first letter, where a
    leading \\b makes it try every position (about twice as slow). Every alternative starts with a letter,
    so the \\b held exactly where the character before the match is not a word character: `finditer`
    checks that and otherwise searches again one character on, which finds the same matches."""

    pattern: re.Pattern[str]
    words: frozenset[str]
    stems: tuple[str, ...]
    scan: re.Pattern[str]

    @classmethod
    def of(cls, pattern: str | re.Pattern[str], needs: str) -> Keywords:
        compiled = re.compile(pattern)
        if not compiled.pattern.startswith(r"\b("):
            raise ValueError("a keyword regex starts with \\b and a group of alternatives")
        parts = needs.split()
        return cls(
            compiled,
            frozenset(p for p in parts if not p.endswith("*")),
            tuple(p[:-1] for p in parts if p.endswith("*")),
            # A nested first group (the back regex) gives re no first letters to skip to: keep the \\b.
            compiled if compiled.pattern.startswith(r"\b((") else re.compile(compiled.pattern[2:]),
        )

    def may_match(self, runs: Set[str], text: str) -> bool:
        return not self.words.isdisjoint(runs) or any(stem in text for stem in self.stems)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """pattern.finditer(text) (the matches are never empty)."""
        if self.scan is self.pattern:
            yield from self.pattern.finditer(text)
            return
        search, pos = self.scan.search, 0
        while (found := search(text, pos)) is not None:
            start = found.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                pos = start + 1  # inside a word: no \\b here
                continue
            yield found
            pos = found.end()

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)


REASON_KEYWORDS = tuple(
    (Keywords.of(pattern, needs), label)
    for (pattern, label), needs in zip(REASONS, _REASON_NEEDS, strict=True)
)
SURGERY = Keywords.of(_SURGERY, "surgery surgeon op postop operation replacement repair reconstruction scope")
COMPLAINT = Keywords.of(
    _COMPLAINT, "pain hurt hurts hurting tear torn surgery therapy rehab injur* sprain* strain*"
)
PAYER_KEYWORDS = Keywords.of(
    PAYERS,
    "cross bcbs shield aetna cigna uhc humana medicare medicaid tricare kaiser anthem ambetter molina oscar "
    "superior wellcare workers mutual private cash insurance uninsured united* champ* workman* self*",
)


_REASON_WORDS: dict[str, list[int]] = {}
for _index, (_keywords, _) in enumerate(REASON_KEYWORDS):
    for _word in _keywords.words:
        _REASON_WORDS.setdefault(_word, []).append(_index)
_REASON_WORD_SET = frozenset(_REASON_WORDS)
_REASON_STEMS = tuple((stem, i) for i, (k, _) in enumerate(REASON_KEYWORDS) for stem in k.stems)


def _reason_candidates(runs: Set[str], text: str) -> list[int]:
    """Indices (in REASONS order) of the reason keywords whose needed words are present: one set
    intersection instead of a test per reason."""
    found: set[int] = set()
    for word in _REASON_WORD_SET.intersection(runs):
        found.update(_REASON_WORDS[word])
    for stem, index in _REASON_STEMS:
        if stem in text:
            found.add(index)
    return sorted(found)


def word_runs(text: str) -> set[str]:
    """The text's maximal \\w runs: what `\\b`-bounded keywords are made of."""
    return set(_WORD_RUN.findall(text))


def reason_in(text: str, runs: Set[str]) -> tuple[str | None, bool, float]:
    """`extract_reason` with the text's `word_runs` already computed."""
    matched = []  # (the rest of its matches, first start, label) of each reason found
    for index in _reason_candidates(runs, text):
        keywords, label = REASON_KEYWORDS[index]
        found = keywords.finditer(text)
        first = next(found, None)
        if first is not None:
            matched.append((found, first.start(), label))
    post_op = SURGERY.may_match(runs, text) and SURGERY.search(text) is not None
    if not matched:
        return ("post-surgery", True, 0.6) if post_op else (None, False, 0.0)
    if len(matched) == 1:  # the usual case: no need to count
        reason = matched[0][2]
    else:
        reason = min((-1 - sum(1 for _ in found), start, label) for found, start, label in matched)[2]
    complaint = COMPLAINT.may_match(runs, text) and COMPLAINT.search(text) is not None
    return reason, post_op, 0.9 if complaint else 0.7


def extract_reason(text: str) -> tuple[str | None, bool, float]:
    """Body part / reason label (the most mentioned; the earliest on a tie), whether surgery was
    mentioned, and a confidence."""
    return reason_in(text, word_runs(text))


def insurance_in(text: str, runs: Set[str]) -> tuple[str | None, float]:
    """`extract_insurance` with the text's `word_runs` already computed."""
    if PAYER_KEYWORDS.may_match(runs, text):
        for m in PAYER_KEYWORDS.finditer(text):
            said = m.group(1)
            context = _INSURANCE_CONTEXT.search(text[max(0, m.start() - 40) : m.end() + 40])
            if said in ("united", "cash") and not context:
                continue  # too common a word without insurance talk around it
            return said, 0.85 if context else 0.7
    if "insurance" in runs:
        m = _INSURANCE_IS.search(text)
        if m:
            return m.group(1).strip(), 0.4
    return None, 0.0


def extract_insurance(text: str) -> tuple[str | None, float]:
    """The insurance as said (free text; the pipeline maps aliases to payers) and a confidence."""
    return insurance_in(text, word_runs(text))
