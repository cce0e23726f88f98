"""Code lists of 005010X279A1 that the parser and writers need (X12 data elements 901, 889, 1390, 615)."""

from __future__ import annotations

# AAA03 Reject Reason Code (element 901), wording as in the implementation guide.
REJECT_REASONS: dict[str, str] = {
    "04": "Authorized Quantity Exceeded",
    "15": "Required application data missing",
    "33": "Input Errors",
    "35": "Out of Network",
    "41": "Authorization/Access Restrictions",
    "42": "Unable to Respond at Current Time",
    "43": "Invalid/Missing Provider Identification",
    "44": "Invalid/Missing Provider Name",
    "45": "Invalid/Missing Provider Specialty",
    "46": "Invalid/Missing Provider Phone Number",
    "47": "Invalid/Missing Provider State",
    "48": "Invalid/Missing Referring Provider Identification Number",
    "49": "Provider is Not Primary Care Physician",
    "50": "Provider Ineligible for Inquiries",
    "51": "Provider Not on File",
    "52": "Service Dates Not Within Provider Plan Enrollment",
    "53": "Inquired Benefit Inconsistent with Provider Type",
    "54": "Inappropriate Product/Service ID Qualifier",
    "55": "Inappropriate Product/Service ID",
    "56": "Inappropriate Date",
    "57": "Invalid/Missing Date(s) of Service",
    "58": "Invalid/Missing Date-of-Birth",
    "60": "Date of Birth Follows Date(s) of Service",
    "61": "Date of Death Precedes Date(s) of Service",
    "62": "Date of Service Not Within Allowable Inquiry Period",
    "63": "Date of Service in Future",
    "64": "Invalid/Missing Patient ID",
    "65": "Invalid/Missing Patient Name",
    "66": "Invalid/Missing Patient Gender Code",
    "67": "Patient Not Found",
    "68": "Duplicate Patient ID Number",
    "69": "Inconsistent with Patient's Age",
    "70": "Inconsistent with Patient's Gender",
    "71": "Patient Birth Date Does Not Match That for the Patient on the Database",
    "72": "Invalid/Missing Subscriber/Insured ID",
    "73": "Invalid/Missing Subscriber/Insured Name",
    "74": "Invalid/Missing Subscriber/Insured Gender Code",
    "75": "Subscriber/Insured Not Found",
    "76": "Duplicate Subscriber/Insured ID Number",
    "77": "Subscriber Found, Patient Not Found",
    "78": "Subscriber/Insured Not in Group/Plan Identified",
    "79": "Invalid Participant Identification",
    "80": "No Response received - Transaction Terminated",
    "97": "Invalid or Missing Provider Address",
    "98": "Experimental Service or Procedure",
    "AA": "Authorization Number Not Found",
    "AE": "Requires Primary Care Physician Authorization",
    "AF": "Invalid/Missing Diagnosis Code(s)",
    "AG": "Invalid/Missing Procedure Code(s)",
    "AO": "Additional Patient Condition Information Required",
    "CI": "Certification Information Does Not Match Patient",
    "E8": "Requires Medical Review",
    "IA": "Invalid Authorization Number Format",
    "MA": "Missing Authorization",
    "T4": "Payer Name or Identifier Missing",
}
UNKNOWN_REJECT_REASON = "Unknown reject reason code"

# AAA04 Follow-up Action Code (element 889).
FOLLOW_UP_ACTIONS: dict[str, str] = {
    "C": "Please Correct and Resubmit",
    "N": "Resubmission Not Allowed",
    "P": "Please Resubmit Original Transaction",
    "R": "Resubmission Allowed",
    "S": "Do Not Resubmit; Inquiry Initiated to a Third Party",
    "W": "Please Wait 30 Days and Resubmit",
    "X": "Please Wait 10 Days and Resubmit",
    "Y": "Do Not Resubmit; We Will Hand Deliver",
}

# AAA03 codes each loop of the 271 may carry (pyx12's 005010X279A1 map); the writer checks them.
REJECT_CODES_BY_LOOP: dict[str, frozenset[str]] = {
    "2000A": frozenset({"04", "41", "42", "79"}),
    "2100A": frozenset({"04", "41", "42", "79", "80", "T4"}),
    "2100B": frozenset({"15", "41", "43", "44", "45", "46", "47", "48", "50", "51", "79", "97", "T4"}),
    "2100C": frozenset(
        {
            "15",
            "35",
            "42",
            "43",
            "45",
            "47",
            "48",
            "49",
            "51",
            "52",
            "56",
            "57",
            "58",
            "60",
            "61",
            "62",
            "63",
            "71",
            "72",
            "73",
            "74",
            "75",
            "76",
            "78",
        }
    ),
    "2100D": frozenset(
        {
            "15",
            "35",
            "42",
            "43",
            "45",
            "47",
            "48",
            "49",
            "51",
            "52",
            "56",
            "57",
            "58",
            "60",
            "61",
            "62",
            "63",
            "64",
            "65",
            "66",
            "67",
            "68",
            "71",
            "77",
        }
    ),
    "2110C": frozenset(
        {
            "15",
            "33",
            "52",
            "53",
            "54",
            "55",
            "56",
            "57",
            "60",
            "61",
            "62",
            "63",
            "69",
            "70",
            "98",
            "AA",
            "AE",
            "AF",
            "AG",
            "AO",
            "CI",
            "E8",
            "IA",
            "MA",
        }
    ),
    "2110D": frozenset(
        {
            "15",
            "33",
            "52",
            "53",
            "54",
            "55",
            "56",
            "57",
            "60",
            "61",
            "62",
            "63",
            "69",
            "70",
            "98",
            "AA",
            "AE",
            "AF",
            "AG",
            "AO",
            "CI",
            "E8",
            "IA",
            "MA",
        }
    ),
}
# Document order of the loops that carry AAA; rejections are reported in this order.
REJECTION_LOOP_ORDER = ("2000A", "2100A", "2100B", "2100C", "2110C", "2100D", "2110D")

# EB01 (element 1390) coverage status codes.
ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})  # active (incl. capitated, pending investigation)
INACTIVE_CODES = frozenset({"6", "7", "8"})  # inactive (incl. pending eligibility update/investigation)

# EB03 service types (element 1365) the PT benefits come from, most specific first.
PT_SERVICE_TYPES = frozenset({"PT", "AE"})  # physical therapy, physical medicine
PLAN_SERVICE_TYPE = "30"  # health benefit plan coverage

# EB06 time period qualifiers (element 615).
PERIOD_REMAINING = "29"
PERIOD_YEAR_TO_DATE = "24"
PERIOD_CALENDAR_YEAR = "23"
PERIOD_VISIT = "27"
# Periods whose amount is the full benefit (not what is left or used): none, years, contract, lifetime.
PERIODS_TOTAL = frozenset({"", "21", "22", "23", "25", "32"})
