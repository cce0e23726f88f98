"""The patient-name picker on OCR-line fixtures (no OCR): label synonyms and format hints, split boxes,
prose cues, names near the DOB, and voting across occurrences."""

from __future__ import annotations

import pytest

from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_labels import find_hits
from orchestration.ingest.fax_name_picker import Candidate, name_run, vote
from orchestration.ingest.fax_ocr import OcrLine, OcrPage


def _page(rows: list[list[tuple[int, str]]], conf: float = 0.98) -> OcrPage:
    """Rows of (x, text) phrases, 60 px apart from the top, as the OCR would return them."""
    lines = []
    for r, row in enumerate(rows):
        y = 30 + 60 * r
        for x, text in row:
            lines.append(OcrLine(text, (x, y, x + 17 * len(text), y + 32), conf, 1))
    return OcrPage(1, 1728, 2200, 0.0, "f.pdf#page=1", lines)


def _name(rows: list[list[tuple[int, str]]]) -> tuple[str | None, str | None]:
    f = extract_fax_fields([_page(rows)], "f.pdf").fields
    return f.first_name, f.last_name


def test_a_speck_after_the_comma_of_last_first() -> None:
    rows = [[(120, "Elena Ruiz, M.D.")], [(120, "RE: DEL RIO,-TOMAS")], [(120, "D0B 22-Jan-1940")]]
    assert _name(rows) == ("Tomas", "Del Rio")


def test_a_misread_label_tail_does_not_hide_the_value_below_it() -> None:
    rows = [
        [(76, "PATIENTNAMF."), (600, "DATEOFBIRTH")],
        [(76, "Tomas Garcia"), (600, "May 15, 1984")],
        [(76, "ORDERINGPROVIDER"), (600, "NPINUMBER")],
        [(76, "Dr. Kevin Abbott"), (600, "1234567893")],
    ]
    assert _name(rows) == ("Tomas", "Garcia")


@pytest.mark.parametrize(
    ("last", "first"), [("SURNAME", "GIVEN NAME"), ("LAST", "FIRST"), ("Last Name", "First")]
)
def test_surname_and_given_name_in_boxes_of_their_own(last: str, first: str) -> None:
    rows = [
        [(90, last), (800, first), (1400, "M.I.")],
        [(100, "Villarreal"), (810, "Xiomara"), (1410, "K")],
        [(90, "BIRTH DATE"), (800, "PRIMARY PHONE")],
        [(100, "03/04/1961"), (810, "(512) 555-0187")],
        [(90, "First visit requested within two weeks")],
    ]
    assert _name(rows) == ("Xiomara", "Villarreal")
    inline = [[(90, "Last: Okonkwo   First: Nkechi   MI: A")], [(90, "DOB 03/04/1961")]]
    assert _name(inline) == ("Nkechi", "Okonkwo")


def test_a_column_that_spells_out_last_first_orders_a_name_without_a_comma() -> None:
    # "Lee James" is a likely given name + surname as written: only the column's hint says otherwise.
    rows = [
        [(80, "Name (Last, First, MI)"), (800, "DOB"), (1200, "Contact No.")],
        [(90, "LEE JAMES R"), (810, "1/2/1950"), (1210, "512-555-0100")],
    ]
    assert _name(rows) == ("James", "Lee")
    assert _name([[(80, "Name: LEE JAMES R")], [(80, "DOB 1/2/1950")]]) == ("Lee", "James")


@pytest.mark.parametrize(
    ("sentence", "want"),
    [
        ("Please see Ms. Siobhan Fitzgerald, born 4/5/1970, for therapy.", ("Siobhan", "Fitzgerald")),
        (
            "This letter concerns Rosalind Abernathy, date of birth 1/2/1950, whom I saw.",
            ("Rosalind", "Abernathy"),
        ),
        ("I am referring my patient Jane Q. Doe (DOB 03/04/1961) for physical therapy.", ("Jane", "Doe")),
        ("Thank you for seeing Bartholomew Villarreal Jr. for his knee.", ("Bartholomew", "Villarreal")),
        ("Please evaluate and treat Kenji Nakashima for low back pain, 2x/week.", ("Kenji", "Nakashima")),
    ],
)
def test_a_patient_named_in_prose(sentence: str, want: tuple[str, str]) -> None:
    rows = [[(140, "Dr. Mark Whitfield")], [(140, "Dear Physical Therapist,")], [(140, sentence)]]
    assert _name(rows) == want


