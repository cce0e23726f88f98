"""The fields a referral fax carries: the generator's truth and the extractor's output share this shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

# Fields scored for accuracy against truth, and those whose low confidence sends a fax to review.
KEY_FIELDS = ("first_name", "last_name", "dob", "phone", "referring_npi", "diagnosis_codes")
# The fields marts.fax_extractions carries in CONTRACTS.md order (each with a `<field>_confidence`), which
# are also the ones staff can correct on the review page.
CONTRACT_FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "phone",
    "zip",
    "diagnosis_codes",
    "referring_name",
    "referring_npi",
    "payer",
    "member_id",
    "post_op",
    "surgery_date",
    "orders",
)


@dataclass
class FaxFields:
    """One referral fax. Dates are ISO strings, phones ten digits, codes ICD-10-CM with the dot."""

    source_record_id: str  # the fax file name, as in the inbox
    first_name: str | None = None
    last_name: str | None = None
    dob: str | None = None
    phone: str | None = None
    address: str | None = None
    zip: str | None = None
    diagnosis_codes: list[str] = field(default_factory=list)
    diagnosis_text: str | None = None
    referring_name: str | None = None
    referring_npi: str | None = None
    referring_phone: str | None = None
    referring_fax: str | None = None
    orders: str | None = None  # normalised "<n>x/week x <m> weeks", e.g. "2x/week x 6 weeks"
    post_op: bool | None = None
    surgery_date: str | None = None
    payer: str | None = None
    member_id: str | None = None
    from_fax: str | None = None  # sender's fax number, ten digits
    signed_date: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None
