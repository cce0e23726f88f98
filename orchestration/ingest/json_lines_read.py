"""Line-numbered decoding of JSON Lines (and JSON arrays) for the event parsers.

Shared by the SendGrid, web-event and voicemail parsers so that every one reports bad lines the same way:
1-based physical line numbers, reasons that name the problem and never the content (no PHI).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestration.ingest.records import LineError, ParsedFile, QuarantineFile, RawTable

_BOM = b"\xef\xbb\xbf"
_decode_json = json.JSONDecoder().decode
_EPOCH = datetime(1970, 1, 1)
_MS_THRESHOLD = 100_000_000_000  # unix seconds reach this only in year 5138: larger values are milliseconds


try:  # orjson decodes 1.5-2x faster; it comes with Dagster, and json (below) stands in without it
    import orjson

    _fast_loads: Any = orjson.loads
    _FastDecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is in the lock file
    _fast_loads, _FastDecodeError = None, Exception
# Digits -> "9", everything else -> " ": a 19-digit run is then a plain substring test (C speed; a regex
# over an 80 MB file costs as much as decoding it).
_DIGIT_MASK = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"9" * 19


def exact_json_loads(data: bytes | str) -> Callable[[str], Any]:
    """A JSON decoder for the lines of `data` that returns exactly what json.loads returns.

    orjson turns integers beyond 64 bits into floats, so a file with any 19-digit run keeps json; and
    what orjson refuses but json accepts (NaN, lone surrogates, 1e400) falls back to json line by line.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _fast_loads is None or _LONG_RUN in raw.translate(_DIGIT_MASK):
        return _decode_json

    def loads(line: str) -> Any:
        try:
            return _fast_loads(line)
        except _FastDecodeError:
            return _decode_json(line)  # raises json's own error for a truly bad line

    return loads


class JsonDocumentError(ValueError):
    """The file as a whole is not JSON Lines / a JSON array; the message is safe to show (no content)."""


def strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(_BOM) else data


def text_lines(text: str) -> list[str]:
    """The lines of a JSON Lines text cut at "\\n", "\\r\\n" and "\\r" only (bytes.splitlines' newlines), as
    str.splitlines would without also cutting at U+2028, U+0085 and friends, which JSON strings may hold raw
    (a pasted line separator in a free-text field)."""
    # Most files have no CR at all: "\r" in text is a memchr (~0.2 ms a 16 MB chunk), the two-character
    # replace a slower search even when it finds nothing (~11 ms: ~0.7 us a FHIR resource).
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":  # the final newline ends the last line, as in str.splitlines
        lines.pop()
    return lines


def decode_lines(data: bytes) -> tuple[list[tuple[int, str]], list[LineError]]:
    """Non-blank text lines with their 1-based numbers; lines that are not UTF-8 become errors.

    Splits on "\\n" only: JSON strings may legally hold U+2028 and friends, which str.splitlines would cut.
    """
    data = strip_bom(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Slow path only for broken files: find the offending lines, keep the rest.
        lines: list[tuple[int, str]] = []
        errors: list[LineError] = []
        for number, raw in enumerate(data.split(b"\n"), 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append(LineError(number, "not valid UTF-8"))
                continue
            if line.strip():
                lines.append((number, line))
        return lines, errors
    return [(n, line) for n, line in enumerate(text.split("\n"), 1) if line and not line.isspace()], []


def read_json_lines(
    data: bytes, allow_arrays: bool = False
) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """Each non-blank line decoded as a JSON object, with its line number; bad lines reported.

    allow_arrays: a line may also hold an array of objects (one captured webhook POST a line).
    """
    lines, errors = decode_lines(data)
    objects: list[tuple[int, dict[str, Any]]] = []
    # Line by line: decoding all lines in one call (a sentinel between them) was slower than orjson per
    # line, and a line holding `{..},0,{..}` beside lines opening and closing a bracket passed its check.
    loads = exact_json_loads(data)
    for number, line in lines:
        try:
            value = loads(line)
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, f"invalid JSON ({exc.msg})"))
            continue
        if allow_arrays and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    objects.append((number, item))
                else:
                    errors.append(LineError(number, f"expected a JSON object, got {type(item).__name__}"))
            continue
        if not isinstance(value, dict):
            errors.append(LineError(number, f"expected a JSON object, got {type(value).__name__}"))
            continue
        objects.append((number, value))
    errors.sort(key=lambda e: e.line)
    return objects, errors


def read_json_array_or_lines(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """A JSON array of objects (numbered by 1-based position) or JSON Lines (numbered by line).

    Lines may themselves be arrays (one webhook POST captured a line). A single broken array cannot be
    split into good and bad parts, so it raises JsonDocumentError.
    """
    body = strip_bom(data).lstrip()
    if not body.startswith(b"["):
        return read_json_lines(data, allow_arrays=True)
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise JsonDocumentError(f"JSON array is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several arrays/objects, one a line
            return read_json_lines(data, allow_arrays=True)
        raise JsonDocumentError(f"invalid JSON array ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(value, list):
        raise JsonDocumentError("expected a JSON array")
    objects: list[tuple[int, dict[str, Any]]] = []
    errors: list[LineError] = []
    for position, item in enumerate(value, 1):
        if isinstance(item, dict):
            objects.append((position, item))
        else:
            errors.append(LineError(position, f"expected a JSON object, got {type(item).__name__}"))
    return objects, errors


def parse_typed_lines(
    data: bytes, file_name: str, table: RawTable, convert: Callable[[dict[str, Any], int], Any], what: str
) -> ParsedFile:
    """Each JSON line through `convert` (a typed record, or the reason the line is unusable) into `table`.

    Bad lines cost only themselves; a file where no line converts is quarantined, naming `what` it lacks.
    """
    with gc_paused():
        objects, errors = read_json_lines(data)
        parsed = ParsedFile(errors=errors)
        for line, obj in objects:
            result = convert(obj, line)
            if isinstance(result, str):
                parsed.errors.append(LineError(line, result))
            else:
                parsed.add(table, result)
    if not parsed.rows and parsed.errors:
        raise QuarantineFile(
            f"{file_name}: no line is {what} ({parsed.errors[0].reason})", lines=parsed.errors
        )
    parsed.errors.sort(key=lambda e: e.line)
    return parsed


def instant_to_utc(value: Any) -> datetime:
    """ISO 8601 (Z, offset or naive = UTC) or unix seconds/milliseconds (number or numeric string)."""
    if type(value) is int and 0 <= value < _MS_THRESHOLD:
        return _EPOCH + timedelta(seconds=value)  # the common case, without a time-zone round trip
    if isinstance(value, bool):
        raise ValueError("boolean is not a time")
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").replace(".", "", 1).isdigit():
            value = float(text)
        else:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    raise ValueError(f"unsupported time type {type(value).__name__}")


def optional_text(obj: dict[str, Any], key: str) -> str | None:
    """A string field that may be absent, null or empty (-> None); other types are an error."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a file's records are built: they form no cycles, and generational passes
    over hundreds of thousands of fresh dicts otherwise cost more than the parsing itself."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
