"""Normalisers for values read off referral faxes: dates, phones, ICD-10-CM codes, therapy orders, names.

Each takes OCR text (possibly with dropped spaces and letter/digit confusions) and returns the canonical
form used by `FaxFields`, or None when the text does not hold a valid value.

Orders normalise to "<n>x/week x <m> weeks". A frequency range ("2-3 times a week") takes its upper
bound: the ordering physician authorised up to that many visits, and visit planning uses the maximum.
"""

from __future__ import annotations

import re
from datetime import date

from rapidfuzz import fuzz, process

from orchestration.ingest.fax_orders import normalise_orders  # noqa: F401 (re-exported: its old home)

MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8"})

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4}|\d{2})(?!\d)")
# MM DD YYYY in boxes of their own (claim forms): gaps or the boxes' borders read as | [ ] between.
# One of the two gaps may close up ("0524 1975"), never both: eight digits in a row are no date.
_BOXED_DATE = re.compile(
    r"(?<![\d/.-])(\d{2})(?:[\s|\[\]I]+(\d{2})[\s|\[\]I]*|(\d{2})[\s|\[\]I]+)((?:19|20)\d{2})(?![\d/.-])"
)
# Year first: "1983-02-20", "1983-02.20" (a misread -), "1983/02/20".
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.I)  # "April 3rd, 1961", "3rd April 1961"
_MONTH_FIRST = re.compile(r"\b([A-Za-z0][A-Za-z01!|]{2,8})[\s.,]*(\d{1,2})[\s.,;:'’]+(\d{4})(?!\d)")
# Day first: "12-Mar-2020", "3 April 1961", "4th of July 1976" (the ordinal blanked first).
_DAY_FIRST = re.compile(
    r"(?<!\d)(\d{1,2})\s*-?\s*(?:of\s+)?([A-Za-z0][A-Za-z01!|]{2,8})[\s-]?,?\s*(\d{4})(?!\d)"
)


_MONTH_FIX = str.maketrans({"1": "l", "!": "l", "|": "l", "0": "o"})  # "Ju1", "Ju!" are July


_MONTH_NAMES = {
    name: i
    for i, name in enumerate(
        (
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
        ),
        start=1,
    )
}


def _month(token: str) -> int | None:
    """Month number of a month name or abbreviation, tolerating one misread letter ("Scp", "0ct")."""
    word = token.lower().translate(_MONTH_FIX).rstrip(".")
    if word[:3] not in MONTHS and word.replace("i", "l")[:3] in MONTHS:
        word = word.replace("i", "l")  # "Jui": an l read as i is July, not the nearer-looking June
    if word[:3] in MONTHS and (len(word) == 3 or any(n.startswith(word) for n in _MONTH_NAMES)):
        return MONTHS[word[:3]]
    choices = list(MONTHS) if len(word) <= 4 else list(_MONTH_NAMES)
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=66)
    if best is None:
        return None
    return MONTHS[best[0]] if len(word) <= 4 else _MONTH_NAMES[best[0]]


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, *, pivot_year: int = 2030) -> list[tuple[date, int]]:
    """All dates in text with their start offsets; two-digit years below the pivot are 20xx."""
    found: list[tuple[date, int]] = []
    text = _ORDINAL.sub(lambda m: " " * len(m[0]), text)  # spaces keep the offsets
    for m in _ISO_DATE.finditer(text):
        if d := _make_date(int(m[1]), int(m[2]), int(m[3])):
            found.append((d, m.start()))
    for m in _NUMERIC_DATE.finditer(text):
        year = int(m[3])
        if len(m[3]) == 2:
            year += 2000 if 2000 + year <= pivot_year else 1900
        if d := _make_date(year, int(m[1]), int(m[2])):
            found.append((d, m.start()))
    for rx, mon_i, day_i in ((_MONTH_FIRST, 1, 2), (_DAY_FIRST, 2, 1)):
        for m in rx.finditer(text):
            month = _month(m[mon_i])
            if month and (d := _make_date(int(m[3]), month, int(m[day_i]))):
                found.append((d, m.start()))
    if not found:
        boxed = (
            (_make_date(int(m[4]), int(m[1]), int(m[2] or m[3])), m.start())
            for m in _BOXED_DATE.finditer(text)
        )
        found = [(d, at) for d, at in boxed if d is not None]
    if not found and (cleaned := _STRAY_BEFORE_DAY.sub("", text)) != text:
        return find_dates(cleaned, pivot_year=pivot_year)
    if not found and (cleaned := _LETTER_AFTER_YEAR.sub(" ", text)) != text:
        return find_dates(cleaned, pivot_year=pivot_year)
    if not found and (cleaned := _LETTER_FOR_ONE.sub("1", text)) != text:
        return find_dates(cleaned, pivot_year=pivot_year)
    return sorted(found, key=lambda item: item[1])