def test_prose_cues_skip_the_addressee_the_referring_side_and_orders() -> None:
    rows = [
        [(140, "Dear Ms. Grace Hopper,")],
        [(140, "Please evaluate and treat 2x/week x 6 weeks.")],
        [(140, "I will see Dr. Mark Whitfield next week.")],
    ]
    assert _name(rows) == (None, None)


def test_a_name_alone_beside_the_dob_but_never_the_doctor_or_another_fields_value() -> None:
    rows = [
        [(120, "Elena Ruiz, M.D.")],
        [(120, "NPI 1234567893")],
        [(120, "Marguerite Dubois")],
        [(120, "DOB: 07/08/1955")],
        [(120, "Health Plan"), (700, "Member ID")],
        [(120, "Grace Hopper"), (700, "XKZ123456789")],
    ]
    assert _name(rows) == ("Marguerite", "Dubois")
    no_patient = [rows[0], rows[1], rows[3], [(120, "Insurance:"), (400, "Ethan Brown")]]
    assert _name(no_patient) == (None, None)


def test_a_misread_hint_word_and_a_surname_that_starts_with_a_particle() -> None:
    rows = [[(80, "Name (Laet, First, MI)."), (800, "DOB")], [(90, "LEE JAMES R"), (810, "1/2/1950")]]
    assert _name(rows) == ("James", "Lee")
    # No given name starts "St." or "Van": without a comma or a hint the surname comes first.
    assert _name([[(80, "Name: ST. PIERRE INGRID B")], [(80, "DOB 1/2/1950")]]) == ("Ingrid", "St. Pierre")


def test_two_readings_a_letter_apart_pool_their_votes_and_the_census_spells_the_name() -> None:
    rows = [
        [(70, "Regarding: Beatriz Villarreal")],
        [(80, "Name (Last, First)"), (800, "DOB")],
        [(90, "VILARREAI, BEATRIZ"), (810, "12/14/1989")],
    ]
    assert _name(rows) == ("Beatriz", "Villarreal")


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("weiBrown", ("Wei", "Brown")),
        ("O'neill, michael", ("Michael", "O'Neill")),
        ("SMITH JR, JOHN", ("John", "Smith")),
    ],
)
def test_case_the_fax_lost_and_suffixes(value: str, want: tuple[str, str]) -> None:
    # "w" and "W" look alike, and a lost space glued the words; after O' a name goes on in capitals.
    assert _name([[(80, "PATIENT NAME"), (600, "DATE OF BIRTH")], [(80, value), (600, "1972-11-14")]]) == want


def test_label_synonyms_real_forms_use() -> None:
    for label in ("Client:", "Name of Patient:", "Member Name:", "Regarding:", "Patient's Name:"):
        rows = [[(100, f"{label} Kenji Nakashima")], [(100, "DOB 02/03/1977")]]
        assert _name(rows) == ("Kenji", "Nakashima"), label


def test_format_hints_fold_into_one_name_label() -> None:
    hits = find_hits("Last Name, First Name: Doe, Jane")
    assert [(h.field, h.name_order) for h in hits] == [("name", "last_first")]
    hits = find_hits("Patient Name (First Last)")
    assert [(h.field, h.name_order) for h in hits] == [("name", "first_last")]
    assert [h.field for h in find_hits("Last Name: Doe   First Name: Jane")] == ["last_name", "first_name"]


def _line(y: int) -> OcrLine:
    return OcrLine("x", (0, y, 10, y + 30), 0.9, 1)


def test_occurrences_of_one_name_vote_and_the_confidence_is_the_surest_single_reading() -> None:
    twice = [Candidate("Jane", "Doe", 0.6, _line(0), True), Candidate("Jane", "Doe", 0.6, _line(100), True)]
    once = [Candidate("Jana", "Doe", 0.75, _line(200), True)]
    pick = vote(twice + once)
    assert pick is not None and pick.value == ("Jane", "Doe") and pick.score == 0.6
    # The same line read twice (two labels on it) is one vote, not two.
    same_line = [Candidate("Jane", "Doe", 0.6, twice[0].line, True)] * 2
    assert vote(same_line + once).value == ("Jana", "Doe")  # type: ignore[union-attr]


def test_name_run_stops_at_the_first_word_no_name_has() -> None:
    assert name_run("Jane Q. Doe, who has knee pain") == "Jane Q. Doe"
    assert name_run("please see Jane Doe, ", from_end=True) == "Jane Doe"
    assert name_run("my patient DOE, JANE, ", from_end=True) == "DOE, JANE"
