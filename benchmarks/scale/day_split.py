"""Split a generated inbox into "history up to day N" and "the files that land on day N+1".

The generator writes monthly files, so one new day is carved out of them: a record whose first date
is the day moves to a new file named `<stem>_d<YYYYMMDD><suffix>` in the same folder (names still
match the mapping profiles' globs). Whole files stamped with the day (271s, faxes) move as they are;
HL7 batches split per message on MSH-7. The split is a benchmark device, not a parser: a record
whose first date is another day stays in history even if it also mentions the day.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

_ISO = r"(?P<iso>\d{4}-\d{2}-\d{2})"
_US = r"(?P<us>\d{1,2}/\d{1,2}/\d{4})"
_EPOCH = r"\"timestamp\":(?P<epoch>\d{10})"
_FIRST_DATE = re.compile(f"{_ISO}|{_US}|{_EPOCH}")
_FILE_STAMP = re.compile(r"(?:^|_)(\d{8})(?:_|\.|$)")
_LINE_SUFFIXES = {".csv", ".jsonl", ".ndjson"}


@dataclass
class SplitReport:
    day: date
    files_history: int = 0
    files_day: int = 0
    records_day: int = 0
    day_files: list[str] = field(default_factory=list)


def first_date(line: str) -> date | None:
    """The first date a record line mentions (ISO, US month/day/year, or an epoch `timestamp`)."""
    match = _FIRST_DATE.search(line)
    if match is None:
        return None
    if match["iso"]:
        try:
            return date.fromisoformat(match["iso"])
        except ValueError:
            return None
    if match["us"]:
        month, day, year = (int(p) for p in match["us"].split("/"))
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return datetime.fromtimestamp(int(match["epoch"]), UTC).date()


def _day_name(path: Path, day: date) -> str:
    return f"{path.stem}_d{day:%Y%m%d}{path.suffix}"


def _split_lines(path: Path, day: date, history: Path, landing: Path) -> int:
    """CSV (header kept in both), JSON Lines and NDJSON: one record a line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[:1] if path.suffix == ".csv" else []
    body = lines[len(header) :]
    moved = [ln for ln in body if first_date(ln) == day]
    kept = [ln for ln in body if first_date(ln) != day]
    (history / path.name).write_text("".join(header + kept), encoding="utf-8")
    if moved:
        (landing / _day_name(path, day)).write_text("".join(header + moved), encoding="utf-8")
    return len(moved)


def _split_json_array(path: Path, day: date, history: Path, landing: Path) -> int:
    """SendGrid-style JSON arrays."""
    events = json.loads(path.read_text(encoding="utf-8"))
    moved = [e for e in events if first_date(json.dumps(e, separators=(",", ":"))) == day]
    kept = [e for e in events if first_date(json.dumps(e, separators=(",", ":"))) != day]
    (history / path.name).write_text(json.dumps(kept, separators=(",", ":")), encoding="utf-8")
    if moved:
        (landing / _day_name(path, day)).write_text(
            json.dumps(moved, separators=(",", ":")), encoding="utf-8"
        )
    return len(moved)


def _split_hl7(path: Path, day: date, history: Path, landing: Path) -> int:
    text = path.read_text(encoding="utf-8")
    messages = [m for m in re.split(r"(?=^MSH\|)", text, flags=re.MULTILINE) if m.strip()]
    stamp = f"{day:%Y%m%d}"

    def on_day(message: str) -> bool:
        fields = message.split("|", 7)
        return len(fields) > 6 and fields[6].startswith(stamp)

    moved = [m for m in messages if on_day(m)]
    (history / path.name).write_text("".join(m for m in messages if not on_day(m)), encoding="utf-8")
    if moved:
        (landing / _day_name(path, day)).write_text("".join(moved), encoding="utf-8")
    return len(moved)


def split_last_day(inbox: Path, history_inbox: Path, day_inbox: Path, day: date) -> SplitReport:
    """Write `history_inbox` (everything but `day`) and `day_inbox` (what lands on `day`)."""
    report = SplitReport(day)
    stamp = f"{day:%Y%m%d}"
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        history, landing = history_inbox / folder.name, day_inbox / folder.name
        history.mkdir(parents=True, exist_ok=True)
        landing.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            file_stamp = _FILE_STAMP.search(path.stem)
            if path.suffix in _LINE_SUFFIXES:
                moved = _split_lines(path, day, history, landing)
            elif path.suffix == ".json" and folder.name == "email":
                moved = _split_json_array(path, day, history, landing)
            elif path.suffix == ".hl7":
                moved = _split_hl7(path, day, history, landing)
            elif file_stamp is not None and file_stamp.group(1) == stamp:
                shutil.copy2(path, landing / path.name)
                report.files_day += 1
                report.day_files.append(f"{folder.name}/{path.name}")
                continue
            else:
                shutil.copy2(path, history / path.name)
                report.files_history += 1
                continue
            report.files_history += 1
            if moved:
                report.files_day += 1
                report.records_day += moved
                report.day_files.append(f"{folder.name}/{_day_name(path, day)}")
    return report


def land_files(day_inbox: Path, inbox: Path) -> int:
    """Copy the day's files into the live inbox (the moment of "file landing")."""
    count = 0
    for path in sorted(day_inbox.rglob("*")):
        if path.is_file():
            target = inbox / path.relative_to(day_inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """As-of instants of the two runs: the start of `day` and of the next day in US Central (05:00 UTC)."""
    start = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
    return start, start + timedelta(days=1)
