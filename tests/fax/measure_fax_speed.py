"""Seconds per fax page for OCR + extraction (not a test: timings are reported, never asserted).

Run: uv run python tests/fax/measure_fax_speed.py [n_faxes]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from field_maker import make_fields

from orchestration.generator.fax_render import FAX_LAYOUTS, render_fax
from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_ocr import ocr_pages
from orchestration.ingest.fax_recognise import recogniser


def main(n: int) -> None:
    recogniser()  # model loading is a one-off per process; exclude it from the per-page figure
    timings: list[tuple[float, int, str]] = []
    cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            fine = i % 2 == 1
            path = Path(tmp) / f"fax_{i}{'.pdf' if i % 3 else '.tif'}"
            render_fax(make_fields(300 + i, path.name), i % FAX_LAYOUTS, path, seed=300 + i, fine=fine)
            start, cpu_start = time.perf_counter(), time.process_time()
            pages = ocr_pages(path)
            extract_fax_fields(pages, path.name)
            timings.append((time.perf_counter() - start, len(pages), "fine" if fine else "standard"))
            cpu += time.process_time() - cpu_start
    for mode in ("standard", "fine"):
        secs = sum(t for t, _, m in timings if m == mode)
        pages = sum(p for _, p, m in timings if m == mode)
        if pages:
            print(f"{mode:<8} {pages:3d} pages  {secs / pages:5.2f} s/page")
    total = sum(t for t, _, _ in timings) / sum(p for _, p, _ in timings)
    n_pages = sum(p for _, p, _ in timings)
    print(f"all      {n_pages:3d} pages  {total:5.2f} s/page wall, {cpu / n_pages:5.2f} s/page CPU")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
