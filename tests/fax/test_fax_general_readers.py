"""Session-8 reading rules on OCR-line fixtures (no OCR): names printed without spaces, a name whose
order only the Census guessed, ICD-10 codes cut by a misread dot or a line break, an NPI with two
check-digit windows, credentials glued on, and other slips real fax layouts produce."""

from __future__ import annotations

import pytest

from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_icd_join import codes_in_runs, rejoin_cut_codes
from orchestration.ingest.fax_name_letters import vote_name_letters
from orchestration.ingest.fax_name_split import split_run_together
from orchestration.ingest.fax_normalise import find_dates, find_icd10, normalise_orders, split_person_name
from orchestration.ingest.fax_ocr import OcrLine, OcrPage
from orchestration.ingest.fax_payers import load_payer_aliases
from orchestration.ingest.fax_recognise import CharGuess
from orchestration.settings import REPO_ROOT

ALIASES = load_payer_aliases(REPO_ROOT / "config" / "payers.yaml")


def _line(x: int, y: int, text: str, doubted: dict[int, float] | None = None) -> OcrLine:
    chars = tuple(CharGuess(c, (doubted or {}).get(i, 0.99), "", 0.0) for i, c in enumerate(text))
    return OcrLine(text, (x, y, x + 17 * len(text), y + 32), 0.98, 1, chars)


def _fields(rows: list[list[tuple[int, str] | OcrLine]]):  # type: ignore[no-untyped-def]
    """Rows of (x, text) phrases (or ready lines), 60 px apart, as the OCR would return them."""
    lines = []
    for r, row in enumerate(rows):
        for cell in row:
            lines.append(cell if isinstance(cell, OcrLine) else _line(cell[0], 30 + 60 * r, cell[1]))
    page = OcrPage(1, 1728, 2200, 0.0, "f.pdf#page=1", lines)
    return extract_fax_fields([page], "f.pdf", payer_aliases=ALIASES).fields


@pytest.mark.parametrize(
    ("word", "order", "split"),
    [
        ("WHITAKERBARTHOLOMEWM", "last_first", "WHITAKER, BARTHOLOMEW M"),
        ("OCHOAMARGUERITET", "last_first", "OCHOA, MARGUERITE T"),
        ("GARCIALUIS", "", "GARCIA, LUIS"),
        ("JANEDOE", "first_last", "JANE DOE"),
        ("SMITH", "", None),  # one name alone: no cut gives two listed parts
        ("LINDQVISTYUKIA", "last_first", None),  # no cut the Census can vouch for: no guess
        ("WhitakerBartholomew", "", None),  # not capitals: the case change splits it elsewhere
    ],
)
def test_a_name_printed_without_spaces_is_split_as_the_census_makes_likeliest(
    word: str, order: str, split: str | None
) -> None:
    assert split_run_together(word, order) == split


def test_unspaced_name_box_and_a_census_swapped_mention_name_one_patient() -> None:
    # "Regarding: Bartholomew Whitaker" alone the Census would swap (Whitaker is the likelier given
    # name); the box states Last, First, and its letters came back as one token.
    rows = [
        [(70, "Regarding: Bartholomew Whitaker")],
        [(76, "Name (Last, First, MI)"), (800, "DOB"), (1170, "Contact No.")],
        [(81, "WHITAKERBARTHOLOMEWM"), (802, "4/11/1974"), (1180, "(254) 393-2416")],
    ]
    f = _fields(rows)
    assert (f.first_name, f.last_name) == ("Bartholomew", "Whitaker")
    assert _fields([rows[0], [(800, "DOB 4/11/1974")]]).first_name == "Whitaker"  # the guess alone


def test_a_comma_after_a_surname_particle_is_its_dot() -> None:
    f = _fields([[(78, "PATIENT NAME")], [(78, "Tomas St, Clair")], [(78, "DOB 02/03/1950")]])
    assert (f.first_name, f.last_name) == ("Tomas", "St. Clair")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("S83,511A ACL sprain, right knee", ["S83.511A"]),  # the dot read as a comma
        ("S83;511A", ["S83.511A"]),
        ("M54,M25.561", ["M54", "M25.561"]),  # a comma between two codes stays one
        ("M54, 2 sessions", ["M54"]),
    ],
)
def test_a_dot_read_as_a_comma_inside_a_code(text: str, codes: list[str]) -> None:
    assert find_icd10(text) == codes


