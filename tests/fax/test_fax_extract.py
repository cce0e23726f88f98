"""Extraction from OCR lines (no OCR here): label cues, geometry, glued text, confidence, review flag."""

from __future__ import annotations

from dataclasses import replace

from orchestration.ingest.fax_extract import extract_fax_fields
from orchestration.ingest.fax_ocr import OcrLine, OcrPage
from orchestration.ingest.fax_recognise import CharGuess


def _page(rows: list[list[tuple[int, str]]], conf: float = 0.98, page: int = 1) -> OcrPage:
    """Rows of (x, text) phrases, 70 px apart from the top, as the OCR would return them."""
    lines = []
    for r, row in enumerate(rows):
        y = 30 + 70 * r
        for x, text in row:
            lines.append(OcrLine(text, (x, y, x + 18 * len(text), y + 34), conf, page))
    return OcrPage(page, 1728, 2200, 0.0, f"f.pdf#page={page}", lines)


FORM = [
    [(20, "03/05/2025 10:32 AM FROM: (512) 555-0142 CAPITAL ORTHO P. 1/1")],
    [(100, "PATIENT"), (900, "REFERRING PHYSICIAN")],
    [(100, "Patient Name:"), (400, "O'NEILL, PATRICK J"), (900, "Sarah Chen, MD")],
    [(100, "D.O.B."), (400, "3/14/62"), (900, "NPI:1234567893")],
    [(100, "Phone"), (400, "(512) 555-0187"), (900, "Office Phone: 512-555-0100")],
    [(100, "Address:"), (400, "12 Oak St, Austin, TX 78701"), (900, "Fax: 512.555.0142")],
    [(100, "Ins: Blue Cross Blue Shield"), (900, "Subscriber #: XKZ123456789")],
    [(100, "Dx: Primary osteoarthritis, right knee (M1711)")],
    [(100, "Rx: Eval and treat 2-3 times a week for 6 wks")],
    [(100, "s/p right TKA on 01/12/2025")],
    [(100, "Signature:"), (900, "Date: 03/05/2025")],
]


def test_boxed_form_with_values_beside_labels() -> None:
    x = extract_fax_fields([_page(FORM)], "f.pdf")
    f = x.fields
    assert (f.first_name, f.last_name, f.dob) == ("Patrick", "O'Neill", "1962-03-14")
    assert (f.phone, f.referring_phone, f.referring_fax) == ("5125550187", "5125550100", "5125550142")
    assert (f.referring_name, f.referring_npi) == ("Sarah Chen", "1234567893")
    assert (f.zip, f.payer, f.member_id) == ("78701", "Blue Cross Blue Shield", "XKZ123456789")
    assert f.diagnosis_codes == ["M17.11"]
    assert f.orders == "3x/week x 6 weeks"
    assert (f.post_op, f.surgery_date, f.from_fax) == (True, "2025-01-12", "5125550142")
    assert not x.needs_review
    assert x.page_images == ["f.pdf#page=1"]
    assert set(x.to_row()) >= {"first_name", "first_name_confidence", "needs_review"}


def test_values_below_labels_and_glued_words() -> None:
    rows = [
        [(100, "PATIENTNAME"), (700, "DATEOFBIRTH")],
        [(100, "MaryAnnSmith-Jones"), (700, "1970-01-31")],
        [(100, "Phone:5125550123")],
        [(100, "ORDERINGPROVIDER"), (700, "NPINUMBER")],
        [(100, "Dr.DavidLee"), (700, "1234567893")],
    ]
    f = extract_fax_fields([_page(rows)], "g.tif").fields
    assert (f.first_name, f.last_name, f.dob) == ("Mary", "Ann Smith-Jones", "1970-01-31")
    assert (f.phone, f.referring_name, f.referring_npi) == ("5125550123", "David Lee", "1234567893")
    assert f.post_op is False and f.surgery_date is None


