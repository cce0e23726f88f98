"""The reference run (seed 1, 2000 leads): every source written, truth consistent with the inbox."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from generator_support import read_csv

from orchestration.generator.people import PeopleFactory
from orchestration.generator.practice import build_practice
from orchestration.settings import REPO_ROOT

pytestmark = pytest.mark.slow

SOURCES = ("fhir", "fax", "webforms", "calls", "sms", "email", "web", "hl7v2", "emr_csv", "eligibility")


def hl7_control_ids(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig").replace("\x0b", "").replace("\x1c", "")
    return [seg.split("|")[9] for seg in re.split(r"[\r\n]+", text) if seg.startswith("MSH|")]


def inbox_ids(inbox: Path) -> dict[str, Counter]:
    """Record ids per source, read straight from the files as CONTRACTS.md defines them."""
    ids: dict[str, Counter] = {s: Counter() for s in SOURCES}
    for f in (inbox / "fhir").glob("*.ndjson"):
        if f.name.startswith(("Practitioner", "Location")):
            continue  # practice-level resources belong to no person
        ids["fhir"].update(json.loads(line)["id"] for line in f.read_text().splitlines())
    ids["fax"].update(p.name for p in (inbox / "fax").iterdir() if p.suffix in (".pdf", ".tif"))
    for f in (inbox / "webforms").glob("*.jsonl"):
        ids["webforms"].update(json.loads(line)["submission_id"] for line in f.read_text().splitlines())
    for f in (inbox / "calls").glob("call_log*.csv"):
        ids["calls"].update(r["Call ID"] for r in read_csv(f))
    for f in (inbox / "sms").glob("*.csv"):
        ids["sms"].update(r["Sid"] for r in read_csv(f))
    for f in (inbox / "email").iterdir():
        events = (
            json.loads(f.read_text())
            if f.suffix == ".json"
            else [json.loads(line) for line in f.read_text().splitlines()]
        )
        ids["email"].update(e["sg_event_id"] for e in events)
    for f in (inbox / "web").glob("*.jsonl"):
        ids["web"].update(
            e["event_id"] for e in map(json.loads, f.read_text().splitlines()) if e["token"] is not None
        )
    for f in (inbox / "hl7v2").glob("*.hl7"):
        ids["hl7v2"].update(hl7_control_ids(f.read_bytes()))
    for f in (inbox / "emr_csv").glob("*.csv"):
        col = "Referral ID" if "Referral" in f.name else "Appointment ID"
        ids["emr_csv"].update(r[col] for r in read_csv(f))
    x12 = pytest.importorskip("orchestration.x12.x12_271_parse")
    for f in (inbox / "eligibility").iterdir():
        ids["eligibility"].update(r.record_id for r in x12.parse_271(f.read_text()))
    return ids


def test_every_source_and_truth_file_is_written(practice_2000: Path) -> None:
    inbox = practice_2000 / "inbox"
    for source in SOURCES:
        assert any((inbox / source).iterdir()), source
    assert (inbox / "outcomes").is_dir()
    for name in ("records.csv", "leads.csv", "persons.csv", "fax_fields.jsonl", "eligibility.jsonl"):
        assert (practice_2000 / "truth" / name).stat().st_size > 0, name
    for name in (
        "practice.yaml",
        "payers.yaml",
        "diagnosis_groups.yaml",
        "profiles/generic_webform.yaml",
        "profiles/ringcentral_call_log.yaml",
        "profiles/webpt_referral_report.yaml",
    ):
        assert (practice_2000 / "config" / name).exists(), name


def test_every_truth_record_exists_once_in_its_inbox_file(practice_2000: Path) -> None:
    records = read_csv(practice_2000 / "truth" / "records.csv")
    truth: dict[str, Counter] = {s: Counter() for s in SOURCES}
    for r in records:
        truth[r["source"]][r["source_record_id"]] += 1
    found = inbox_ids(practice_2000 / "inbox")
    for source in SOURCES:
        assert truth[source], source
        assert truth[source] == found[source], source  # same ids, each exactly once
    leads = {r["lead_id"] for r in read_csv(practice_2000 / "truth" / "leads.csv")}
    assert {r["lead_id"] for r in records if r["lead_id"]} <= leads


def test_leads_truth_is_consistent(practice_2000: Path) -> None:
    leads = read_csv(practice_2000 / "truth" / "leads.csv")
    assert len(leads) == 2000
    converted = [int(r["converted"]) for r in leads]
    assert 0.42 <= sum(converted) / len(leads) <= 0.58
    for r in leads:
        assert 0.0 < float(r["p_convert"]) < 1.0
        assert 1 <= len(r["channels"].split("|")) <= 3
        assert r["channel"] == r["channels"].split("|")[0]
        received = datetime.fromisoformat(r["received_at"])
        if r["scheduled_at"]:
            scheduled = datetime.fromisoformat(r["scheduled_at"])
            assert scheduled >= received
            assert (scheduled - received <= timedelta(days=14)) == (r["converted"] == "1")
        else:
            assert r["converted"] == "0"
        if r["evaluated_at"]:
            assert datetime.fromisoformat(r["evaluated_at"]) > datetime.fromisoformat(r["scheduled_at"])
    # The true probability carries the outcome: the top half converts far more often than the bottom half.
    ranked = sorted(leads, key=lambda r: float(r["p_convert"]))
    low, high = ranked[:1000], ranked[1000:]
    assert sum(int(r["converted"]) for r in high) > 1.5 * sum(int(r["converted"]) for r in low)


def test_every_lead_is_observable_through_its_channels(practice_2000: Path) -> None:
    records = read_csv(practice_2000 / "truth" / "records.csv")
    by_lead: dict[str, set[str]] = {}
    for r in records:
        if r["lead_id"]:
            by_lead.setdefault(r["lead_id"], set()).add(r["source"])
    for lead in read_csv(practice_2000 / "truth" / "leads.csv"):
        for channel in lead["channels"].split("|"):
            assert channel in by_lead.get(lead["lead_id"], set()), (lead["lead_id"], channel)


def test_people_repeat_share_households_and_look_alike(practice_2000: Path) -> None:
    leads = read_csv(practice_2000 / "truth" / "leads.csv")
    persons = read_csv(practice_2000 / "truth" / "persons.csv")
    assert len({p["person_id"] for p in persons}) == len(persons)
    per_person = Counter(r["person_id"] for r in leads)
    assert sum(1 for n in per_person.values() if n > 1) >= 20  # repeat episodes
    phones = Counter(p["phone"] for p in persons)
    shared = [p for p in persons if phones[p["phone"]] > 1]
    assert shared and len({p["household_id"] for p in shared}) < len(shared)  # households share a phone
    surname_zip = Counter((p["last_name"], p["zip"]) for p in persons)
    look_alikes = [p for p in persons if surname_zip[(p["last_name"], p["zip"])] > 1]
    assert len({p["household_id"] for p in look_alikes}) > 1  # hard negatives across households


def test_an_email_address_belongs_to_one_household(practice_2000: Path) -> None:
    persons = read_csv(practice_2000 / "truth" / "persons.csv")
    households: dict[str, set[str]] = {}
    for p in persons:
        if p["email"]:
            households.setdefault(p["email"], set()).add(p["household_id"])
    assert households and all(len(h) == 1 for h in households.values())


def test_namesakes_get_their_own_mailboxes() -> None:
    """A provider never hands out a taken address: 300 people named Mary Smith get 300 addresses."""
    rng = random.Random(7)
    factory = PeopleFactory(build_practice(REPO_ROOT / "config", 1, 100, rng), rng)
    emails = [factory._email("Mary", "Smith") for _ in range(300)]
    issued = [e for e in emails if e is not None]
    assert len(issued) > 200 and len(set(issued)) == len(issued)


def test_fax_truth_matches_faxes_and_sidecars(practice_2000: Path) -> None:
    fax_dir = practice_2000 / "inbox" / "fax"
    images = sorted(p for p in fax_dir.iterdir() if p.suffix in (".pdf", ".tif"))
    truth = [
        json.loads(line) for line in (practice_2000 / "truth" / "fax_fields.jsonl").read_text().splitlines()
    ]
    assert len(images) == len(truth) == 3
    assert {t["source_record_id"] for t in truth} == {p.name for p in images}
    for p, t in zip(images, sorted(truth, key=lambda t: t["source_record_id"]), strict=True):
        sidecar = json.loads(p.with_suffix(".json").read_text())
        assert sidecar["pages"] >= 1 and sidecar["from"] == "+1" + t["from_fax"]
        assert re.fullmatch(r"\d+x/week x \d+ weeks", t["orders"])
        assert re.fullmatch(r"\d{10}", t["phone"])


def test_eligibility_truth_covers_every_271_record(practice_2000: Path) -> None:
    truth = [
        json.loads(line) for line in (practice_2000 / "truth" / "eligibility.jsonl").read_text().splitlines()
    ]
    records = [r for r in read_csv(practice_2000 / "truth" / "records.csv") if r["source"] == "eligibility"]
    assert [t["record_id"] for t in truth] == [r["source_record_id"] for r in records]
    assert all(t["trace_id"] == r["lead_id"] for t, r in zip(truth, records, strict=True))
    rejected = sum(1 for t in truth if t["rejections"])
    assert 0.01 <= rejected / len(truth) <= 0.08
    assert any(t["active"] is False for t in truth)


def test_csv_exports_are_rectangular(practice_2000: Path) -> None:
    for f in (practice_2000 / "inbox").rglob("*.csv"):
        with f.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert len({len(r) for r in rows}) == 1, f.name
