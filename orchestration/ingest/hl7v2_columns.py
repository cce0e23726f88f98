"""HL7 v2 file -> Arrow tables of the raw rows, built as tuples without typed message objects in between.

The ingest path. Messages with the standard delimiters (|^~\\&) take a lean path: MSH and, for SIU
appointments (nearly all the volume), SCH/TQ1/PID/AIS/AIG/AIL/AIP/NTE read straight from split fields,
with per-process caches for what repeats across messages (a patient's PID, a therapist's AIP-3, a
location's AIL-3/4). Everything else (REF, ADT, other delimiters, bytes that are not UTF-8, a message the
lean path cannot read) goes through the typed reference (hl7v2_parse + hl7v2_rows). Both give the same
rows, errors and line numbers: tests/parsers/test_hl7v2_columns.py compares them.
"""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from orchestration.ingest.hl7v2_extract import _STATUS_NAMES, SIU_EVENTS, _minutes, _npi_from
from orchestration.ingest.hl7v2_fields import STD, component_text, components, field_text, get, pick
from orchestration.ingest.hl7v2_parse import Hl7FormatError, decode_hl7, read_message, split_messages
from orchestration.ingest.hl7v2_rows import (
    APPOINTMENTS,
    MESSAGES,
    _dumps,
    content_row,
    message_row,
    to_utc,
)
from orchestration.ingest.hl7v2_segments import digits, parse_date
from orchestration.ingest.hl7v2_times import NO_TIME, Times, times_in
from orchestration.ingest.records import LineError, ParsedFile, RawTable, TupleRows
from orchestration.ingest.tuple_rows import as_tuple

_STD_MSH = "MSH|^~\\&|"
_CACHE_MAX = 50_000  # entries per cache (< ~100 MB a process in all); cleared when full


_PATIENTS: dict[str, tuple] = {}


def _patient(text: str) -> tuple:
    """The 12 patient columns of a PID line (hl7v2_extract._patient as hl7v2_rows lays them out)."""
    hit = _PATIENTS.get(text)
    if hit is not None:
        return hit
    f = text.split("|")
    ids = components(f, 3)
    if not pick(ids):
        ids = components(f, 2)
    name, address = components(f, 5), components(f, 11)
    street_parts = [pick(address, 1, sub) for sub in (1, 2, 3)]
    street = " ".join(p for p in street_parts if p) or None
    other = pick(address, 2)
    phone = None
    phones = f[13] if len(f) > 13 else ""
    if phones:
        phone = next((p for p in map(_xtn_std, phones.split("~")) if p), None)
    row = (
        pick(ids),
        pick(ids, 5),
        pick(name, 1, 1),
        pick(name, 2),
        pick(name, 3),
        _dob(f[7] if len(f) > 7 else ""),
        get(f, 8),
        ", ".join(p for p in (street, other) if p) or None,
        pick(address, 3),
        pick(address, 4),
        pick(address, 5),
        phone,
    )
    if len(_PATIENTS) >= _CACHE_MAX:
        _PATIENTS.clear()
    _PATIENTS[text] = row
    return row


def _xtn_std(rep: str) -> str | None:
    """hl7v2_extract._xtn(rep, STD) with the repetition split into components once (pick)."""
    parts = rep.split("^")
    area, local = pick(parts, 6), pick(parts, 7)
    if area and local:
        return digits(area + local)
    return digits(pick(parts, 1)) or digits(pick(parts, 12)) or digits(local)


_DOBS: dict[str, date | None] = {}


def _dob(raw: str) -> date | None:
    """parse_date(get([raw], 0)) of PID-7, kept per process: birth dates repeat across patients (9.5k
    distinct among 49k patients of the 100k inbox), and a patient first seen paid ~1.6 us for it."""
    hit = _DOBS.get(raw, _NO_DOB)
    if hit is _NO_DOB:
        if len(_DOBS) >= _CACHE_MAX:
            _DOBS.clear()
        hit = _DOBS[raw] = parse_date(get([raw], 0))
    return hit  # type: ignore[return-value]


_NO_DOB = object()
_NO_PATIENT = (None,) * 12
_RESOURCE_FIELDS = {  # segment: (kind, start field, duration field, status field), as hl7v2_extract
    "AIS": ("service", 4, 7, 10),
    "AIG": ("equipment", 8, 11, 14),
    "AIL": ("location", 6, 9, 12),
    "AIP": ("personnel", 6, 9, 12),
}
_START_SOURCE = {"service": "AIS-4", "equipment": "AIG-8", "location": "AIL-6", "personnel": "AIP-6"}
_RESOURCES: dict[tuple, tuple] = {}