# A box border read as "[", "|", "l" or "1" glued before a day: "120-Jul-1949" is 20-Jul-1949.
# Only at the start of a value, and a "1" only before a day-month-name date, so that an invalid
# date such as 13/14/1962 is never "repaired" into another one.
# A "1" before a two-digit month is a border too ("103-28-1955"): no month or day has three digits.
_STRAY_BEFORE_DAY = re.compile(
    r"^\s*(?:[\[|l](?=\d)|1(?=\d{2}-[A-Za-z])|1(?=\d{2}[/.-]\d{1,2}[/.-]\d{2,4}\b))"
)


# The next word glued to a year, its capital read as a digit: "02/28/19571Iome phone" is 1957 + "Home".
_LETTER_AFTER_YEAR = re.compile(r"(?<=[/.-]\d{4})\d(?=[A-Za-z])")


# A 1 read as l, I or | beside a digit: "May 2l, 2025".
_LETTER_FOR_ONE = re.compile(r"(?<=\d)[lI|]|[lI|](?=\d)")


def normalise_date(text: str) -> str | None:
    """First date in text, ISO formatted."""
    dates = find_dates(text)
    return dates[0][0].isoformat() if dates else None


# Between the groups a misread dot or space may come out as ":" (".512: 707 4753").
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]{0,2})?\(?(\d{3})\)?[\s.:-]{0,2}(\d{3})[\s.:-]{0,2}(\d{4})(?!\d)")


def find_phones(text: str) -> list[tuple[str, int]]:
    """Ten-digit NANP numbers in text (area code and exchange cannot start with 0 or 1)."""
    out = []
    for m in _PHONE.finditer(text):
        digits = m[1] + m[2] + m[3]
        if digits[0] in "01" or digits[3] in "01":
            continue
        out.append((digits, m.start()))
    return out


def normalise_phone(text: str) -> str | None:
    phones = find_phones(text)
    return phones[0][0] if phones else None


# OCR reads 1 as l/i/I/|, 0 as O, 5 as S and drops or blurs the dot: the token pattern allows these.
_ICD_TOKEN = re.compile(
    # A dotted code glued to the next word, as OCR does: "M17.11Primary" ...
    r"(?<![A-Za-z0-9])([A-TV-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4})(?=[A-Z][a-z])"
    # ... or a dotted code with a space misread after its second character: "M5 1.16" ...
    r"|(?<![A-Za-z0-9])([A-TV-Z][0-9]\s[0-9]\.[0-9A-Z]{1,4})(?![A-Za-z0-9])"
    # ... or the same slip in an undotted code: "M1 711" ...
    r"|(?<![A-Za-z0-9])([A-TV-Z][0-9]\s[0-9][0-9A-Z]{1,4})(?![A-Za-z0-9.])"
    # ... else a code standing alone, dot optional.
    r"|(?<![A-Za-z0-9])([A-TV-Za-tv-z][0-9OoIil|][0-9A-Za-z|](?:(?:\.|\s(?=\d))?[0-9A-Za-z|]{1,4})?)(?![A-Za-z0-9])"
)
_TO_DIGIT = {"O": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}


