"""Twilio message-log CSV export -> SmsMessage, with carrier opt-out/opt-in/help keyword detection.

The CSV is split by the stdlib reader (exact record boundaries and line numbers even when a Body holds
newlines); typing, validation and keyword matching then run column-wise in polars.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from orchestration.ingest.records import LineError, QuarantineFile

COLUMNS = (
    "From",
    "To",
    "Body",
    "Status",
    "SentDate",
    "ApiVersion",
    "NumSegments",
    "ErrorCode",
    "AccountSid",
    "Sid",
    "Direction",
    "Price",
    "PriceUnit",
)
DIRECTIONS = ("inbound", "outbound-api", "outbound-reply", "outbound-call")
STATUSES = (
    "accepted",
    "scheduled",
    "canceled",
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "read",
    "partially_delivered",
)
# Twilio's default keywords (whole body, case-insensitive). SUBSCRIBE is not one: a lead who texts it
# stays blocked at Twilio, so treating it as opt-in would let us believe we may text them when we may not.
KEYWORDS: dict[str, str] = {
    **dict.fromkeys(
        ["stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"],
        "stop",
    ),
    **dict.fromkeys(["start", "unstop", "yes"], "start"),
    **dict.fromkeys(["help", "info"], "help"),
}
_BOM = "\ufeff"
_SURROGATE = re.compile("[\udc80-\udcff]")


class TwilioFormatError(QuarantineFile):
    """The whole file is not a Twilio message log."""


@dataclass(slots=True)
class SmsMessage:
    source_record_id: str  # Twilio Sid (SM.../MM...)
    from_number: str  # PHI for inbound
    to_number: str  # PHI for outbound
    body: str  # PHI
    status: str  # lower case, one of STATUSES
    sent_at: datetime | None  # naive UTC; None while queued/scheduled without a date
    api_version: str | None
    num_segments: int | None
    error_code: int | None
    account_sid: str | None
    direction: str  # inbound | outbound-api | outbound-reply | outbound-call
    price: float | None  # Twilio reports cost as a negative number
    price_unit: str | None
    opt_keyword: str | None  # "stop" | "start" | "help" for inbound whole-body keywords, else None


@dataclass(slots=True)
class ParsedSmsLog:
    records: list[SmsMessage] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    """UTF-8 text; undecodable bytes survive as lone surrogates so their rows can be reported."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape")
    return text.removeprefix(_BOM)


def _split_rows(text: str, file_name: str) -> tuple[list[str], list[int], list[list[str]], list[LineError]]:
    """Header, start line of each row, rows (all as text) and line errors for malformed rows."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise TwilioFormatError(f"{file_name}: empty file") from None
    except csv.Error:
        raise TwilioFormatError(f"{file_name}: header row is not CSV") from None
    if _SURROGATE.search(",".join(header)):
        raise TwilioFormatError(f"{file_name}: header row is not valid UTF-8")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise TwilioFormatError(f"{file_name}: missing Twilio columns {', '.join(missing)}")
    width = len(header)
    starts: list[int] = []
    rows: list[list[str]] = []
    errors: list[LineError] = []
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(LineError(start, "malformed CSV row"))
            last = reader.line_num
            continue
        last = reader.line_num
        if not row:
            continue
        if len(row) != width:
            errors.append(LineError(start, f"expected {width} fields, found {len(row)}"))
        elif any(_SURROGATE.search(v) for v in row):
            errors.append(LineError(start, "not valid UTF-8"))
        else:
            starts.append(start)
            rows.append(row)
    return header, starts, rows, errors


def _sent_at(col: pl.Expr) -> pl.Expr:
    """SentDate in Twilio's export shapes: naive UTC, ISO with Z/offset, or RFC 2822."""
    t = col.str.strip_chars()

    def aware(fmt: str) -> pl.Expr:
        return t.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False).dt.replace_time_zone(None)

    return pl.coalesce(
        t.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False),
        t.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S%.f", strict=False),
        aware("%Y-%m-%dT%H:%M:%S%.fZ"),
        aware("%Y-%m-%dT%H:%M:%S%.f%:z"),
        aware("%Y-%m-%d %H:%M:%S%.f%:z"),
        aware("%Y-%m-%d %H:%M:%S %z"),
        aware("%a, %d %b %Y %H:%M:%S %z"),
    )


