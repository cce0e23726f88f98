"""Seconds per fax page: per stage (decode, deskew, clean, text boxes, recognition, extraction) and the
whole production path (`load_fax_images` + `ocr_images` + `extract_fax_fields`), wall and CPU time.

CPU time (this process, all threads, and children via getrusage) is reported beside wall time: the
2-core machine is shared and wall time moves with other people's load (the load average is recorded).
Model, name-list and ICD code-set loading are one-offs per process, timed apart as `startup_s`.

uv run python benchmarks/fax_ocr_speed.py [--faxes 12] [--layouts production|unseen|both] [--tag NAME]
    [--out PATH]
Writes benchmarks/results/fax-<date>[-tag].json, or PATH (a scratch run kept out of the results).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from orchestration.generator.fax_render import FAX_LAYOUTS, render_fax, render_with
from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_name_prior import given_name_prior, surname_prior
from orchestration.ingest.fax_normalise import normalise_icd10
from orchestration.ingest.fax_ocr import (
    OcrPage,
    clean_page,
    deskew,
    find_phrases,
    load_fax_images,
    ocr_images,
    reading_order,
    recognise,
)
from orchestration.ingest.fax_recognise import recogniser
from orchestration.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "fax"))  # the test corpus' truth maker and extra layouts
from extra_layouts import EXTRA_LAYOUTS
from field_maker import make_fields

RESULTS = REPO_ROOT / "benchmarks" / "results"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Clock:
    """Accumulates wall and CPU seconds per named stage."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def run(self, stage: str, fn, *args):  # type: ignore[no-untyped-def]
        w0, c0 = time.perf_counter(), _cpu()
        out = fn(*args)
        self.wall[stage] += time.perf_counter() - w0
        self.cpu[stage] += _cpu() - c0
        return out


def render_corpus(folder: Path, n: int, which: str) -> list[tuple[Path, bool]]:
    layouts: list = []
    if which in ("production", "both"):
        layouts += list(range(FAX_LAYOUTS))
    if which in ("unseen", "both"):
        layouts += list(EXTRA_LAYOUTS)
    out = []
    for i in range(n):
        fine = (i // len(layouts)) % 2 == 1
        path = folder / f"fax_{500 + i}{'.pdf' if i % 2 else '.tif'}"
        layout = layouts[i % len(layouts)]
        fields = make_fields(500 + i, path.name)
        if isinstance(layout, int):
            render_fax(fields, layout, path, 500 + i, fine)
        else:
            render_with(layout, fields, path, 500 + i, fine)
        out.append((path, fine))
    return out


def stage_pass(corpus: list[tuple[Path, bool]]) -> tuple[Clock, int, int]:
    """The steps of `ocr_images`, one by one, so each can be timed."""
    clock, pages, boxes = Clock(), 0, 0
    for path, _ in corpus:
        images = clock.run("decode", load_fax_images, path)
        ocr = []
        for i, gray in enumerate(images, start=1):
            angle, straight = clock.run("deskew", deskew, gray)
            clean = clock.run("clean", clean_page, straight)
            found, borders = clock.run("text_boxes", find_phrases, clean)
            # With the page before clean-up, as ocr_images does: doubtful crops are read again.
            lines = clock.run("recognition", recognise, clean, found, i, borders, straight)
            ocr.append(OcrPage(i, clean.shape[1], clean.shape[0], angle, path.name, reading_order(lines)))
            boxes += len(found)
        pages += len(images)
        clock.run("extraction", extract_fax_fields, ocr, path.name)
    return clock, pages, boxes


def whole_pass(corpus: list[tuple[Path, bool]]) -> dict[str, dict[str, float]]:
    """The production path per fax, split by fax resolution."""
    acc: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path, fine in corpus:
        w0, c0 = time.perf_counter(), _cpu()
        pages = ocr_images(load_fax_images(path), path.name)
        extract_fax_fields(pages, path.name)
        for key in ("fine" if fine else "standard", "all"):
            acc[key]["wall"] += time.perf_counter() - w0
            acc[key]["cpu"] += _cpu() - c0
            acc[key]["pages"] += len(pages)
    return {
        k: {
            "pages": int(v["pages"]),
            "wall_s_per_page": round(v["wall"] / v["pages"], 3),
            "cpu_s_per_page": round(v["cpu"] / v["pages"], 3),
        }
        for k, v in acc.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faxes", type=int, default=12)
    ap.add_argument("--layouts", choices=("production", "unseen", "both"), default="both")
    ap.add_argument("--tag", default="")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    load_before = os.getloadavg()
    w0, c0 = time.perf_counter(), _cpu()
    recogniser()
    surname_prior()
    given_name_prior()
    normalise_icd10("M17.11")  # the ICD-10-CM code set loads on first use (~2 s): a one-off too
    startup = {"wall_s": round(time.perf_counter() - w0, 3), "cpu_s": round(_cpu() - c0, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = render_corpus(Path(tmp), args.faxes, args.layouts)
        clock, pages, boxes = stage_pass(corpus)
        whole = whole_pass(corpus)
    stages = {
        k: {
            "wall_s_per_page": round(clock.wall[k] / pages, 4),
            "cpu_s_per_page": round(clock.cpu[k] / pages, 4),
        }
        for k in clock.wall
    }
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    result = {
        "benchmark": "fax_ocr_speed",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "faxes": args.faxes,
        "layouts": args.layouts,
        "pages": pages,
        "text_boxes_per_page": round(boxes / pages, 1),
        "startup": startup,
        "stages": stages,
        "whole_path": whole,
        "target_s_per_page": 2.0,
    }
    day = datetime.now(UTC).date().isoformat()
    out = args.out or RESULTS / f"fax-{day}{'-' + args.tag if args.tag else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