def _icd_candidates(raw: str) -> list[str]:
    """The code as read, then with look-alike letters turned into digits (never the first letter
    or a trailing 7th-character extension)."""
    out = [raw]
    keep_last = len(raw) == 7 and raw[-1].isalpha()
    positions = [i for i, ch in enumerate(raw) if i > 0 and ch in _TO_DIGIT and not (keep_last and i == 6)]
    for mask in range(1, 2 ** min(len(positions), 4)):
        chars = list(raw)
        for bit, pos in enumerate(positions[:4]):
            if mask >> bit & 1:
                chars[pos] = _TO_DIGIT[chars[pos]]
        out.append("".join(chars))
    return out


def normalise_icd10(token: str) -> str | None:
    """A valid ICD-10-CM code in dotted form, accepting codes written without the dot."""
    # Imported here: the package parses the whole code set at import (~3 s), which every process
    # that merely imports the ingest assets (Dagster, CLI, tests) would otherwise pay.
    import simple_icd_10_cm as icd

    raw = token.strip().upper().replace(" ", "").replace(".", "")
    # A code always holds a real digit; without one, a word like "oil" could be repaired into a code.
    if not 3 <= len(raw) <= 7 or not raw[0].isalpha() or not any(c.isdigit() for c in raw):
        return None
    for cand in _icd_candidates(raw):
        code = cand if len(cand) == 3 else f"{cand[:3]}.{cand[3:]}"
        if icd.is_valid_item(code):
            return code
    return None


# A code's dot read as a comma or semicolon ("S83,511A"), or the border of the box its rest is printed
# in ("Z96]651"): rejoined only when the whole is a valid code.
_SPLIT_DOT = re.compile(r"(?<![A-Za-z0-9])([A-TV-Z]\d[0-9A-Z])[,;|\[\]]([0-9X][0-9A-Z]{0,3})(?![A-Za-z0-9])")


_GAP_IN_REST = re.compile(
    r"(?<![A-Za-z0-9])([A-TV-Z]\d[0-9A-Z]\.?[0-9A-Z]{1,3}) ([0-9A-Z]{1,3})(?![A-Za-z0-9])"
)


def find_icd10(text: str) -> list[str]:
    codes: list[str] = []
    # The dot read as ":" ("M76:60") or with a space beside it ("M75. 101").
    text = re.sub(r"(?<=\b[A-TV-Z]\d[0-9A-Z])(?:\s?[.:]\s|\s[.:]|:)(?=[0-9A-Z])", ".", text)
    text = _SPLIT_DOT.sub(lambda m: f"{m[1]}.{m[2]}" if normalise_icd10(m[1] + m[2]) else m[0], text)
    # A gap inside the code's rest ("S4220 1A" for S42.201A): joined when the whole is a longer valid code.
    text = _GAP_IN_REST.sub(lambda m: m[1] + m[2] if normalise_icd10(m[1] + m[2]) else m[0], text)
    for m in _ICD_TOKEN.finditer(text):
        code = normalise_icd10(m[1] or m[2] or m[3] or m[4])
        if code and code not in codes:
            codes.append(code)
    return codes


TITLES = {"mr", "mrs", "ms", "miss", "dr", "mx"}
CREDENTIALS = {"md", "do", "m.d", "d.o", "pa-c", "pa", "np", "dpt", "fnp", "aprn", "dc", "facs", "phd"}
_PARTICLES = {"de", "la", "del", "van", "von", "der", "da", "di", "st", "st.", "le", "du", "mac", "mc"}


# A capital after a single small letter: no two-letter name part but these prefixes is glued on.
_INNER_CAPITAL = re.compile(r"([A-Z][a-z])[A-Z][A-Za-z]+")
_GLUED_PREFIXES = {"de", "di", "da", "du", "la", "le", "mc"}