def _key_reader(name: str) -> tuple[int, itemgetter]:
    """(fields a segment needs, their reader) for a resource's cache key in one C call: fields 3, 4 (not
    AIS-4, its start), status, duration and its unit; a shorter segment takes _resource_key's slow way."""
    _, start_f, dur_f, status_f = _RESOURCE_FIELDS[name]
    wanted = (3, status_f, dur_f, dur_f + 1) if name == "AIS" else (3, 4, status_f, dur_f, dur_f + 1)
    return max(start_f, *wanted) + 1, itemgetter(*wanted)


_KEY_READERS = {name: _key_reader(name) for name in _RESOURCE_FIELDS}


def _resource_key(name: str, f: list[str]) -> tuple:
    """The cache key of a resource segment's static part (what _resource_static reads of it)."""
    need, reader = _KEY_READERS[name]
    if len(f) >= need:
        return (name, reader(f))
    _, _, dur_f, status_f = _RESOURCE_FIELDS[name]
    n = len(f)
    return (
        name,
        f[3] if n > 3 else "",
        f[4] if n > 4 and name != "AIS" else "",  # AIS-4 is the start, not part of the identity
        f[status_f] if n > status_f else "",
        f[dur_f] if n > dur_f else "",
        f[dur_f + 1] if n > dur_f + 1 else "",
    )


def _resource_static(name: str, f: list[str], key: tuple | None = None) -> tuple:
    """(kind, identity, status, minutes, its resources_json text before the start, after it) of a resource
    segment: all of it but the start repeats across appointments (same therapist, room, service, duration),
    so cached under _resource_key."""
    if key is None:
        key = _resource_key(name, f)
    hit = _RESOURCES.get(key)
    if hit is not None:
        return hit
    kind, _, dur_f, status_f = _RESOURCE_FIELDS[name]
    n = len(f)
    status = get(f, status_f)
    status = status.lower() if status else None
    ident = _identity(name, f[3] if n > 3 else "", f[4] if n > 4 and name != "AIS" else "")
    head = _dumps(
        {
            "kind": kind,
            "code": ident[0],
            "name": ident[1],
            "role": ident[2],
            "facility": ident[3],
            "npi": ident[4],
        }
    )
    hit = (
        kind,
        ident,
        status,
        _minutes(get(f, dur_f), get(f, dur_f + 1)),
        head[:-1] + ',"start":',
        ',"status":' + _dumps(status) + "}",
    )
    if len(_RESOURCES) >= _CACHE_MAX:
        _RESOURCES.clear()
    _RESOURCES[key] = hit
    return hit


def _identity(name: str, f3: str, f4: str) -> tuple[str | None, ...]:
    """(code, name, role, facility, npi) of a resource from its fields 3 and 4."""
    f = [name, "", "", f3, f4]
    if name == "AIP":
        rep = f3.split("~", 1)[0] if "~" in f3 else f3
        parts = (get([rep], 0, 3), get([rep], 0, 2, 1))
        return (
            get([rep], 0, 1),
            " ".join(p for p in parts if p) or None,
            get(f, 4, 2) or get(f, 4),
            None,
            _npi_from(rep, STD, 1, (9, 13)),
        )
    if name == "AIL":
        return (get(f, 3), get(f, 3, 2) or get(f, 3, 1, 2), get(f, 4, 2) or get(f, 4), get(f, 3, 4), None)
    role = (get(f, 4, 2) or get(f, 4)) if name == "AIG" else None
    return (get(f, 3), get(f, 3, 2), role, None, None)


_SCHEDULES: dict[tuple[str, ...], tuple] = {}


def _sch_static(f: list[str]) -> tuple:
    """(reason, appointment type, SCH-9/10 minutes, SCH-25 status lower case): codes that repeat."""
    # Fields 7-10 as a slice (a missing field reads as an empty one) and 25.
    key = (*f[7:11], f[25] if len(f) > 25 else "")
    hit = _SCHEDULES.get(key)
    if hit is None:
        status = get(f, 25)
        hit = (
            get(f, 7, 2) or get(f, 7),
            get(f, 8, 2) or get(f, 8),
            _minutes(get(f, 9), get(f, 10, 1) or get(f, 10, 2)),
            status.lower() if status else None,
        )
        if len(_SCHEDULES) >= _CACHE_MAX:
            _SCHEDULES.clear()
        _SCHEDULES[key] = hit
    return hit


