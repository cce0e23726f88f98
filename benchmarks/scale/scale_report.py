"""SCALE.md and the log-log plots from the newest `benchmarks/results/<date>-<size>.json` of each size."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"
_RESULT_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(\d+)\.json$")
PIPELINE_KEYS = ("ingest", "dbt_full", "train", "score", "dbt_scored", "actions", "publish")
STEP_LABELS = {
    "generate": "generate",
    "floor": "floor (DuckDB reads the files)",
    "ingest": "ingest (parse + load raw)",
    "dbt_full": "dbt full build",
    "train": "train",
    "score": "score",
    "dbt_scored": "dbt scored marts",
    "actions": "next actions + call list",
    "publish": "publish snapshot",
    "app_queries": "app queries (5 x 4 runs)",
    "first_run": "the product's first run, one process (ingest .. publish)",
    "previous_day": "the day before's run, nothing new (steady state)",
    "incremental": "one new day: its run's step (landing .. publish)",
    "spark": "Spark: export + dbt fct_leads",
}


def newest_results(folder: Path = RESULTS) -> dict[int, dict]:
    """Size -> the newest result of that size (file names sort by date)."""
    found: dict[int, tuple[str, Path]] = {}
    for path in folder.glob("*.json"):
        match = _RESULT_NAME.match(path.name)
        if match and (int(match[2]) not in found or match[1] > found[int(match[2])][0]):
            found[int(match[2])] = (match[1], path)
    return {size: json.loads(path.read_text(encoding="utf-8")) for size, (_, path) in sorted(found.items())}


def _day_to_call_list(step: dict | None) -> str:
    """Seconds from the day's landing to its call list: the run's own progress line (the step's wall time
    also holds the publish that follows, and the child's start)."""
    for line in (step or {}).get("timeline", []):
        seconds, _, message = line.strip().partition("s ")
        if message.startswith("call list:"):
            return f"{float(seconds):.1f}"
    return "-"


def _cell(step: dict | None) -> str:
    if not step:
        return "-"
    return f"{step['wall_s']:.1f} / {step['cpu_s']:.1f} / {step['peak_rss_mb']:.0f}"


def render_markdown(results: dict[int, dict]) -> str:
    sizes = list(results)
    head = "| step (wall s / CPU s / peak RSS MB) | " + " | ".join(f"{n:,} leads" for n in sizes) + " |"
    lines = [
        "# Scale benchmark",
        "",
        "Written by `benchmarks/scale_run.py` (`make bench BENCH_SIZES=...`). Each step runs in its own",
        "child process; CPU = user + system seconds of that child and the processes it waited for (dbt).",
        "The machine (2 cores) was shared with other work: wall times are pessimistic, see the load.",
        "",
        head,
        "|" + "---|" * (len(sizes) + 1),
    ]
    for key, label in STEP_LABELS.items():
        if any(key in r["steps"] for r in results.values()):
            lines.append(
                f"| {label} | " + " | ".join(_cell(r["steps"].get(key)) for r in results.values()) + " |"
            )
    rows = {
        "one new day, landing -> call list (s)": lambda r: _day_to_call_list(r["steps"].get("incremental")),
        "pipeline wall s (ingest..publish)": lambda r: f"{r['pipeline_wall_s']:.1f}",
        "pipeline CPU s": lambda r: f"{r['pipeline_cpu_s']:.1f}",
        "pipeline / floor (wall)": lambda r: f"{r['pipeline_over_floor']:.1f}x",
        "pipeline / floor (CPU)": lambda r: (
            f"{r['pipeline_cpu_s'] / r['steps']['floor']['cpu_seconds']:.1f}x"
        ),
        "first run / floor (wall; CPU)": lambda r: (
            f"{r['first_run_over_floor']:.1f}x; {r['first_run_cpu_over_floor_cpu']:.1f}x"
            if "first_run_over_floor" in r
            else "-"
        ),
        "pipeline CPU ms per lead": lambda r: f"{1000 * r['pipeline_cpu_s'] / r['leads']:.2f}",
        "pipeline wall ms per lead": lambda r: f"{1000 * r['pipeline_wall_s'] / r['leads']:.2f}",
        "peak RSS of any step, MB": lambda r: f"{r['peak_rss_mb']:.0f}",
        "records ingested": lambda r: f"{r['steps']['ingest']['records']:,}",
        "day files landed / records": lambda r: (
            f"{r['steps']['generate']['day_files']} / {r['steps']['generate']['day_records']}"
        ),
        "load average (1, 5, 15 min) at start": lambda r: ", ".join(str(v) for v in r["load_average_start"]),
        "measured at (UTC)": lambda r: r["measured_at"],
    }
    for label, fmt in rows.items():
        lines.append(f"| {label} | " + " | ".join(fmt(r) for r in results.values()) + " |")
    lines += [
        "",
        "## Ingest records/s per source (wall; per CPU-second in brackets)",
        "",
        "Results that have a `total` ingested every source in one overlapped run, as the product does: a "
        "source's figure is its commit-to-commit span, which overlaps the sources beside it. Older results "
        "ingested one source at a time.",
        "",
    ]
    lines.append("| source | " + " | ".join(f"{n:,}" for n in sizes) + " |")
    lines.append("|" + "---|" * (len(sizes) + 1))
    names = sorted({s for r in results.values() for s in r["steps"]["ingest"]["sources"]})
    for name in names:
        cells = []
        for r in results.values():
            src = r["steps"]["ingest"]["sources"].get(name)
            cells.append(
                f"{src['records_per_s']:,} ({src['records_per_cpu_s']:,})" if src and src["records"] else "-"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [r["steps"]["ingest"].get("total") for r in results.values()]
    if any(totals):
        cells = [f"{t['records_per_s']:,} ({t['records_per_cpu_s']:,})" if t else "-" for t in totals]
        lines.append("| **all sources, overlapped** | " + " | ".join(cells) + " |")
        cells = [
            _structured_rate(r["steps"]["ingest"]["sources"]) if t else "-"
            for r, t in zip(results.values(), totals, strict=True)
        ]
        lines.append("| **structured sources (all but faxes), overlapped** | " + " | ".join(cells) + " |")
    lines += ["", "## Heaviest app queries (median s, snapshot, whole history)", ""]
    for n, r in results.items():
        q = r["steps"]["app_queries"]
        lines.append(f"- {n:,} leads: " + ", ".join(f"{k} {q['median_s'][k]:.3f}" for k in q["heaviest"]))
    for n, r in results.items():
        spark = r["steps"].get("spark")
        if spark:
            lines += ["", f"## Spark target at {n:,} leads (same sources, dbt `--target spark`)", ""]
            lines.append(
                f"{spark['models_built']} models built, {len(spark['rows_equal'])} with DuckDB's row count, "
                f"{len(spark['rows_differ'])} differing; "
                f"failed: {', '.join(spark['models_failed']) or 'none'}; "
                f"{spark['models_skipped']} skipped downstream."
            )
    notes = [
        f"- {n:,} leads, {STEP_LABELS.get(k, k)}: {v['note']}"
        for n, r in results.items()
        for k, v in r["steps"].items()
        if isinstance(v, dict) and v.get("note")
    ]
    notes += [
        f"- {n:,} leads: niceness {r['nice']}" for n, r in results.items() if isinstance(r.get("nice"), str)
    ]
    if notes:
        lines += ["", "## Notes", "", *notes]
    lines += ["", *estimate_lines(results, 1_000_000)]
    lines += ["", "![time vs size](scale_time.png)", "", "![peak RSS vs size](scale_rss.png)", ""]
    return "\n".join(lines)


def _structured_rate(sources: dict[str, dict]) -> str:
    """Records/s of every source but the OCR'd faxes: their spans add up to the overlapped run's time
    less the fax span (seconds a page, capped in scale runs, and not a structured source)."""
    kept = [v for k, v in sources.items() if k != "fax"]
    records = sum(int(v["records"]) for v in kept)
    wall = sum(float(v["seconds"]) for v in kept)
    cpu = sum(float(v["cpu_seconds"]) for v in kept)
    return f"{round(records / wall):,} ({round(records / cpu):,})" if wall and cpu else "-"


def estimate_lines(results: dict[int, dict], target: int) -> list[str]:
    """Extrapolated (not measured) CPU seconds per step at `target` leads: a power law through the two
    largest sizes, or linear from the only one. CPU, not wall: wall moves with the machine's other load."""
    sizes = sorted(results)
    if not sizes or target in results:
        return []
    big = sizes[-1]
    lines = [f"## Estimate at {target:,} leads (extrapolated CPU seconds, not measured)", ""]
    if len(sizes) == 1:
        lines.append(
            f"Only {big:,} leads measured: linear in leads. Fixed start-up costs (imports, dbt parse) are "
            "scaled too, which overstates sub-linear steps; super-linear steps are understated."
        )
    else:
        lines.append(f"Power law through {sizes[-2]:,} and {big:,} leads (exponent per step in brackets).")
    lines.append("")
    total = 0.0
    for key in (*PIPELINE_KEYS, "incremental"):
        cpu = results[big]["steps"].get(key, {}).get("cpu_s")
        if cpu is None:
            continue
        exponent = 1.0
        if len(sizes) > 1:
            small = results[sizes[-2]]["steps"].get(key, {}).get("cpu_s")
            if small and cpu > 0:
                exponent = math.log(cpu / small) / math.log(big / sizes[-2])
        estimate = cpu * (target / big) ** exponent
        total += estimate if key in PIPELINE_KEYS else 0.0
        lines.append(f"- {STEP_LABELS[key]}: {estimate:,.0f} s CPU ({exponent:.2f})")
    lines.append(f"- pipeline total: {total:,.0f} s CPU = {total / 60:,.1f} min on one core")
    return lines


def plot(results: dict[int, dict], folder: Path = RESULTS) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results)
    for metric, file, ylabel in (
        ("wall_s", "scale_time.png", "wall seconds"),
        ("peak_rss_mb", "scale_rss.png", "MB"),
    ):
        fig, ax = plt.subplots(figsize=(8, 5))
        for number, (key, label) in enumerate(STEP_LABELS.items()):
            points = [(n, r["steps"][key][metric]) for n, r in results.items() if key in r["steps"]]
            if points:
                ax.plot(
                    [p[0] for p in points],
                    [max(p[1], 1e-3) for p in points],
                    marker="o" if number < 10 else "s",  # the colour cycle has 10 colours
                    linestyle="-" if number < 10 else "--",
                    label=label,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("leads")
        ax.set_ylabel(ylabel)
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        ax.set_title(f"ptleads scale run: {ylabel} per step vs leads (log-log)")
        fig.tight_layout()
        fig.savefig(folder / file, dpi=110)
        plt.close(fig)


# Everything after this line in SCALE.md is written by hand (each session's measurements) and kept.
HAND_WRITTEN = "<!-- hand-written below: kept when the tables above are rewritten -->"


def write_report(folder: Path = RESULTS) -> Path:
    results = newest_results(folder)
    target = folder / "SCALE.md"
    if not results:
        return target
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    kept = old[old.index(HAND_WRITTEN) :] if HAND_WRITTEN in old else HAND_WRITTEN + "\n"
    target.write_text(render_markdown(results) + "\n" + kept, encoding="utf-8")
    plot(results, folder)
    return target
