"""Field access on HL7 v2 segments split with the standard delimiters (|^~\\&): the rules of
hl7v2_segments.Segment.get inlined for the columnar path (hl7v2_columns), which checks the delimiters."""

from __future__ import annotations

from orchestration.ingest.hl7v2_segments import Encoding, unescape

STD = Encoding()


def get(f: list[str], n: int, comp: int = 1, sub: int = 1) -> str | None:
    """Segment.get(n, comp, sub) for the standard delimiters, first repetition (same rules, inlined)."""
    if n >= len(f):
        return None
    v = f[n]
    if not v:
        return None
    if "~" in v:
        v = v.split("~", 1)[0]
    if "^" in v:
        parts = v.split("^")
        if comp > len(parts):
            return None
        v = parts[comp - 1]
    elif comp != 1:
        return None
    if "&" in v:
        parts = v.split("&")
        if sub > len(parts):
            return None
        v = parts[sub - 1]
    elif sub != 1:
        return None
    v = v.strip()
    if not v or v == '""':
        return None
    return unescape(v, STD) if "\\" in v else v


def field_text(f: list[str], n: int) -> str:
    return f[n] if n < len(f) else ""


def component_text(field: str, comp: int) -> str:
    """The raw text of component `comp` of a field's first repetition, for a times() key whose value
    get([text], 0) then reads as Segment.get(n, comp) does (sub-component 1, strip, unescape)."""
    rep = field.split("~", 1)[0] if "~" in field else field
    if "^" not in rep:
        return rep if comp == 1 else ""
    parts = rep.split("^")
    return parts[comp - 1] if comp <= len(parts) else ""


def components(f: list[str], n: int) -> list[str]:
    """Field n's first repetition split into components (raw text), for several `pick`s of one field."""
    if n >= len(f) or not f[n]:
        return []
    v = f[n]
    if "~" in v:
        v = v.split("~", 1)[0]
    return v.split("^")


def pick(parts: list[str], comp: int = 1, sub: int = 1) -> str | None:
    """get(f, n, comp, sub) on components(f, n): the same rules, the field split once."""
    if comp > len(parts):
        return None
    v = parts[comp - 1]
    if "&" in v:
        subs = v.split("&")
        if sub > len(subs):
            return None
        v = subs[sub - 1]
    elif sub != 1:
        return None
    v = v.strip()
    if not v or v == '""':
        return None
    return unescape(v, STD) if "\\" in v else v