def test_patient_phone_is_the_one_near_the_patient_not_the_doctor() -> None:
    rows = [
        [(100, "Dr. Elena Ruiz, MD"), (900, "Tel: 512-555-0100")],
        [(100, "NPI 1234567893")],
        [(100, "")],
        [(100, "RE: SMITH, JOHN")],
        [(100, "DOB 01/02/1950"), (600, "Tel: 737-555-0199")],
    ]
    f = extract_fax_fields([_page(rows)], "h.pdf").fields
    assert f.phone == "7375550199"
    assert (f.first_name, f.last_name) == ("John", "Smith")


def test_low_ocr_confidence_or_failed_check_digit_sends_to_review() -> None:
    shaky = extract_fax_fields([_page(FORM, conf=0.6)], "f.pdf")
    assert shaky.needs_review
    assert all(0.0 <= c <= 1.0 for c in shaky.confidence.values())
    bad_npi = [[(100, "NPI: 1234567890")] if row[0][1] == "D.O.B." else row for row in FORM]
    x = extract_fax_fields([_page(bad_npi)], "f.pdf")
    assert x.confidence["referring_npi"] < 0.8 and x.needs_review


def test_nothing_readable_gives_empty_fields_and_review() -> None:
    x = extract_fax_fields([_page([[(100, "~~~")]])], "n.pdf")
    assert x.fields.first_name is None and x.fields.diagnosis_codes == []
    assert x.confidence["first_name"] == 0.0 and x.needs_review


def test_sidecar_sender_number_wins_over_header() -> None:
    x = extract_fax_fields([_page(FORM)], "f.pdf", sidecar_from="+17375550111")
    assert x.fields.from_fax == "7375550111"


def test_letter_with_office_letterhead_and_misread_patient_phone_label() -> None:
    """A letter: the letterhead's "Tel ... Fax ..." is the office's; the patient's "Tel:" came back
    from OCR as "Tet:", so the patient's number is the bare one by the patient's details."""
    rows = [
        [(20, "2025-09-12 09:07 FROM: 5123139697 WESTLAKE BONE & JOINT PAGE 1 OF 1")],
        [(100, "Westlake Bone & Joint")],
        [(100, "Tel5123139623Fax5123139697")],
        [(100, "Re: Referral for physical therapy")],
        [(100, "Please evaluate and treat my patient Natalie Dubois, D.O.B. 28-Apr-1987.")],
        [(100, "Tet: 737 396 1267")],
        [(100, "Dx: Pain in right shoulder ICD-10: M25.511")],
        [(100, "Sincerely,")],
        [(100, "Henry Warren, PA-C")],
        [(100, "NPI No.: 1645669700")],
    ]
    f = extract_fax_fields([_page(rows)], "f.tif").fields
    assert (f.phone, f.referring_phone, f.referring_fax) == ("7373961267", "5123139623", "5123139697")


def test_misread_labels_in_a_letter_and_a_grid() -> None:
    """A speck read as an apostrophe inside a label, a misread label opening its line, a capital H
    read as "Il" in the payer, and a DOB whose year is glued to the next word."""
    letter = [
        [(100, "Maria Chen, M.D.")],
        [(100, "NPI 1234567893 Ph 512-666-7747")],
        [(100, "RE: MCDONALD, DANIEL")],
        [(100, "DOB 02/28/19571Iome phone 512-871-0337")],
        [(100, "Carricr Ilumana Gold Member 8369998227")],
    ]
    aliases = {
        "Humana Medicare Advantage": "Humana Medicare Advantage",
        "Humana Gold": "Humana Medicare Advantage",
    }
    f = extract_fax_fields([_page(letter)], "h.pdf", payer_aliases=aliases).fields
    assert (f.first_name, f.last_name, f.dob, f.phone) == ("Daniel", "McDonald", "1957-02-28", "5128710337")
    assert (f.payer, f.member_id) == ("Humana Medicare Advantage", "8369998227")
    grid = [
        [(100, "PATIEN'TNAME"), (700, "DATEOFBIRTH")],
        [(100, "Sofia Hernandez-Lopez"), (700, "May 31, 1986")],
    ]
    g = extract_fax_fields([_page(grid)], "i.tif").fields
    assert (g.first_name, g.last_name, g.dob) == ("Sofia", "Hernandez-Lopez", "1986-05-31")
    # "Physical therapy" opening a line is no misread "Physician" label.
    prose = [[(100, "Physical Therapy Prescription:")], [(100, "Dr. Kevin Chen")]]
    assert extract_fax_fields([_page(prose)], "j.pdf").fields.referring_name == "Kevin Chen"