def smart_case(word: str) -> str:
    """Restore the case of a name read in capitals: O'NEILL -> O'Neill, MCDONALD -> McDonald."""
    letters = [c for c in word if c.isalpha()]
    mostly_caps = len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.75 * len(letters)
    if not word.isupper() and not word.islower() and not mostly_caps:  # "HANNaH" is a misread HANNAH
        # A hyphenated name's parts are each capitalised: "Smith-jones" lost the capital J.
        word = re.sub(r"(?<=[A-Za-z]-)[a-z](?=[a-z]{2})", lambda m: m[0].upper(), word)
        m = _INNER_CAPITAL.fullmatch(word)
        if m and m[1].lower() not in _GLUED_PREFIXES:
            # "ReYes", "JoHnSon": small letters read as capitals (DeShawn, LaToya, DeLaCruz stay)
            return word.capitalize()
        # After O' and D' a name goes on with a capital: "O'neill" lost its N to the fax.
        return re.sub(r"^([OD]['’])([a-z])", lambda m: m[1] + m[2].upper(), word)
    parts = re.split(r"([-'’])", word.lower())
    out = []
    for part in parts:
        if part.startswith("mc") and len(part) > 3:
            out.append("Mc" + part[2:].capitalize())
        else:
            out.append(part.capitalize())
    return "".join(out)


def split_glued(text: str) -> str:
    """Re-insert spaces OCR dropped: 'JohnA.Smith' -> 'John A. Smith', 'Smith,John' -> 'Smith, John'.
    A case change splits words except after a glued name prefix, so McDonald, LaFleur and DeAngelo
    survive (but 'VanBuren' is 'Van Buren')."""
    text = re.sub(r"(?<=[,.:])(?=[A-Za-z])", " ", text)
    # Mark splits (to tell them from real spaces); two lowercase letters first, so "HANNaH" stays whole.
    text = re.sub(r"(?<=[a-z]{2})(?=[A-Z])", "\0", text)
    # Van/Von stand apart in most US surnames ("Van Buren", "Von Braun"): a lost space is put back.
    text = re.sub(r"\b(Mc|Mac|La|Le|De|Di|Da|Du|O'|D')\0", r"\1", text)
    text = re.sub(r"\s+", " ", text.replace("\0", " ")).strip()
    return re.sub(r"\bSt(?=[A-Z][a-z])", "St. ", text)  # "StClair": St. stands apart, its dot lost


# A credential after its comma and space, or glued on when the fax lost both ("ChenMD").
_CRED_SUFFIX = re.compile(
    r"(?:,?\s*\b|(?<=[a-z]))(?:M\.?\s?D|D\.?\s?[O0]|PA-C|NP|DPT|FNP|APRN|Ph\.?D)\.?\s*$"
)


def _fix_name_ocr(text: str) -> str:
    """Undo the recogniser's I/l/i confusions in names: a lowercase l inside an all-caps word is an I
    ("CLAlR"), and no name has three l's in a row ("O'Nelll": the i lost its dot)."""

    def fix(m: re.Match[str]) -> str:
        word = m[0]
        others = word.replace("l", "")
        if "l" in word and len(others) >= 2 and others.isupper():
            word = word.replace("l", "I")
        return word.replace("lll", "ill")

    text = re.sub(r"(?<=[A-Za-z])[!\]]", "l", text)  # "Pau!", "Pau]": names have no "!"; an l's foot
    text = re.sub(r"(?<![A-Za-z0-9])0(?=['’]?[A-Za-z]{2})", "O", text)  # "0'Brien": a name has no 0
    return re.sub(r"[A-Za-z]+", fix, text)