_NO_SCH = (None, None, None, None)


def _appointment(
    lines: list[tuple[int, str]], trigger: str, version: str | None, times: Times
) -> tuple[tuple, tuple[Any, ...]]:
    """(patient columns, the appointment columns after sent_at) of one SIU message."""
    sch = tq1 = None
    pid: str | None = None
    texts: list[str] = []  # each resource's resources_json item
    notes: list[str] = []
    # What the reference takes from the first resource that has it, found as the resources are read.
    first = loc = person = resource_status = resource_minutes = None
    for _, s in lines[1:]:
        name = s[:3] if s[3:4] == "|" else s.split("|", 1)[0]
        if name in _RESOURCE_FIELDS:
            f = s.split("|")
            need, reader = _KEY_READERS[name]
            if len(f) >= need:  # every field the key reads there: the key in one C call
                key = (name, reader(f))
                static = _RESOURCES.get(key) or _resource_static(name, f, key)
                at = times[f[_RESOURCE_FIELDS[name][1]]]
            else:
                static = _resource_static(name, f)
                start_f = _RESOURCE_FIELDS[name][1]
                at = times[f[start_f] if len(f) > start_f else ""]
            texts.append(static[4] + at[2] + static[5])
            if first is None and at[0]:
                first = (static, at)
            if resource_status is None and static[2]:
                resource_status = static[2]
            if loc is None and static[0] == "location":
                loc = static[1]
            elif person is None and static[0] == "personnel":
                person = static[1]
            if resource_minutes is None:
                resource_minutes = static[3]
        elif name == "SCH":
            if sch is None:
                sch = s.split("|")
        elif name == "PID":
            if pid is None:
                pid = s
        elif name == "TQ1":
            if tq1 is None:
                tq1 = s.split("|")
        elif name == "NTE":
            f = s.split("|")
            text = get(f, 3) or (get(f, 2) if len(get(f, 2) or "") > 2 else None)
            if text:
                notes.append(text)
    legacy = bool(version) and version < "2.5"  # type: ignore[operator]
    reason, kind, sch_minutes, status = _sch_static(sch) if sch else _NO_SCH
    tq_start = times[field_text(tq1, 7)] if tq1 else NO_TIME
    sch_start = times[component_text(field_text(sch, 11), 4)] if sch else NO_TIME
    if legacy and sch_start[0]:
        start, source = sch_start, "SCH-11.4"
    elif tq_start[0]:
        start, source = tq_start, "TQ1-7"
    elif first is not None:
        start, source = first[1], _START_SOURCE[first[0][0]]
    elif sch_start[0]:
        start, source = sch_start, "SCH-11.4"
    else:
        start, source = NO_TIME, None
    if not status:
        status = resource_status
    resources_json = "[" + ",".join(texts) + "]" if texts else None
    if legacy and sch_minutes is not None:
        duration = sch_minutes
    else:
        duration = _duration(sch_minutes, tq1, resource_minutes, times)
    content = (
        get(sch, 1) if sch else None,
        get(sch, 2) if sch else None,
        SIU_EVENTS[trigger],
        _STATUS_NAMES.get(status, status) if status else None,
        start[1],
        source,
        duration,
        reason,
        kind,
        loc[0] if loc else None,
        (loc[3] or loc[1]) if loc else None,
        person[1] if person else None,
        person[4] if person else None,
        resources_json,
        notes or None,
    )
    return (_patient(pid) if pid is not None else _NO_PATIENT), content


def _duration(
    sch_minutes: int | None, tq1: list[str] | None, resource_minutes: int | None, times: Times
) -> int | None:
    """hl7v2_extract._duration after its legacy SCH-9/10 case, on split fields (resource_minutes: those of
    the first resource that gives them)."""
    if tq1 and (explicit := _minutes(get(tq1, 13), get(tq1, 13, 2))) is not None:
        return explicit
    if resource_minutes is not None:
        return resource_minutes
    if tq1:
        start, end = times[field_text(tq1, 7)][0], times[field_text(tq1, 8)][0]
        if start and end and (start.offset_min is None) == (end.offset_min is None):
            begin = start.utc() or start.value
            finish = end.utc() or end.value
            return round((finish - begin).total_seconds() / 60)
    return sch_minutes


