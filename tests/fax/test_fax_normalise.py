"""Normalisers for fax values: dates, phones, ICD-10-CM codes, orders, names."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.fax_normalise import (
    find_dates,
    find_icd10,
    normalise_date,
    normalise_icd10,
    normalise_orders,
    normalise_phone,
    split_person_name,
)

DATE_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d", "%b %d, %Y", "%d-%b-%Y", "%B %d, %Y")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)), st.sampled_from(DATE_FORMATS))
def test_dates_round_trip_through_every_written_format(d: date, fmt: str) -> None:
    assert normalise_date(f"DOB: {d.strftime(fmt)}") == d.isoformat()


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_unpadded_us_dates(d: date) -> None:
    assert normalise_date(f"{d.month}/{d.day}/{d.year}") == d.isoformat()


def test_two_digit_years_pivot_and_ocr_month_confusions() -> None:
    assert normalise_date("3/14/62") == "1962-03-14"
    assert normalise_date("3/14/24") == "2024-03-14"
    assert normalise_date("16-Ju1-1949") == "1949-07-16"  # l read as 1
    assert normalise_date("October . 7, 1957.") == "1957-10-07"  # wrapped across lines
    assert normalise_date("13/45/2020") is None
    assert normalise_date("DOB May 29; 1962") == "1962-05-29"  # comma read as a semicolon
    assert normalise_date("Dec 05,'1990") == "1990-12-05"  # a speck read as an apostrophe
    assert normalise_date("Jui 25, 1976") == "1976-07-25"  # July's l read as i, not June
    assert normalise_date("1983-02.20") == "1983-02-20"  # a hyphen read as a dot
    # The next word glued to the year, its capital H read as "1I": the digit is not the year's.
    assert normalise_date("DOB 02/28/19571Iome phone") == "1957-02-28"
    assert normalise_date("02/28/19571") is None  # five digits with no word after: no year to trust
    assert normalise_date("[29 -May-1969") == "1969-05-29"  # a border, and a space before the dash
    assert normalise_date("103-28-1955.") == "1955-03-28"  # a border read as 1: no month has 3 digits
    assert normalise_date("s/p surgery May 2l, 2025") == "2025-05-21"  # 1 read as l in the day


area = st.integers(200, 999).filter(lambda n: str(n)[1:] != "11")
PHONE_FORMATS = (
    "({a}) {b}-{c}",
    "{a}-{b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "1-{a}-{b}-{c}",
    "+1 {a} {b} {c}",
    "{a}{b}{c}",
)


@given(area, st.integers(200, 999), st.integers(0, 9999), st.sampled_from(PHONE_FORMATS))
def test_phones_normalise_to_ten_digits(a: int, b: int, c: int, fmt: str) -> None:
    text = fmt.format(a=a, b=b, c=f"{c:04d}")
    assert normalise_phone(f"Phone: {text}") == f"{a}{b}{c:04d}"


def test_phone_rejects_impossible_numbers() -> None:
    assert normalise_phone("(012) 555-0100") is None  # area codes never start with 0 or 1
    assert normalise_phone("555-0100") is None


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("M17.11", "M17.11"),
        ("M1711", "M17.11"),
        ("m54.2", "M54.2"),
        ("S83511A", "S83.511A"),
        ("Z96651", "Z96.651"),
        ("Mi711", "M17.11"),
        ("S8351lA", "S83.511A"),
        ("M75 101", "M75.101"),
        ("M5 1.16", "M51.16"),  # a space misread inside the code
        ("M1 711", "M17.11"),  # ... and inside an undotted one
        ("M76:60", "M76.60"),  # the dot read as a colon
        ("M75. 101", "M75.101"),  # a space read after the dot
    ],
)
def test_icd10_codes_accept_missing_dots_and_ocr_confusions(written: str, code: str) -> None:
    assert find_icd10(f"Dx: knee ({written})") == [code]


def test_icd10_rejects_invalid_and_wordlike_tokens() -> None:
    assert normalise_icd10("M17.99") is None  # not a code
    assert find_icd10("oil change, Mild pain, ICD-10:") == []


@given(st.sampled_from(["M17.11", "M54.50", "S83.511A", "Z96.651", "R26.89", "M62.81"]), st.booleans())
def test_icd10_normalise_is_idempotent(code: str, drop_dot: bool) -> None:
    written = code.replace(".", "") if drop_dot else code
    assert normalise_icd10(written) == code
    assert normalise_icd10(normalise_icd10(written) or "") == code


@given(
    st.integers(1, 5),
    st.integers(1, 24),
    st.sampled_from(
        [
            "{n}x/week x {m} weeks",
            "{n}x/wk x {m} wks",
            "{n} times a week for {m} weeks",
            "{n}x per week for {m} weeks",
            "Eval and treat, {n}X/WK X {m}WKS",
        ]
    ),
)
def test_orders_normalise(n: int, m: int, fmt: str) -> None:
    assert normalise_orders(fmt.format(n=n, m=m)) == f"{n}x/week x {m} weeks"


@given(st.integers(1, 4), st.integers(1, 24))
def test_order_ranges_take_the_upper_bound(low: int, m: int) -> None:
    assert normalise_orders(f"{low}-{low + 1} times a week for {m} wks") == f"{low + 1}x/week x {m} weeks"


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("BIW x 6 wk", "2x/week x 6 weeks"),
        ("TIW x 4 wk", "3x/week x 4 weeks"),
        ("once a week for 8 weeks", "1x/week x 8 weeks"),
        ("twice a week x 6 weeks", "2x/week x 6 weeks"),
        ("Eval and treat", None),
        ("2x/week", None),
        ("PT evaluate & treat 1-2x/week x 8.wks", "2x/week x 8 weeks"),  # a speck before "wks"
        ("2. Evaluate and treat l times per week for 8 weeks", "1x/week x 8 weeks"),  # 1 read as l
        ("2. Evaluate and treat. 2.times per week for 12 weeks", "2x/week x 12 weeks"),  # a speck
        ("P'T evaiuate & treat 2-3x/week x.6 wks", "3x/week x 6 weeks"),
    ],
)
def test_order_abbreviations_and_incomplete_orders(text: str, norm: str | None) -> None:
    assert normalise_orders(text) == norm


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("John A. Smith", "John", "Smith"),
        ("SMITH-JONES, MARY", "Mary", "Smith-Jones"),
        ("O'NEILL, PATRICK J", "Patrick", "O'Neill"),
        ("Maria De La Cruz", "Maria", "De La Cruz"),
        ("JohnSmith", "John", "Smith"),
        ("Smith,John", "John", "Smith"),
        ("MCDONALD, AVA", "Ava", "McDonald"),
        ("Dr. Sarah Chen", "Sarah", "Chen"),
        ("Kevin Abbott, M.D.", "Kevin", "Abbott"),
        ("St. Clair, Aisha", "Aisha", "St. Clair"),
        ("VAN BUREN, LUIS", "Luis", "Van Buren"),
        # OCR damage: small letters inside a capitals name, a dot read as a colon, a split hyphen part,
        # an l read as "!".
        ("OKaFOR, maRY", "Mary", "Okafor"),
        ("ST: CLAIR, GRACE", "Grace", "St. Clair"),
        ("James Hernandez-L opez", "James", "Hernandez-Lopez"),
        ("Pau! Whitfield", "Paul", "Whitfield"),
        ("joHNSON, TomaS", "Tomas", "Johnson"),  # capitals read partly small: never split inside
        ("FatimaVanBuren", "Fatima", "Van Buren"),  # a lost space after Van is put back
        ("DeShawn Jones", "DeShawn", "Jones"),
        ("Dr. Pau] Chen", "Paul", "Chen"),  # an l read as "]"
        ("Dr. Sarah 0'Brien", "Sarah", "O'Brien"),  # O read as zero
        ("ReYes, Fatima", "Fatima", "Reyes"),  # a small y read as a capital
        ("Maria JoHnSon", "Maria", "Johnson"),  # two small letters read as capitals
        ("Ana DeLaCruz", "Ana", "DeLaCruz"),
        ("Maria LaToya", "Maria", "LaToya"),
        ("Wei Smith-jones", "Wei", "Smith-Jones"),  # a hyphen part's capital read small
        ("OlivlaStClair", "Olivla", "St. Clair"),  # St. glued on, its dot lost
        ("ST. CLAIR, 'TOMAS", "Tomas", "St. Clair"),  # a speck read as a quote before a word
        ("Dr:Kevin Morales", "Kevin", "Morales"),  # the title's dot read as a colon, glued on
        ("A nita Whitfield, M.D.", "Anita", "Whitfield"),  # a gap read inside a word, not an initial
        ("John A Smith", "John", "Smith"),  # a real initial stands before a capital
    ],
)
def test_person_names(text: str, first: str, last: str) -> None:
    assert split_person_name(text) == (first, last)


@given(st.text(max_size=40))
def test_normalisers_never_raise(text: str) -> None:
    normalise_date(text)
    normalise_phone(text)
    normalise_orders(text)
    find_icd10(text)
    split_person_name(text)
    find_dates(text)
