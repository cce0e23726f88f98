"""Twilio message-log CSV: columns in any order, export date formats, keywords, bad rows by line."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.twilio_parse import COLUMNS, TwilioFormatError, parse_twilio_log


def _row(**over: str) -> dict[str, str]:
    row = {
        "From": "+15125550100",
        "To": "+15125550199",
        "Body": "Hi, can I book for Tuesday?",
        "Status": "received",
        "SentDate": "2024-03-05 14:02:11",
        "ApiVersion": "2010-04-01",
        "NumSegments": "1",
        "ErrorCode": "",
        "AccountSid": "AC00000000000000000000000000000000",
        "Sid": "SM00000000000000000000000000000001",
        "Direction": "inbound",
        "Price": "-0.00790",
        "PriceUnit": "USD",
    }
    row.update(over)
    return row


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def test_typed_message_from_a_log_row() -> None:
    parsed = parse_twilio_log(_csv([_row()]), "log.csv")
    assert parsed.errors == []
    (m,) = parsed.records
    assert (m.source_record_id, m.direction, m.status) == (
        "SM00000000000000000000000000000001",
        "inbound",
        "received",
    )
    assert m.sent_at == datetime(2024, 3, 5, 14, 2, 11)
    assert (m.num_segments, m.error_code, m.price, m.price_unit) == (1, None, -0.0079, "USD")
    assert m.opt_keyword is None


@pytest.mark.parametrize(
    "sent",
    [
        "2024-03-05 14:02:11",
        "2024-03-05T14:02:11Z",
        "2024-03-05T14:02:11.000Z",
        "2024-03-05T09:02:11-05:00",
        "Tue, 05 Mar 2024 14:02:11 +0000",
        "Tue, 05 Mar 2024 08:02:11 -0600",
    ],
)
def test_sent_date_export_formats_become_naive_utc(sent: str) -> None:
    (m,) = parse_twilio_log(_csv([_row(SentDate=sent)]), "log.csv").records
    assert m.sent_at == datetime(2024, 3, 5, 14, 2, 11)


def test_column_order_may_vary_and_extra_columns_are_ignored() -> None:
    columns = (*reversed(COLUMNS), "MessagingServiceSid")
    row = _row(Direction="outbound-api", Status="undelivered", ErrorCode="30003", Body="Reminder")
    row["MessagingServiceSid"] = "MG1"
    (m,) = parse_twilio_log(_csv([row], columns), "log.csv").records
    assert (m.direction, m.status, m.error_code, m.body) == ("outbound-api", "undelivered", 30003, "Reminder")


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        ("  Stop.  ", "stop"),
        ("STOP ALL", "stop"),
        ("stopall", "stop"),
        ("Unsubscribe", "stop"),
        ("cancel!", "stop"),
        ("END", "stop"),
        ("quit", "stop"),
        ("OPT-OUT", "stop"),
        ("optout", "stop"),
        ("Revoke", "stop"),
        ("START", "start"),
        ("unstop", "start"),
        ("Yes", "start"),
        ("HELP", "help"),
        ("info?", "help"),
        ("please stop texting me", None),
        ("STOP IT", None),
        ("subscribe", None),
        ("stopp", None),
        ("", None),
    ],
)
def test_opt_keywords_whole_body_case_and_punctuation_insensitive(body: str, keyword: str | None) -> None:
    (m,) = parse_twilio_log(_csv([_row(Body=body)]), "log.csv").records
    assert m.opt_keyword == keyword


def test_keywords_only_count_on_inbound_messages() -> None:
    (m,) = parse_twilio_log(
        _csv([_row(Body="STOP", Direction="outbound-api", Status="sent")]), "x.csv"
    ).records
    assert m.opt_keyword is None


def test_body_with_newlines_keeps_line_numbers_right() -> None:
    rows = [
        _row(Sid="SM1", Body="line one\nline two\nline three"),
        _row(Sid="SM2", Direction="sideways"),
        _row(Sid="SM3", SentDate="yesterday-ish"),
        _row(Sid="SM4", NumSegments="two"),
        _row(Sid="SM5", ErrorCode="30003.5"),
        _row(Sid="SM6", Price="free"),
        _row(Sid="", Body="no sid"),
        _row(Sid="SM8", Status="teleported"),
        _row(Sid="SM9"),
    ]
    parsed = parse_twilio_log(_csv(rows), "log.csv")
    assert [m.source_record_id for m in parsed.records] == ["SM1", "SM9"]
    assert parsed.records[0].body == "line one\nline two\nline three"
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (5, "unknown Direction"),
        (6, "unparseable SentDate"),
        (7, "NumSegments is not an integer"),
        (8, "ErrorCode is not an integer"),
        (9, "Price is not a number"),
        (10, "missing Sid"),
        (11, "unknown Status"),
    ]


def test_rows_with_wrong_field_count_are_line_errors() -> None:
    good = _csv([_row(Sid="SM1")])
    data = good + b"+1512,+1513,short row\r\n" + good.split(b"\r\n", 1)[1].replace(b"SM1", b"SM3")
    parsed = parse_twilio_log(data, "log.csv")
    assert [m.source_record_id for m in parsed.records] == ["SM1", "SM3"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(3, "expected 13 fields, found 3")]


def test_non_utf8_row_is_an_error_others_kept() -> None:
    data = _csv([_row(Sid="SM1"), _row(Sid="SM2", Body="caf\u00e9"), _row(Sid="SM3")])
    data = data.replace("caf\u00e9".encode(), b"caf\xe9")  # Latin-1 byte in a UTF-8 file
    parsed = parse_twilio_log(data, "log.csv")
    assert [m.source_record_id for m in parsed.records] == ["SM1", "SM3"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(3, "not valid UTF-8")]


def test_bom_and_blank_lines_are_tolerated() -> None:
    data = b"\xef\xbb\xbf" + _csv([_row()]) + b"\r\n\r\n"
    parsed = parse_twilio_log(data, "log.csv")
    assert len(parsed.records) == 1 and parsed.errors == []


def test_empty_file_is_a_format_error() -> None:
    with pytest.raises(TwilioFormatError, match="empty file"):
        parse_twilio_log(b"", "log.csv")


def test_header_only_is_an_empty_log() -> None:
    parsed = parse_twilio_log(_csv([]), "log.csv")
    assert parsed.records == [] and parsed.errors == []


def test_missing_columns_are_named() -> None:
    columns = tuple(c for c in COLUMNS if c not in ("Sid", "Direction"))
    with pytest.raises(TwilioFormatError, match="missing Twilio columns Sid, Direction"):
        parse_twilio_log(_csv([], columns), "calls.csv")


def test_reason_never_holds_message_content() -> None:
    parsed = parse_twilio_log(_csv([_row(Body="My DOB is 03/03/1961", SentDate="03/03/1961")]), "x.csv")
    assert parsed.errors and all("1961" not in e.reason for e in parsed.errors)


@settings(max_examples=60, deadline=None)
@given(
    body=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=80),
    segments=st.integers(1, 10),
    error=st.one_of(st.none(), st.integers(10000, 99999)),
)
def test_any_body_round_trips_through_csv(body: str, segments: int, error: int | None) -> None:
    row = _row(Body=body, NumSegments=str(segments), ErrorCode="" if error is None else str(error))
    (m,) = parse_twilio_log(_csv([row]), "log.csv").records
    assert (m.body, m.num_segments, m.error_code) == (body, segments, error)