def test_a_misread_last_letter_of_a_label_and_a_speck_before_the_doctor() -> None:
    grid = [[(100, "PATIENTNAMF"), (700, "DATEOFBIRTH")], [(100, "Tomas Van Buren"), (700, "[07-Sep-1970.")]]
    f = extract_fax_fields([_page(grid)], "k.tif").fields
    assert (f.first_name, f.last_name, f.dob) == ("Tomas", "Van Buren", "1970-09-07")
    letter = [[(100, "'Maria Whltfield, M.D.")], [(100, "NPI1234567893 Ph(512)561-3569")]]
    assert extract_fax_fields([_page(letter)], "l.pdf").fields.referring_name == "Maria Whitfield"


def _chars(text: str, unsure: dict[int, float]) -> tuple[CharGuess, ...]:
    return tuple(CharGuess(c, unsure.get(i, 0.99), "", 0.0) for i, c in enumerate(text))


def test_a_doubted_border_glyph_before_a_date_is_dropped_only_on_the_recognisers_doubt() -> None:
    def dob(prob: float) -> str | None:
        page = _page([[(100, "PATIENTNAME"), (700, "DATEOFBIRTH")], [(100, "Grace Lee"), (700, "17/7/1951")]])
        page.lines = [
            replace(ln, chars=_chars(ln.text, {0: prob})) if ln.text == "17/7/1951" else ln
            for ln in page.lines
        ]
        return extract_fax_fields([page], "m.tif").fields.dob

    assert dob(0.67) == "1951-07-07"  # the "1" was a cell border the recogniser hesitated over
    page = _page([[(100, "PATIENTNAME"), (700, "DATEOFBIRTH")], [(100, "Grace Lee"), (700, "111954-03-11")]])
    page.lines = [
        replace(ln, chars=_chars(ln.text, {0: 0.39, 1: 0.47})) if ln.text[0] == "1" else ln
        for ln in page.lines
    ]
    assert extract_fax_fields([page], "m2.tif").fields.dob == "1954-03-11"  # two doubted, both go
    assert dob(0.99) != "1951-07-07"  # a sure "1" is kept: 17/7/1951 is no date, not July 7


def test_border_read_as_1_before_grid_values_and_a_misread_label_after_the_payer() -> None:
    grid = [
        [(100, "PATIENTNAME"), (600, "DATEOFBIRTH"), (1100, "ZIP")],
        [(100, "Grace Lee"), (600, "7/7/1951"), (1100, "178613")],
        [(100, "HEALTHPLAN"), (900, "NPINUMBER")],
        [(100, "Texas Medicaid Mcmber H258391759"), (900, "11234567893")],
        [(100, "Evaluate and treat 1 times pcr week for 12 weeks")],
    ]
    f = extract_fax_fields([_page(grid)], "n.tif", payer_aliases={"Texas Medicaid": "Texas Medicaid"}).fields
    assert (f.zip, f.referring_npi, f.payer) == ("78613", "1234567893", "Texas Medicaid")
    assert f.orders == "1x/week x 12 weeks"


def test_a_doubted_speck_after_the_year_and_a_misread_member_label() -> None:
    def dob(prob: float) -> str | None:
        page = _page([[(100, "RE: DEL RIO, CHLOE")], [(100, "DOB 3/5/19551")]])
        page.lines = [
            replace(ln, chars=_chars(ln.text, {12: prob})) if ln.text.startswith("DOB") else ln
            for ln in page.lines
        ]
        return extract_fax_fields([page], "o.tif").fields.dob

    assert dob(0.47) == "1955-03-05"  # the last "1" was a speck the recogniser hesitated over
    assert dob(0.99) is None  # a sure fifth digit is no year: no date is made up
    letter = [
        [(100, "RE: LEE, OLIVIA")],
        [(100, "Carrier United Healthcare Mcmber UKW862760380")],
        [(100, "4808 0ak St, Round Rock, TX:78664")],  # a space read as a colon before the ZIP
    ]
    f = extract_fax_fields([_page(letter)], "p.pdf").fields
    assert (f.member_id, f.zip) == ("UKW862760380", "78664")


