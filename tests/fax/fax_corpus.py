"""Render a corpus of faxes with known truth, OCR and extract each, and score fields against truth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from field_maker import make_fields

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import LayoutFn, render_fax, render_with
from orchestration.ingest.fax_extract import FaxExtraction, extract_fax_fields
from orchestration.ingest.fax_ocr import ocr_pages
from orchestration.ingest.fax_payers import canonical_payer, load_payer_aliases
from orchestration.settings import REPO_ROOT

STRICT_FIELDS = ("first_name", "last_name", "dob", "phone", "referring_npi", "diagnosis_codes")
OTHER_FIELDS = ("zip", "referring_name", "payer", "member_id", "post_op", "surgery_date", "orders")
STRICT_MIN, OTHER_MIN = 0.97, 0.93
PAYER_ALIASES = load_payer_aliases(REPO_ROOT / "config" / "payers.yaml")


@dataclass
class Case:
    truth: FaxFields
    extraction: FaxExtraction
    path: Path


def build_corpus(out_dir: Path, n: int, seed0: int, layouts: Sequence[int | LayoutFn]) -> list[Case]:
    """n faxes cycling through layouts, alternating TIFF/PDF and standard/fine resolution."""
    cases = []
    for i in range(n):
        seed = seed0 + i
        layout = layouts[i % len(layouts)]
        ext = ".pdf" if (i // len(layouts)) % 2 else ".tif"
        fine = (i // (2 * len(layouts))) % 2 == 1
        path = out_dir / f"fax_{seed}{ext}"
        truth = make_fields(seed, path.name)
        if isinstance(layout, int):
            render_fax(truth, layout, path, seed, fine)
        else:
            render_with(layout, truth, path, seed, fine)
        extraction = extract_fax_fields(ocr_pages(path), path.name, payer_aliases=PAYER_ALIASES)
        cases.append(Case(truth, extraction, path))
    return cases


def expected(truth: FaxFields, field: str) -> object:
    """The truth value extraction must return: payers come back as their canonical name."""
    value = getattr(truth, field)
    if field == "payer" and value:
        known = canonical_payer(value, PAYER_ALIASES)
        return known[0] if known else value
    return value


def is_hit(case: Case, field: str) -> bool:
    return getattr(case.extraction.fields, field) == expected(case.truth, field)


def field_accuracy(cases: list[Case]) -> dict[str, float]:
    return {f: sum(is_hit(c, f) for c in cases) / len(cases) for f in STRICT_FIELDS + OTHER_FIELDS}


def report(cases: list[Case], title: str, echo: Callable[[str], None] = print) -> dict[str, float]:
    """Print a per-field accuracy table (field names and rates only: values look like PHI)."""
    acc = field_accuracy(cases)
    echo(f"\n{title}: {len(cases)} faxes")
    for f, a in acc.items():
        need = STRICT_MIN if f in STRICT_FIELDS else OTHER_MIN
        echo(f"  {f:<16} {a:6.1%}  (min {need:.0%}){'' if a >= need else '  BELOW'}")
    misses = [f"{c.path.name}:{f}" for c in cases for f in acc if not is_hit(c, f)]
    echo(f"  misses: {', '.join(misses) or 'none'}")
    return acc


def below_threshold(acc: dict[str, float]) -> list[str]:
    return [f for f, a in acc.items() if a < (STRICT_MIN if f in STRICT_FIELDS else OTHER_MIN)]
