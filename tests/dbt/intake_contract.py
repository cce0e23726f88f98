"""Column contracts of the intake marts (CONTRACTS.md, "What the warehouse offers"), shared by the
manifest tests and the warehouse tests."""

from __future__ import annotations

# The fields a fax extraction carries, in CONTRACTS.md order; each has a `<field>_confidence` column.
FAX_FIELDS = [
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
]
FAX_EXTRACTIONS = ["source_record_id", *FAX_FIELDS]
ELIGIBILITY = [
    "lead_id",
    "payer",
    "member_id",
    "active",
    "copay",
    "coinsurance",
    "deductible_remaining",
    "oop_remaining",
    "visit_limit",
    "visits_used",
    "auth_required",
    "in_network",
    "checked_at",
    "rejection_reason",
]
LEAD_SOURCE_RECORDS = ["source", "source_file", "source_record_id", "lead_id", "person_id"]

# Declared types of the contract columns (dates as date, money as double, flags as boolean).
FAX_TYPES = {
    "source_record_id": "varchar",
    "dob": "date",
    "diagnosis_codes": "varchar[]",
    "post_op": "boolean",
    "surgery_date": "date",
    "needs_review": "boolean",
} | {f"{field}_confidence": "double" for field in FAX_FIELDS}
ELIGIBILITY_TYPES = {
    "lead_id": "varchar",
    "active": "boolean",
    "copay": "double",
    "coinsurance": "double",
    "deductible_remaining": "double",
    "oop_remaining": "double",
    "visit_limit": "integer",
    "visits_used": "integer",
    "auth_required": "boolean",
    "in_network": "boolean",
    "checked_at": "date",
    "rejection_reason": "varchar",
}