def test_a_border_read_as_1_before_a_member_id_goes_only_on_the_recognisers_doubt() -> None:
    def member(prob: float, alt: str) -> str | None:
        page = _page([[(100, "POLICY NUMBER")], [(100, "18070933247")]])
        page.lines = [
            replace(ln, chars=(CharGuess("1", prob, alt, 0.01), *_chars(ln.text[1:], {})))
            if ln.text[0] == "1"
            else ln
            for ln in page.lines
        ]
        return extract_fax_fields([page], "q.tif").fields.member_id

    assert member(0.70, "[") == "8070933247"
    assert member(0.99, "[") == member(0.70, "7") == "18070933247"


def test_a_member_id_never_ends_in_a_hyphen() -> None:
    for text, want in (
        ("Member YEW560548822-", "YEW560548822"),
        ("Member: 1041241013-", "1041241013"),
        ("Member ID: ABC-12345", "ABC-12345"),
    ):
        f = extract_fax_fields([_page([[(100, "RE: SMITH, JOHN")], [(100, text)]])], "m.tif").fields
        assert f.member_id == want


def test_a_failed_npi_check_digit_is_repaired_only_by_the_recognisers_runner_up() -> None:
    text = "NPI 1968928871.Ph 254 745.6515"
    at = text.index("8871") + 1  # the second 8 of "...928871", read at 0.29 with "0" runner-up

    def npi(alt: str) -> tuple[str | None, bool]:
        guesses = tuple(
            CharGuess(c, 0.29, alt, 0.26) if i == at else CharGuess(c, 0.99, "", 0.0)
            for i, c in enumerate(text)
        )
        page = _page([[(100, "RE: LEE, OLIVIA")], [(100, text)]])
        page.lines = [replace(ln, chars=guesses) if ln.text == text else ln for ln in page.lines]
        x = extract_fax_fields([page], "r.pdf")
        return x.fields.referring_npi, x.needs_review

    assert npi("0") == ("1968928071", True)  # repaired, and still reviewed: a guess, not a reading
    assert npi("6")[0] == "1968928871"  # a runner-up that fails the check too repairs nothing


def test_glued_labels_specks_in_ids_and_a_colon_in_a_phone() -> None:
    letter = [
        [(100, "RE: ST. CLAIR, AVA")],
        [(100, "DOB Feb 07, 1999"), (500, "Home phone .512: 707 4753")],
        [(100, "Carrier Medicare:Member W148646577")],  # "re:" inside Medicare is no name label
    ]
    f = extract_fax_fields([_page(letter)], "s.pdf", payer_aliases={"Medicare": "Medicare Part B"}).fields
    assert (f.first_name, f.last_name, f.phone) == ("Ava", "St. Clair", "5127074753")
    assert (f.payer, f.member_id) == ("Medicare Part B", "W148646577")
    grid = [[(100, "RE: LEE, OLIVIA")], [(100, "POLICY NUMBER")], [(100, ".V.JF565812261")]]
    assert extract_fax_fields([_page(grid)], "t.tif").fields.member_id == "VJF565812261"
    glued = [[(100, "RE: LEE, OLIVIA")], [(100, "Carrier Texas Medicaid Meinber DVP573456130")]]
    assert extract_fax_fields([_page(glued)], "u.pdf").fields.member_id == "DVP573456130"
    misread = [[(100, "RE: LEE, OLIVIA")], [(100, "CarrterUnlted Healthcare Member5047567341")]]
    f = extract_fax_fields([_page(misread)], "v.pdf", payer_aliases={"United Healthcare": "UHC"}).fields
    assert (f.payer, f.member_id) == ("UHC", "5047567341")  # a misread label, its value glued on