def test_a_code_cut_by_a_line_break_or_a_box_edge_is_put_back_together() -> None:
    assert rejoin_cut_codes(["Dx: S83.", "511A ACL sprain"]) == ["Dx: S83.511A", " ACL sprain"]
    assert rejoin_cut_codes(["S83", ".511A"]) == ["S83.511A", ""]
    assert rejoin_cut_codes(["S83", "511A"]) == ["S83.511A", ""]
    # A short number after a bare category is the next sentence's, and nothing invalid is made.
    assert rejoin_cut_codes(["M54", "2 sessions a week"]) == ["M54", "2 sessions a week"]
    assert rejoin_cut_codes(["Dx S83", "Knee"]) == ["Dx S83", "Knee"]
    rows = [[(80, "DIAGNOSIS CODES")], [(80, "S83."), (160, "511A ACL sprain, right knee")]]
    assert _fields(rows).diagnosis_codes == ["S83.511A"]


def test_of_two_npi_windows_passing_the_check_the_one_without_the_doubted_digit_wins() -> None:
    # "1" + the NPI: both "1126791676" and "1267916769" pass the check digit (one in ten do).
    npi = _line(852, 90, "11267916769", {0: 0.24})
    assert _fields([[(859, "NPI")], [npi]]).referring_npi == "1267916769"
    border_last = _line(852, 90, "11267916769", {10: 0.3})
    assert _fields([[(859, "NPI")], [border_last]]).referring_npi == "1126791676"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Maria ChenMD", ("Maria", "Chen")),
        ("Elena O'BrienMD", ("Elena", "O'Brien")),
        ("Elena Nakamura, D0", ("Elena", "Nakamura")),
        ("Jane Mudd", ("Jane", "Mudd")),
    ],
)
def test_a_credential_glued_on_or_misread_is_no_part_of_the_name(text: str, name: tuple[str, str]) -> None:
    assert split_person_name(text) == name


def test_a_one_read_as_l_before_a_count_noun() -> None:
    assert normalise_orders("would like l sessions per week for 8 weeks.") == "1x/week x 8 weeks"
    assert normalise_orders("I would like 2 sessions per week for 6 weeks") == "2x/week x 6 weeks"


def test_payer_glued_to_its_plan_type_and_named_in_prose_through_a_speck() -> None:
    glued = [[(77, "Plan"), (703, "Subscriber ID")], [(83, "AetnaPPO"), (709, "2121074111")]]
    assert _fields(glued).payer == "Aetna"
    prose = [[(127, "Coverage is through Blue (Cross Blue Shield, membcr ID NAU872654375.")]]
    f = _fields(prose)
    assert f.payer is not None and f.payer.startswith("Blue Cross Blue Shield")
    assert f.member_id == "NAU872654375"


def test_a_post_op_box_whose_border_is_read_before_the_answer() -> None:
    rows = [[(859, "Post-op"), (1173, "Surgery")], [(865, "INo"), (1179, "n/a")]]
    assert _fields(rows).post_op is False
    rows = [[(859, "Post-op"), (1173, "Surgery")], [(865, "|Yes"), (1179, "08/29/2025")]]
    assert _fields(rows).post_op is True


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("Orders: Eval and treat, TlW x 6 wk", "3x/week x 6 weeks"),  # TIW, its I read as l
        ("Rx: Eval and treat, TliW x 4 wk", "3x/week x 4 weeks"),  # ... or as "li"
        ("BlW x 6 weeks", "2x/week x 6 weeks"),
    ],
)
def test_a_frequency_abbreviation_with_its_i_misread(text: str, orders: str) -> None:
    assert normalise_orders(text) == orders


def test_a_speck_inside_the_zip_and_a_birth_date_wrapped_in_prose() -> None:
    rows = [
        [(112, "Home Address:")],
        [(138, "5162 Congress Ave, Cedar Park, TX 7861:3")],
        [(140, "Dear colleague, please evaluate and treat my patient Chloe K. O'Neill, Date cf Birth May")],
        [(138, "02, 1990.")],
    ]
    f = _fields(rows)
    assert (f.zip, f.dob) == ("78613", "1990-05-02")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dr, Mark Patel.", ("Mark", "Patel")),
        ("KevinAbbottMD)", ("Kevin", "Abbott")),
        ("Drake, Mark", ("Mark", "Drake")),
    ],
)
def test_a_title_s_dot_read_as_a_comma_and_a_speck_after_the_credential(
    text: str, name: tuple[str, str]
) -> None:
    assert split_person_name(text) == name


@pytest.mark.parametrize("text", ["05 26 1955", "05|26|1955", "DOB: 05 26 1955"])
def test_a_birth_date_in_three_boxes(text: str) -> None:
    assert find_dates(text)[0][0].isoformat() == "1955-05-26"
    assert not find_dates("512 581 7113") and not find_dates("(830) 485-9001")


def _guessed(x: int, y: int, text: str, guesses: dict[int, tuple[float, str, float]]) -> OcrLine:
    chars = tuple(CharGuess(c, *guesses.get(i, (0.99, "", 0.0))) for i, c in enumerate(text))
    return OcrLine(text, (x, y, x + 17 * len(text), y + 32), 0.98, 1, chars)