_HEADERS: dict[tuple[str, ...], tuple] = {}


def _header(f: list[str]) -> tuple:
    """(MSH-9 type upper, trigger upper, structure, version, application, facility) of split MSH
    fields (f[n - 1] is MSH-n); they repeat from message to message, so cached."""
    key = (f[8], f[11] if len(f) > 11 else "", f[2], f[3])
    hit = _HEADERS.get(key)
    if hit is None:
        message_type = get(f, 8)
        trigger = get(f, 8, 2)
        hit = (
            message_type.upper() if message_type else None,
            trigger.upper() if trigger else None,
            get(f, 8, 3),
            get(f, 11),
            get(f, 2),
            get(f, 3),
        )
        if len(_HEADERS) >= _CACHE_MAX:
            _HEADERS.clear()
        _HEADERS[key] = hit
    return hit


def _lean(lines: list[tuple[int, str]], times: Times) -> LineError | tuple[tuple, tuple | None] | None:
    """(message row, appointment row or None) of a standard-delimiter message; a LineError for the
    MSH faults the reference reports; None when the message needs the reference path (REF, ADT)."""
    msh_line, text = lines[0]
    f = text.split("|")  # f[n - 1] is MSH-n: MSH-1 is the separator itself
    message_type, trigger, structure, version, application, facility = (
        _header(f) if len(f) > 8 else (None,) * 6
    )
    if not message_type:
        return LineError(msh_line, "MSH-9 message type missing")
    control_id = get(f, 9)
    if not control_id:
        return LineError(msh_line, "MSH-10 control id missing")
    if message_type != "SIU" or trigger not in SIU_EVENTS:
        if message_type in ("REF", "ADT"):
            return None
        kind = "unsupported"
    else:
        kind = "appointment"
    sent_at = times[f[6]][1]  # f has MSH-9 (message_type): MSH-7 is there
    msg = (
        control_id,
        msh_line,
        message_type,
        trigger,
        structure,
        version,
        sent_at,
        application,
        facility,
        kind,
    )
    if kind == "unsupported":
        return msg, None
    patient, content = _appointment(lines, trigger, version, times)  # type: ignore[arg-type]
    return msg, (*patient, control_id, sent_at, *content)


def parse_hl7v2_columns(data: bytes, file_name: str, zone: ZoneInfo) -> ParsedFile:
    """Every message of one file as rows per raw table (tuples: the framework converts a group of files to
    Arrow at once); unreadable messages are LineErrors at their MSH line. Raises Hl7FormatError when the
    file is empty or holds no MSH segment."""
    text, undecoded = decode_hl7(data)
    if not text.strip():
        raise Hl7FormatError(f"{file_name}: empty file")
    messages, errors = split_messages(text)
    if not messages:
        raise Hl7FormatError(f"{file_name}: no MSH segment, not HL7 v2")
    times = times_in(zone)
    rows: dict[RawTable, list[tuple]] = {MESSAGES: []}
    message_rows = rows[MESSAGES]
    for lines in messages:
        lean = None
        if not undecoded and lines[0][1].startswith(_STD_MSH):
            try:
                lean = _lean(lines, times)
            except (ValueError, IndexError):
                lean = None  # the reference reads it again and reports what it finds
        if isinstance(lean, LineError):
            errors.append(lean)
            continue
        if lean is not None:
            message_rows.append(lean[0])
            if lean[1] is not None:
                rows.setdefault(APPOINTMENTS, []).append(lean[1])
            continue
        msg = read_message(lines, undecoded)
        if isinstance(msg, LineError):
            errors.append(msg)
            continue
        sent_at = to_utc(msg.sent_at, zone)
        message_rows.append(as_tuple(MESSAGES, message_row(msg, sent_at)))
        content = content_row(msg, sent_at, zone)
        if content is not None:
            rows.setdefault(content[0], []).append(as_tuple(content[0], content[1]))
    errors.sort(key=lambda e: e.line)
    return ParsedFile(
        rows={table: TupleRows(tuples, table.record_type) for table, tuples in rows.items() if tuples},
        errors=errors,
    )
