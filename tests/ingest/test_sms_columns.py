"""The column-at-a-time SMS path (twilio_columns.plain_messages_table) gives exactly the reference's table
(typed_rows -> the raw table's tuple conversion) whenever it answers, and answers for plain exports;
parse_sms's rows and line errors are the reference's for any export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.framework import ParseContext
from orchestration.ingest.records import QuarantineFile, TupleRows
from orchestration.ingest.sms import MESSAGES, parse_sms
from orchestration.ingest.twilio_columns import plain_messages_table
from orchestration.ingest.twilio_parse import COLUMNS, SmsMessage, parse_twilio_rows, split_twilio_rows

_odd = st.sampled_from(["", " ", "x", " 1 ", "²", "1.5", "nan", "-0.0079", "\t", "\x1f"])
_row = st.fixed_dictionaries(
    {
        "From": st.one_of(st.sampled_from(["+15125550100", " +15125550101 ", ""]), _odd),
        "To": st.sampled_from(["+15122590300", "+15122590300 "]),
        "Body": st.one_of(
            st.sampled_from(["Confirm", "STOP", " stop! ", "Yes", "help me", "é\nline"]), st.text(max_size=30)
        ),
        "Status": st.one_of(st.sampled_from(["delivered", "received", "Sent", " failed ", "queued"]), _odd),
        "SentDate": st.one_of(
            st.sampled_from(
                ["2025-08-10T16:50:56-05:00", "2025-03-09 03:01:00", "2025-11-02T01:30:00Z",
                 " 2025-08-10T16:50:56.5+02:00 ", "Tue, 05 Mar 2024 14:02:11 +0000", "",
                 "2025-02-30T00:00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00",
                 "0001-01-01T05:00:00"]
            ),
            _odd,
        ),
        "ApiVersion": st.sampled_from(["2010-04-01", "", " 2010-04-01"]),
        "NumSegments": st.one_of(st.sampled_from(["1", "2", "", " 3 "]), _odd),
        "ErrorCode": st.one_of(st.sampled_from(["", "30007", "21610"]), _odd),
        "AccountSid": st.sampled_from(["AC87ef", "", " AC87ef "]),
        "Sid": st.one_of(st.sampled_from(["SMc5ab", "SM203e", "MM1", " SM9 "]), _odd),
        "Direction": st.one_of(
            st.sampled_from(["inbound", "outbound-api", "Outbound-Reply", " inbound"]), _odd
        ),
        "Price": st.one_of(st.sampled_from(["-0.00790", "", "0", "-1e-3"]), _odd),
        "PriceUnit": st.sampled_from(["USD", "", " usd "]),
    }
)  # fmt: skip
_plain_row = _row.map(
    lambda r: r
    | {"Sid": r["Sid"].strip() or "SM1", "Direction": "inbound", "Status": "received", "Price": "-0.00790",
       "NumSegments": "1", "ErrorCode": "", "SentDate": "2025-08-10T16:50:56-05:00"}
)  # fmt: skip


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _reference(data: bytes) -> tuple[pa.Table | None, list] | str:
    try:
        records, errors = parse_twilio_rows(data, "m.csv")
    except QuarantineFile as exc:
        return str(exc)
    except Exception as exc:  # a crash the reference has (e.g. int() of a superscript digit)
        return type(exc).__name__
    return (MESSAGES.to_arrow(TupleRows(records, SmsMessage)) if records else None), errors


def _fast(path: Path) -> tuple[pa.Table | None, list] | str:
    try:
        parsed = parse_sms(path, ParseContext(path.parent))
    except QuarantineFile as exc:
        return str(exc)
    except Exception as exc:
        return type(exc).__name__
    rows = parsed.rows.get(MESSAGES)
    return (MESSAGES.to_arrow(rows) if rows else None), parsed.errors


def _check(tmp_path_factory: pytest.TempPathFactory, rows: list[dict]) -> None:
    data = _csv(rows)
    path = tmp_path_factory.mktemp("sms") / "m.csv"
    path.write_bytes(data)
    got, expected = _fast(path), _reference(data)
    if isinstance(got, str) or isinstance(expected, str):
        assert got == expected
        return
    assert got[1] == expected[1]
    assert (got[0] is None) == (expected[0] is None)
    if got[0] is not None:  # compared by repr: a "nan" Price is NaN both ways, and NaN != NaN
        assert got[0].schema.equals(expected[0].schema)
        assert repr(got[0].to_pylist()) == repr(expected[0].to_pylist())


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, min_size=1, max_size=8))
def test_parse_sms_is_the_reference(tmp_path_factory: pytest.TempPathFactory, rows: list[dict]) -> None:
    _check(tmp_path_factory, rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(_plain_row, min_size=1, max_size=8))
def test_plain_exports_are_the_reference(tmp_path_factory: pytest.TempPathFactory, rows: list[dict]) -> None:
    _check(tmp_path_factory, rows)


def test_plain_export_takes_the_column_path() -> None:
    rows = [
        {"From": "+15122590300", "To": "+15129576617", "Body": "Reminder: tomorrow at 5:00 PM.",
         "Status": "delivered", "SentDate": "2025-08-10T16:50:56-05:00", "ApiVersion": "2010-04-01",
         "NumSegments": "1", "ErrorCode": "", "AccountSid": "AC87", "Sid": "SMc5",
         "Direction": "outbound-api", "Price": "-0.00790", "PriceUnit": "USD"},
        {"From": "+15129576617", "To": "+15122590300", "Body": "Stop", "Status": "received",
         "SentDate": "2025-11-02 07:30:00", "ApiVersion": "2010-04-01", "NumSegments": "1", "ErrorCode": "",
         "AccountSid": "AC87", "Sid": "SM20", "Direction": "inbound", "Price": "", "PriceUnit": ""},
    ]  # fmt: skip
    header, _, parsed, errors = split_twilio_rows(_csv(rows), "m.csv")
    table = plain_messages_table(header, parsed, MESSAGES.arrow_schema)
    assert table is not None and errors == []
    records, _ = parse_twilio_rows(_csv(rows), "m.csv")
    assert table.equals(MESSAGES.to_arrow(TupleRows(records, SmsMessage)))
    assert table.column("opt_keyword").to_pylist() == [None, "stop"]


@pytest.mark.parametrize(
    "change",
    [{"Sid": " "}, {"Direction": "sideways"}, {"Status": "lost"},
     {"SentDate": "Tue, 05 Mar 2024 14:02:11 +0000"}, {"NumSegments": "one"}, {"ErrorCode": "1.5"},
     {"Price": "free"}],
)  # fmt: skip
def test_anything_unusual_takes_the_reference_path(change: dict) -> None:
    row = {"From": "+1", "To": "+2", "Body": "hi", "Status": "received",
           "SentDate": "2025-08-10T16:50:56-05:00", "ApiVersion": "", "NumSegments": "1", "ErrorCode": "",
           "AccountSid": "", "Sid": "SM1",
           "Direction": "inbound", "Price": "", "PriceUnit": ""}  # fmt: skip
    header, _, parsed, _ = split_twilio_rows(_csv([row, row | change]), "m.csv")
    assert plain_messages_table(header, parsed, MESSAGES.arrow_schema) is None