def test_every_reading_of_a_name_votes_on_its_letters() -> None:
    box = _guessed(787, 279, "Nkechl", {5: (0.86, "i", 0.09)})
    footer = _guessed(77, 1027, "cc: chart - Nkechi Castellanos", {16: (0.37, "I", 0.27)})
    assert vote_name_letters("Nkechl", [box, footer]) == "Nkechi"
    assert vote_name_letters("Nkechl", [box]) == "Nkechl"  # one reading: nothing to vote on
    # Surely read different letters are another word, not a witness: the doctor's "Ruiz" by "Luis",
    # and letters whose only doubt is their case ("LOPEZ": L at 0.6 with l at 0.38, P likewise).
    doctor = _guessed(118, 159, "Paul Ruiz-Gomez, M.D.", {})
    patient = _guessed(118, 311, "RE: HERNANDEZ-LOPEZ, LUIS", {14: (0.6, "l", 0.38), 16: (0.55, "p", 0.44)})
    assert vote_name_letters("Luis", [doctor, patient]) == "Luis"
    assert vote_name_letters("Lopez", [doctor, patient]) == "Lopez"


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("three times a week for four weeks", "3x/week x 4 weeks"),  # the duration as a word
        ("2-3x/wk x 4-6 wks", "3x/week x 6 weeks"),  # ranges take their upper end, as frequencies do
        ("Frequency: 3x/week Duration: 4 weeks", "3x/week x 4 weeks"),
        ("3/wk x 4 wk", "3x/week x 4 weeks"),
    ],
)
def test_orders_in_words_ranges_and_separate_duration(text: str, orders: str) -> None:
    assert normalise_orders(text) == orders
    assert normalise_orders("Eval and treat 3/4/2025 x 4 wk") is None  # a date is no frequency


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("April 3rd, 1961", "1961-04-03"),
        ("3rd April 1961", "1961-04-03"),
        ("DOB: 4th of July 1976", "1976-07-04"),
        ("1961/04/03", "1961-04-03"),
    ],
)
def test_ordinal_days_and_year_first_with_slashes(text: str, iso: str) -> None:
    assert find_dates(text)[0][0].isoformat() == iso


def test_label_wordings_other_forms_use() -> None:
    rows = [
        [(100, "Patient Name: Jane Doe"), (800, "DOB: 03/04/1961")],
        [(100, "Payor: Aetna"), (800, "Insured ID: W123456789")],
        [(100, "Attending: Dr. Maria Chen"), (800, "NPI: 1234567893")],
        [(100, "Reason for referral: knee pain M17.11")],
        [(100, "Requested Services: PT 3x/wk x 4 wks")],
    ]
    f = _fields(rows)
    assert (f.payer, f.member_id, f.referring_name) == ("Aetna", "W123456789", "Maria Chen")
    assert (f.diagnosis_codes, f.orders) == (["M17.11"], "3x/week x 4 weeks")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("AM1711", ["M17.11"]),  # slot letter A glued on, no dot
        ("AM54|2B.M62|81]", ["M54.2", "M62.81"]),  # box borders for dots, the next slot's B.
        ("AM75]101]8.[M25[511]", ["M75.101", "M25.511"]),  # B read as 8
        ("A Z96]651 8M25|661", ["Z96.651", "M25.661"]),
        ("W123456789", []),  # an id is no code followed by junk
        ("M76.60 Achilles tendinit1s", ["M76.60"]),  # no letter read for a digit inside a word
        ("Member D669002300", []),
    ],
)
def test_codes_in_glued_claim_form_runs(text: str, codes: list[str]) -> None:
    assert codes_in_runs(text) == codes