def _blank_to_null(name: str) -> pl.Expr:
    t = pl.col(name).str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def _typed_frame(header: list[str], rows: list[list[str]]) -> pl.DataFrame:
    index = {name: header.index(name) for name in COLUMNS}
    raw = pl.DataFrame(
        {name: [r[i] for r in rows] for name, i in index.items()},
        schema=dict.fromkeys(COLUMNS, pl.String),
    )
    keyword_text = (
        pl.col("Body")
        .str.to_lowercase()
        .str.replace_all(r"[^\p{L}\p{N}\s]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    direction = pl.col("Direction").str.strip_chars().str.to_lowercase()
    return raw.select(
        sid=_blank_to_null("Sid"),
        from_number=pl.col("From").str.strip_chars(),
        to_number=pl.col("To").str.strip_chars(),
        body=pl.col("Body"),
        status=pl.col("Status").str.strip_chars().str.to_lowercase(),
        sent_raw=_blank_to_null("SentDate"),
        sent_at=_sent_at(pl.col("SentDate")),
        api_version=_blank_to_null("ApiVersion"),
        segments_raw=_blank_to_null("NumSegments"),
        num_segments=_blank_to_null("NumSegments").cast(pl.Int64, strict=False),
        error_raw=_blank_to_null("ErrorCode"),
        error_code=_blank_to_null("ErrorCode").cast(pl.Float64, strict=False),
        account_sid=_blank_to_null("AccountSid"),
        direction=direction,
        price_raw=_blank_to_null("Price"),
        price=_blank_to_null("Price").cast(pl.Float64, strict=False),
        price_unit=_blank_to_null("PriceUnit"),
        opt_keyword=pl.when(direction == "inbound")
        .then(keyword_text.replace_strict(KEYWORDS, default=None, return_dtype=pl.String))
        .otherwise(None),
    ).with_columns(
        problem=pl.when(pl.col("sid").is_null())
        .then(pl.lit("missing Sid"))
        .when(~pl.col("direction").is_in(DIRECTIONS))
        .then(pl.lit("unknown Direction"))
        .when(~pl.col("status").is_in(STATUSES))
        .then(pl.lit("unknown Status"))
        .when(pl.col("sent_raw").is_not_null() & pl.col("sent_at").is_null())
        .then(pl.lit("unparseable SentDate"))
        .when(pl.col("segments_raw").is_not_null() & pl.col("num_segments").is_null())
        .then(pl.lit("NumSegments is not an integer"))
        .when(
            pl.col("error_raw").is_not_null()
            & (pl.col("error_code").is_null() | (pl.col("error_code") != pl.col("error_code").round(0)))
        )
        .then(pl.lit("ErrorCode is not an integer"))
        .when(pl.col("price_raw").is_not_null() & pl.col("price").is_null())
        .then(pl.lit("Price is not a number"))
        .otherwise(None),
        error_code=pl.col("error_code").cast(pl.Int64, strict=False),
    )


def parse_twilio_log(data: bytes, file_name: str) -> ParsedSmsLog:
    """Parse one Twilio message-log export; malformed rows are reported by their first line number.

    Raises TwilioFormatError when the file is empty or required columns are missing.
    """
    header, starts, rows, errors = _split_rows(_decode(data), file_name)
    out = ParsedSmsLog(errors=errors)
    if not rows:
        return out
    frame = _typed_frame(header, rows)
    problems = frame["problem"].to_list()
    for start, problem in zip(starts, problems, strict=True):
        if problem is not None:
            errors.append(LineError(start, problem))
    good = frame.filter(pl.col("problem").is_null())
    cols = [
        good[name].to_list()
        for name in (
            "sid",
            "from_number",
            "to_number",
            "body",
            "status",
            "sent_at",
            "api_version",
            "num_segments",
            "error_code",
            "account_sid",
            "direction",
            "price",
            "price_unit",
            "opt_keyword",
        )
    ]
    out.records = [SmsMessage(*values) for values in zip(*cols, strict=True)]
    errors.sort(key=lambda e: e.line)
    return out