def test_review_flags_follow_evidence_not_layout() -> None:
    """A "Mobile" cell with its number below it is the patient's even when the doctor's NPI cell is
    nearer; "RE: LAST, FIRST" of Census names is as sure as a "Patient name" label. Neither alone
    sends a cleanly read fax to review; an unlisted last name after "RE:" still does."""
    grid = [
        [(100, "PATIENTNAME"), (600, "DATEOFBIRTH"), (1100, "MOBILE")],
        [(100, "Grace Lee"), (600, "7/7/1951"), (1100, "(512) 555-0187")],
        [(100, "ORDERINGPROVIDER"), (600, "NPINUMBER")],
        [(100, "Dr. Sarah Chen"), (600, "1234567893")],
        [(100, "DIAGNOSISCODES")],
        [(100, "M17.11 Primary osteoarthritis, right knee")],
    ]
    x = extract_fax_fields([_page(grid)], "w.tif")
    assert x.fields.phone == "5125550187" and x.confidence["phone"] >= 0.8
    misread_title = [[(100, "ORDERING PROVIDER")], [(100, "Or Maria Abbott")]]
    assert extract_fax_fields([_page(misread_title)], "w2.tif").fields.referring_name == "Maria Abbott"
    assert not x.needs_review

    def letter(name: str) -> list[list[tuple[int, str]]]:
        return [
            [(100, "Sarah Chen, M.D.")],
            [(100, "NPI 1234567893 Ph (512) 555-0100")],
            [(100, f"RE: {name}")],
            [(100, "DOB 03/14/1962"), (500, "Home phone (512) 555-0187")],
            [(100, "1. Dx M1711 - Primary osteoarthritis, right knee")],
        ]

    listed = extract_fax_fields([_page(letter("HERNANDEZ-LOPEZ, GRACE"))], "x.pdf")
    assert (listed.fields.last_name, listed.needs_review) == ("Hernandez-Lopez", False)
    unlisted = extract_fax_fields([_page(letter("QWXZYK, GRACE"))], "y.pdf")
    assert unlisted.fields.last_name == "Qwxzyk" and unlisted.needs_review


def test_a_prose_referral_without_payer_or_orders_labels() -> None:
    rows = [
        [(140, "Kevin Patel MD")],
        [(140, "Please see Ms. Precious Ochoa, born January 10, 1989, for therapy. I would")],
        [(140, "like 3 sesslons per week for 4-")],
        [(140, "weeks. The patient can be reached at 512.397.4261.")],
        [(140, "Coverage is through Cigna Healthcare, member ID PWJ420059696.")],
        [(140, "NPI 1234567893")],
    ]
    aliases = {"Cigna": "Cigna", "Cigna Healthcare": "Cigna", "None": "Self-pay"}
    f = extract_fax_fields([_page(rows)], "p.pdf", payer_aliases=aliases).fields
    assert (f.first_name, f.last_name, f.dob) == ("Precious", "Ochoa", "1989-01-10")
    assert (f.orders, f.payer, f.member_id) == ("3x/week x 4 weeks", "Cigna", "PWJ420059696")
    # A short or lower-case alias is an ordinary word, never a payer by itself.
    rows[4] = [(140, "Allergies: None. Pays cash.")]
    assert extract_fax_fields([_page(rows)], "p.pdf", payer_aliases=aliases).fields.payer is None


def test_grid_cells_a_label_leftover_would_hide_yes_no_and_ids() -> None:
    rows = [
        [(80, "Frequency"), (860, "Post-op"), (1170, "Surgery")],
        [(80, "2x/week x 6 weeks"), (866, "No"), (1180, "n/a")],
        [(80, "REFERRING CLINICIAN"), (860, "MEMBERIO")],
        [(80, "David Patel"), (866, "M228232863")],
    ]
    f = extract_fax_fields([_page(rows)], "g.tif").fields
    assert (f.post_op, f.surgery_date, f.orders) == (False, None, "2x/week x 6 weeks")
    assert (f.referring_name, f.member_id) == ("David Patel", "M228232863")
    rows[1][1] = (866, "Yes")
    rows[1][2] = (1180, "06/29/2025")
    f = extract_fax_fields([_page(rows)], "g.tif").fields
    assert (f.post_op, f.surgery_date) == (True, "2025-06-29")