def test_a_claim_form_caption_row() -> None:
    """Numbered capitals captions over tight boxes: the "NAME" inside other captions is no name label,
    the order comes from the caption's part labels, borders between the name boxes are gaps, the
    values sit below captions whose own rest is no value."""
    rows = [
        [(56, "2.PATIENTS NAME(LastName,First Name,Middle initial)"), (988, "3.BIRTHDATE MMD0YYYY")],
        [(54, "OCHOA|BARTHOLOMEWM]"), (984, "[07091960]")],
        [(58, "11c.INSURANCE PLAN NAME OR PROGRAM NAME"), (889, "1a.INSURED'S I.D. NUMBER")],
        [(69, "AETNA PPO"), (889, "X724990408")],
        [(60, "17.NAME OF REFERRING PROVIDER OR OTHER SOURCE"), (990, "17b.NPI")],
        [(69, "Paul Abbott"), (989, "1650607892")],
        [(59, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY (ICD Ind. 0)")],
        [(57, "A.Z96]651 B.[M25]661]")],
    ]
    f = _fields(rows)
    assert (f.first_name, f.last_name, f.dob) == ("Bartholomew", "Ochoa", "1960-07-09")
    assert (f.payer, f.member_id, f.referring_name) == ("Aetna", "X724990408", "Paul Abbott")
    assert f.diagnosis_codes == ["Z96.651", "M25.661"]


def test_a_cover_sheet_subject_and_an_inline_patient_line() -> None:
    rows = [
        [(108, "Re:"), (308, "Referral -OKONKWO,LUCINDA")],
        [(108, "From:"), (308, "Dr. Kevin Nakamura")],
        [(108, "Fax:"), (308, "(737) 205-4190")],
        [(91, "IPt: Lucinda Okonkw0 . DOB: Jun 17, 1956 * Tel (H): (254) 419-9434")],
        [(88, "Referring: Dr. Kevin Nakamura  NPI: 1647627185")],
    ]
    f = _fields(rows)
    assert (f.first_name, f.last_name, f.dob, f.phone) == ("Lucinda", "Okonkwo", "1956-06-17", "2544199434")


def test_part_words_in_a_name_caption_are_no_boxes_and_a_phone_caption_hides_its_number() -> None:
    rows = [
        [(57, "2.PATIENTS NAME (LastName,First Name,Middle Initial)"), (988, "3.BIRTHDATE MM DD YYYY")],
        [(63, "BERGSTROM LUCINDA A"), (1000, "10241991")],
        [(58, "5.PATIENT'S TELEPHONE(lnclude Area Code)"), (887, "ZIP CODE")],
        [(68, "(512)880-1914"), (888, "78613")],
        [(58, "2.PATIENTS NAME (Last Name, First Name)")],
    ]
    f = _fields(rows[:4])
    assert (f.first_name, f.last_name, f.dob, f.phone) == ("Lucinda", "Bergstrom", "1991-10-24", "5128801914")
    glued = _fields([rows[4], [(63, "DUBOISBEATRIZ K")]])  # one capitals run and the initial's box
    assert (glued.first_name, glued.last_name) == ("Beatriz", "Dubois")


def test_a_header_row_read_as_one_phrase_keeps_its_name_label() -> None:
    for header in ("Patient Name   DOB   Phone", "Patient Name DOB Phone"):
        f = _fields([[(100, header)], [(100, "Jane Doe   03/04/1961   512-555-1234")]])
        assert (f.first_name, f.last_name, f.dob, f.phone) == ("Jane", "Doe", "1961-03-04", "5125551234")


def test_a_member_id_stated_as_none_hides_nothing() -> None:
    rows = [[(100, "Member ID: N/A"), (700, "Group #")], [(700, "88812345")]]
    assert _fields(rows).member_id is None


def test_post_blind_rules_codes_with_a_gap_a_lost_date_separator_and_a_wrapped_birth_date() -> None:
    assert find_icd10("1. Dx S4220 1A - Fracture of upper end of humerus") == ["S42.201A"]
    assert find_icd10("M54.5 2 sessions") == ["M54.5"] and find_icd10("M25.56 1x/week") == ["M25.56"]
    rows = [[(79, "PATIENTNAME"), (601, "DATEOFBIRTH")], [(79, "PriyaBrown"), (599, "97/1959")]]
    assert _fields(rows).dob == "1959-09-07"  # 9/7/1959 with its first slash lost
    rows = [[(79, "PATIENTNAME"), (601, "DATEOFBIRTH")], [(79, "PriyaBrown"), (599, "12/1959")]]
    assert _fields(rows).dob != "1959-01-02"  # "12/1959" is a month and a year, not 1/2/1959
    prose = [
        [(137, "Dear colleague, please evaluate and treat my patient Mary C. Hernandez-Lopez, Birth")],
        [(137, "Date 04/26/1951.")],
    ]
    f = _fields(prose)
    assert (f.first_name, f.last_name, f.dob) == ("Mary", "Hernandez-Lopez", "1951-04-26")
    # Codes after a second label on the diagnosis line, and more in the box below.
    rows = [
        [
            (98, "Diagnosis/IcD-10: Presence of right artificial knee joint; stiffness ICD-10: Z96.651,"),
        ],
        [(99, "M25.661")],
    ]
    assert _fields(rows).diagnosis_codes == ["Z96.651", "M25.661"]


def test_a_prose_name_before_a_bracketed_dob_and_after_a_misread_patient() -> None:
    line = "I am referring my patent Dmitri K. Dubois (DOB 06-09-1984) for physical therapy."
    f = _fields([[(126, line)]])
    assert (f.first_name, f.last_name, f.dob) == ("Dmitri", "Dubois", "1984-06-09")
