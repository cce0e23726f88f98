"""Ground truth beside the inbox: which record belongs to whom, each lead's true funnel, faxes, 271s."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from orchestration.generator.clock import iso_utc
from orchestration.generator.episodes import Lead
from orchestration.generator.people import Person

LEAD_COLUMNS = [
    "lead_id",
    "person_id",
    "p_convert",
    "converted",
    "received_at",
    "first_contact_at",
    "scheduled_at",
    "evaluated_at",
    "no_show",
    "clinic_id",
    "channel",
    "channels",
    "payer",
    "diagnosis_group",
    "post_op",
    "distance_km",
    "referring_npi",
]
PERSON_COLUMNS = ["person_id", "household_id", "first_name", "last_name", "dob", "phone", "email", "zip"]


def _ts(ts: float | None) -> str:
    return iso_utc(ts) if ts is not None else ""


class Truth:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._files = []

        def open_csv(name: str, header: list[str]) -> Any:
            fh = (folder / name).open("w", encoding="utf-8", newline="")
            self._files.append(fh)
            w = csv.writer(fh)
            w.writerow(header)
            return w

        self._records = open_csv("records.csv", ["source", "source_record_id", "person_id", "lead_id"])
        self._leads = open_csv("leads.csv", LEAD_COLUMNS)
        self._persons = open_csv("persons.csv", PERSON_COLUMNS)
        self._fax = (folder / "fax_fields.jsonl").open("w", encoding="utf-8", newline="\n")
        self._elig = (folder / "eligibility.jsonl").open("w", encoding="utf-8", newline="\n")
        self._files += [self._fax, self._elig]
        self.record_counts: dict[str, int] = {}
        self.leads = 0
        self.converted = 0

    def record(self, source: str, record_id: str, person_id: str, lead_id: str | None) -> None:
        self._records.writerow([source, record_id, person_id, lead_id or ""])
        self.record_counts[source] = self.record_counts.get(source, 0) + 1

    def person(self, p: Person) -> None:
        if p.in_truth:
            return
        p.in_truth = True
        self._persons.writerow(
            [
                p.person_id,
                p.household_id,
                p.first,
                p.last,
                p.dob.isoformat(),
                p.phone,
                p.email or "",
                p.zip.zip,
            ]
        )

    def lead(self, lead: Lead) -> None:
        self.leads += 1
        self.converted += int(lead.converted)
        self._leads.writerow(
            [
                lead.lead_id,
                lead.person.person_id,
                f"{lead.p_convert:.4f}",
                int(lead.converted),
                _ts(lead.received_ts),
                _ts(lead.first_contact_ts),
                _ts(lead.scheduled_ts),
                _ts(lead.evaluated_ts),
                int(lead.no_show),
                lead.clinic.id,
                lead.channels[0],
                "|".join(lead.channels),
                lead.payer.id,
                lead.group,
                int(lead.post_op),
                f"{lead.person.distance_km:.2f}",
                lead.referrer.npi if lead.referrer else "",
            ]
        )

    def fax_fields(self, fields: dict[str, Any]) -> None:
        self._fax.write(json.dumps(fields, separators=(",", ":")) + "\n")

    def eligibility(self, response: dict[str, Any]) -> None:
        self._elig.write(json.dumps(response, separators=(",", ":")) + "\n")

    def close(self) -> None:
        for fh in self._files:
            fh.close()
