"""Render and OCR a fax corpus once, then score extraction on the cached pages (not a test: by hand).

    uv run python tests/fax/corpus_cache.py ocr dev 300000 60        # render + OCR, pickled per fax
    uv run python tests/fax/corpus_cache.py score dev 300000 60 [--json OUT] [--misses]

Kinds: prod (production layouts), extra (the test-only layouts: blind samples only), dev
(tests/fax/dev_layouts.py with dev_fields' wider name pool), dev8 (dev_layouts_s8.py, same pool).
The cycle of layouts, formats and resolutions is build_corpus's, so a cached corpus scores as the
slow tests would. Pages are cached under $FAX_CORPUS_CACHE (default /tmp/fax_corpus): extraction
then re-runs in seconds. Rates and file names are printed; `--misses` also prints the misses'
values (synthetic names: scratch only).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import time
from collections.abc import Callable
from pathlib import Path

from dev_layouts import DEV_LAYOUTS, dev_fields
from dev_layouts_s8 import DEV_LAYOUTS_S8
from extra_layouts import EXTRA_LAYOUTS
from fax_corpus import PAYER_ALIASES, Case, expected, field_accuracy, is_hit
from field_maker import make_fields

from orchestration.fax_fields import FaxFields
from orchestration.generator.fax_render import FAX_LAYOUTS, render_fax, render_with
from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_ocr import OcrPage, ocr_pages

CACHE = Path(os.environ.get("FAX_CORPUS_CACHE", "/tmp/fax_corpus"))


def kind_of(kind: str) -> tuple[list, Callable[[int, str], FaxFields]]:  # type: ignore[type-arg]
    if kind == "prod":
        return list(range(FAX_LAYOUTS)), make_fields
    if kind == "extra":
        return list(EXTRA_LAYOUTS), make_fields
    if kind == "dev":
        return list(DEV_LAYOUTS), dev_fields
    if kind == "dev8":
        return list(DEV_LAYOUTS_S8), dev_fields
    raise ValueError(kind)


def corpus(kind: str, seed0: int, n: int) -> list[tuple[int, Path, FaxFields, object, bool]]:
    """(seed, path, truth, layout, fine) per fax, in build_corpus's cycle."""
    layouts, fields = kind_of(kind)
    out = []
    for i in range(n):
        seed = seed0 + i
        ext = ".pdf" if (i // len(layouts)) % 2 else ".tif"
        fine = (i // (2 * len(layouts))) % 2 == 1
        path = CACHE / f"{kind}_{seed0}" / f"fax_{seed}{ext}"
        out.append((seed, path, fields(seed, path.name), layouts[i % len(layouts)], fine))
    return out


def cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ocr(kind: str, seed0: int, n: int) -> None:
    t0, pages = time.time(), 0
    for seed, path, truth, layout, fine in corpus(kind, seed0, n):
        pk = path.with_suffix(".pkl")
        if pk.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(layout, int):
            render_fax(truth, layout, path, seed, fine)
        else:
            render_with(layout, truth, path, seed, fine)
        got = ocr_pages(path)
        pages += len(got)
        pk.write_bytes(pickle.dumps(got))
    wall = time.time() - t0
    print(f"{kind}_{seed0}+{n}: {pages} pages OCR'd, {wall:.0f} s wall, {cpu_seconds():.0f} CPU-s")


def cases(kind: str, seed0: int, n: int) -> list[Case]:
    out = []
    for _, path, truth, _, _ in corpus(kind, seed0, n):
        pages: list[OcrPage] = pickle.loads(path.with_suffix(".pkl").read_bytes())
        out.append(Case(truth, extract_fax_fields(pages, path.name, payer_aliases=PAYER_ALIASES), path))
    return out


def score(kind: str, seed0: int, n: int, out: Path | None, misses: bool) -> dict[str, float]:
    got = cases(kind, seed0, n)
    acc = {f: round(a, 4) for f, a in field_accuracy(got).items()}
    if out:
        out.write_text(json.dumps({"corpus": f"{kind}_{seed0}+{n}", "faxes": n, "accuracy": acc}, indent=1))
    print(f"{kind}_{seed0}+{n}: " + " ".join(f"{f}={a:.3f}" for f, a in acc.items()))
    for c in got:
        for f in acc:
            if not is_hit(c, f):
                detail = f" {getattr(c.extraction.fields, f)!r} != {expected(c.truth, f)!r}" if misses else ""
                print(f"  miss {c.path.name} {f}{detail}")
    return acc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=("ocr", "score"))
    ap.add_argument("kind", choices=("prod", "extra", "dev", "dev8"))
    ap.add_argument("seed0", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--misses", action="store_true")
    a = ap.parse_args()
    if a.action == "ocr":
        ocr(a.kind, a.seed0, a.n)
    else:
        score(a.kind, a.seed0, a.n, a.json, a.misses)


if __name__ == "__main__":
    main()
