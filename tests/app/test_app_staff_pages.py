"""Staff and detail pages: clinic scope, PHI masking and its audit, outcome logging, fax corrections,
re-queueing quarantined files, and the admin's audit page."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from app_snapshot_details import CORRECTED_FAX, FAKE_FIRST, FAKE_PHONE, REVIEW_FAX
from conftest import open_page

from app.lib import audit
from app.lib.masking import MASK


def _lead_ids(snapshot: Path, clinic: str) -> list[str]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute("select lead_id from marts.fct_leads where clinic_id = ?", [clinic]).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def test_staff_call_list_holds_only_their_clinics(published: Path) -> None:
    at = open_page("call_list.py", "staff").run()
    assert not at.exception
    assert set(at.dataframe[0].value["clinic_id"]) == {"ATX-S"}
    assert at.selectbox(key="call_clinic").options == ["All my clinics", "South Austin"]
    assert set(at.selectbox(key="outcome_lead").options) <= set(_lead_ids(published, "ATX-S"))


def test_staff_cannot_open_another_clinics_lead(published: Path) -> None:
    other = _lead_ids(published, "RR")[0]
    at = open_page("lead_detail.py", "staff", drill_leads=[other])
    at.query_params["lead"] = other
    at.run()
    assert not at.exception
    options = at.selectbox(key="detail_lead").options
    assert other not in options and set(options) <= set(_lead_ids(published, "ATX-S"))
    assert not any(FAKE_FIRST in m.value for m in [*at.markdown, *at.subheader])


def test_staff_dashboards_and_model_pages_are_refused(published: Path) -> None:
    for file in ("funnel.py", "models.py", "audit_log.py", "data_desk.py"):
        at = open_page(file, "staff").run()
        assert [e.value for e in at.error] == ["Your role may not open this page."], file


def _detail(role: str, lead_id: str = "L00000"):
    at = open_page("lead_detail.py", role).run()
    return at.selectbox(key="detail_lead").set_value(lead_id).run()


def _text(at) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.subheader, *at.caption])


def test_lead_detail_shows_the_fax_as_staff_corrected_it(published: Path) -> None:
    """The page reads marts.fax_extractions, where an ingested correction has replaced what OCR read."""
    with duckdb.connect(str(published)) as con:
        con.execute(
            "update marts.fax_extractions set first_name = 'Corrina', first_name_confidence = 1.0, "
            "corrected_by = 'maria'"
        )
    at = _detail("manager")
    fields = next(d.value for d in at.dataframe if "confidence" in d.value.columns)
    row = fields[fields["field"] == "first_name"].iloc[0]
    assert (row["value"], row["confidence"]) == ("Corrina", 1.0)
    assert "Corrected by maria" in _text(at)


def test_lead_detail_shows_the_no_show_risk_of_a_booked_evaluation(published: Path) -> None:
    with duckdb.connect(str(published)) as con:
        con.execute(
            "create table marts.no_show_risk as select 'L00000' as lead_id, "
            "timestamp '2026-06-30 12:00' as as_of, 0.234 as p_no_show, '3' as model_version"
        )
    assert "No-show risk at the booked evaluation: **23%** (no-show model v3)" in _text(_detail("manager"))
    assert "No-show risk" not in _text(_detail("manager", "L00001"))


def test_manager_sees_phi_and_the_view_is_audited(published: Path) -> None:
    at = _detail("manager")
    assert not at.exception
    assert FAKE_FIRST in _text(at) and FAKE_PHONE in _text(at)
    fields = next(d.value for d in at.dataframe if "confidence" in d.value.columns)
    assert FAKE_FIRST in set(fields["value"])
    assert len(at.get("image")) == 1  # the fax page beside its fields
    views = audit.read_entries().filter(audit.read_entries()["action"] == "view_phi")
    assert views.select("user", "target").rows() == [("manager", "L00000")]


def test_analyst_sees_phi_masked_and_no_phi_view_is_logged(published: Path) -> None:
    at = _detail("analyst")
    assert not at.exception
    text = _text(at)
    assert FAKE_FIRST not in text and FAKE_PHONE not in text and MASK in text
    for frame in (d.value for d in at.dataframe):
        assert not frame.astype(str).apply(lambda c: c.str.contains(FAKE_FIRST)).any().any()
        if "member_id" in frame.columns:
            assert set(frame["member_id"]) == {MASK}
    assert len(at.get("image")) == 0
    assert "view_phi" not in audit.read_entries()["action"].to_list()


def test_one_click_outcome_writes_the_inbox_file_and_audit(published: Path, tmp_path: Path) -> None:
    at = open_page("call_list.py", "staff").run()
    lead_id = at.selectbox(key="outcome_lead").value
    at.text_input(key="outcome_note").input("left message")
    at.button(key="outcome_voicemail").click().run()
    assert not at.exception
    files = list((tmp_path / "inbox" / "outcomes").glob("outcomes_*_staff.jsonl"))
    assert len(files) == 1
    lines = [json.loads(x) for x in files[0].read_text().splitlines()]
    assert [(r["lead_id"], r["outcome"], r["user"], r["note"]) for r in lines] == [
        (lead_id, "voicemail", "staff", "left message")
    ]
    assert set(lines[0]) == {"outcome_id", "lead_id", "at", "user", "outcome", "note"}
    entry = audit.read_entries().row(0, named=True)
    assert (entry["action"], entry["target"]) == ("outcome", lead_id)
    assert "left message" not in entry["detail"]  # notes may hold PHI: never in the audit


def test_review_queue_leaves_out_faxes_whose_correction_was_ingested(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        queued = {r[0] for r in con.execute("select source_record_id from raw.review_queue").fetchall()}
    assert CORRECTED_FAX in queued  # the raw queue still holds it; the page must not
    at = open_page("review_queue.py", "staff").run()
    assert not at.exception
    assert at.selectbox(key="review_fax").options == [REVIEW_FAX]
    assert any("**1 faxes**" in m.value for m in at.markdown)


def test_review_queue_correction_is_written_as_a_source(published: Path, tmp_path: Path) -> None:
    at = open_page("review_queue.py", "staff").run()
    assert not at.exception
    assert at.selectbox(key="review_fax").value == REVIEW_FAX
    assert len(at.get("image")) == 1
    at.text_input(key=f"fix_{REVIEW_FAX}_first_name").input("Testcorrected")
    at.button[0].click().run()
    assert not at.exception
    (path,) = (tmp_path / "inbox" / "fax_corrections").glob("*.jsonl")
    (line,) = [json.loads(x) for x in path.read_text().splitlines()]
    assert line["source_record_id"] == REVIEW_FAX and line["fields"]["first_name"] == "Testcorrected"
    assert "correction" in audit.read_entries()["action"].to_list()


def test_data_desk_requeues_a_quarantined_file(published: Path, tmp_path: Path) -> None:
    at = open_page("data_desk.py", "manager").run()
    assert not at.exception
    assert any("missing column Sid" in m.value for m in at.markdown)
    at.button(key="requeue_sms_broken.csv").click().run()
    assert not at.exception
    assert (tmp_path / "inbox" / "sms" / "broken.csv").is_file()
    assert not (tmp_path / "quarantine" / "sms" / "broken.csv").exists()
    assert audit.read_entries().row(0, named=True)["target"] == "sms/broken.csv"


def test_audit_page_shows_entries_to_admin(published: Path) -> None:
    _detail("manager")
    at = open_page("audit_log.py", "admin").run()
    table = at.dataframe[0].value
    assert list(table["action"]) == ["view_phi"] and list(table["user"]) == ["manager"]


def test_data_desk_freshness_summarises_the_ingest_log_per_source(published: Path) -> None:
    at = open_page("data_desk.py", "manager").run()
    assert not at.exception
    assert any("published just now" in c.value for c in at.caption)
    fresh = at.dataframe[0].value.set_index("source")
    assert list(fresh.index) == ["fax", "sms", "webforms"]
    assert fresh.loc["sms", "quarantined"] == 1 and fresh.loc["sms", "files"] == 1
    assert fresh["last_ok_at"].isna().tolist() == [False, True, False]  # sms never had a good file
    assert fresh.loc["fax", "quarantined"] == 0 and fresh.loc["webforms", "partial"] == 0