def _clean_tokens(text: str) -> list[str]:
    # "St" keeps its dot; a colon or comma after it is the dot misread ("ST: CLAIR").
    # A speck read as a quote before or after a word ("ST. CLAIR, 'TOMAS") is no part of the name.
    words = [t.strip("'’`\"") for t in text.split()]
    tokens = [t.strip(" .;:") if t.lower().strip(".:;,") != "st" else t[:2] + "." for t in words]
    out = []
    for t in tokens:
        bare = t.lower().strip(".,")
        if not bare or bare in TITLES or bare in CREDENTIALS:
            continue
        out.append(t.strip(","))
    return out


def _is_initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1 and token[0].isalpha()


_CAMEL = re.compile(r"(?:[A-Z][a-z'’]+)+")  # "Smith", "McDonald", "O'Neill", glued "JohnSmith"


def _read_from_capitals(text: str) -> bool:
    """A name written in capitals whose small-looking letters the recogniser read as lower case
    ("joHNSON, TomaS", "KowaLlsKl, ETHan"): mostly capitals, or a word in no writing case at all."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 6 and sum(c.isupper() for c in letters) >= 0.6 * len(letters):
        return True
    words = re.findall(r"[A-Za-z'’]+", text)
    return any(not (w.isupper() or w.islower() or _CAMEL.fullmatch(w)) for w in words if len(w) >= 3)


def recase_same_shape(text: str) -> str:
    """Capitalise a word whose first letter looks the same in both cases (c o s v w x z) and was read
    small before more small letters: "weiBrown" is "WeiBrown" (a capital W read as w, a space lost)."""
    # Not after a lone capital: "Hernandez-L opez" is one word a gap split ("L opez" is rejoined later).
    return re.sub(r"(?<![A-Za-z'’])(?<![A-Z] )[cosvwxz](?=[a-z]{2})", lambda m: m[0].upper(), text)


def split_person_name(text: str) -> tuple[str, str] | None:
    """(first, last) from 'Last, First M.' or 'First M. Last'; titles and credentials dropped."""
    # A speck or bracket after the name ("KevinAbbottMD)") is no part of it.
    text = recase_same_shape(_CRED_SUFFIX.sub("", text.strip(" .,;:-)]}|")))
    text = re.sub(r"^[\[|Ili](?=[A-Z][a-z])", "", text)  # a box border read as I: "IWei McDonald"
    text = re.sub(r"^((?i:dr|mrs|mr|ms))\s*[,;]\s*", r"\1. ", text)  # a title's dot read as a comma
    if _read_from_capitals(text):
        text = text.upper()  # a capitals name with misread small letters: "OKaFOR, maRY"
    text = split_glued(_fix_name_ocr(text.strip(" .,;:-")))
    text = re.sub(r"-([A-Z]) ([a-z]{2,})\b", r"-\1\2", text)  # no hyphenated part is one letter
    # An initial is written "A." or stands before a capital: "A nita" is one word split by a gap.
    text = re.sub(r"(?<![A-Za-z'’.])([A-Z]) ([a-z]{2,})\b", r"\1\2", text)
    if "," in text:
        last_part, _, first_part = text.partition(",")
        # "Jane Smith, MD": the part after the comma is only a credential.
        if not _clean_tokens(first_part):
            text, last_part = last_part, ""
    if "," in text and last_part:
        last_tokens = _clean_tokens(last_part)
        first_tokens = [t for t in _clean_tokens(first_part) if not _is_initial(t)]
        if not last_tokens or not first_tokens:
            return None
        first, last = first_tokens[0], " ".join(last_tokens)
    else:
        tokens = [t for t in _clean_tokens(text) if not _is_initial(t)]
        if len(tokens) < 2:
            return None
        first, last = tokens[0], " ".join(tokens[1:])
    words = f"{first} {last}".split()
    if not 2 <= len(words) <= 4 or not all(re.fullmatch(r"[A-Za-z][A-Za-z'’.-]*", w) for w in words):
        return None
    return smart_case(first), " ".join(
        smart_case(w) if w.lower() not in _PARTICLES else w.capitalize() for w in last.split()
    )
