"""Lead detail: the person (PHI; masked for analysts, audited when shown), next action, score reasons,
eligibility, the fax page beside its extracted fields, and the whole timeline across channels."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app.lib import audit
from app.lib import queries_insurance as qi
from app.lib import queries_lead as q
from app.lib.fax_images import page_image_files
from app.lib.masking import mask_frame, mask_mapping
from app.lib.page_context import require_snapshot, require_user

NOT_IN_SCOPE = "This lead belongs to a clinic outside your scope."

user = require_user("lead_detail")
st.title("Lead detail")
info = require_snapshot()
path, published = str(info.path), info.published_at

allowed = q.lead_ids(path, published, user.clinic_scope)
drilled = [i for i in st.session_state.get("drill_leads", []) if not user.clinic_scope or i in set(allowed)]
options = list(dict.fromkeys([*drilled, *allowed]))
wanted = st.query_params.get("lead")
lead_id = st.selectbox(
    "Lead",
    options=options,
    index=options.index(wanted) if wanted in options else None,
    placeholder="Pick a lead",
    key="detail_lead",
)
if lead_id is None:
    st.stop()
lead = q.lead(path, published, lead_id)
if lead is None:
    st.warning("No such lead in this snapshot.")
    st.stop()
if user.clinic_scope and lead["clinic_id"] not in user.clinic_scope:  # type: ignore[index]
    st.error(NOT_IN_SCOPE)
    st.stop()

person = q.person(path, published, str(lead["person_id"])) or {}  # type: ignore[index]
shown = mask_mapping(person, user.masks_phi)
if person and not user.masks_phi and st.session_state.get("phi_logged_for") != lead_id:
    audit.record(user, "view_phi", str(lead_id), "lead detail")
    st.session_state["phi_logged_for"] = lead_id

st.subheader(f"{shown.get('first_name') or ''} {shown.get('last_name') or ''}".strip() or str(lead_id))
a, b, c, d = st.columns(4)
a.markdown(f"**DOB** {shown.get('dob') or '—'}")
b.markdown(f"**Phone** {shown.get('phone_e164') or '—'}")
c.markdown(f"**Email** {shown.get('email') or '—'}")
d.markdown(f"**ZIP** {shown.get('zip5') or '—'}")
st.markdown(
    f"**Clinic** {lead['clinic_id']} · **Source** {lead['source']} · **Payer** {lead['payer'] or '—'} · "
    f"**Status** {lead['status']} · **Priority** {lead['priority_tier']}"
)

action = q.next_action(path, published, str(lead_id))
if action:
    what = f"{action['action']} by {action['channel']} (due {action['due_at']})"
    st.info(f"**Next action:** {what} — {action['reason']}")
for task in qi.tasks_for_lead(path, published, str(lead_id)).iter_rows(named=True):
    owner = str(task["owner_role"]).replace("_", " ")
    label = qi.task_label(task["task"])
    st.warning(f"**Insurance task:** {label} ({owner}, due {task['due_at']}) — {task['reason']}")

left, right = st.columns(2)
with left:
    st.markdown("#### Why this score")
    score = q.score(path, published, str(lead_id))
    if score:
        st.markdown(
            f"Score **{score['score']:.2f}** ({score['priority_tier']}), model {score['model_version']}"
        )
        for reason in score["reasons"] or []:
            st.markdown(f"- {reason}")
    else:
        st.caption("Not scored (closed or not yet scored).")
    risk = q.no_show_risk(path, published, str(lead_id))
    if risk:
        st.markdown(
            f"No-show risk at the booked evaluation: **{risk['p_no_show']:.0%}** "
            f"(no-show model v{risk['model_version']})"
        )
with right:
    st.markdown("#### Eligibility")
    elig = q.eligibility(path, published, str(lead_id))
    if elig.height:
        st.dataframe(mask_frame(elig, user.masks_phi), hide_index=True, width="stretch", key="detail_elig")
    else:
        st.caption("No 271 answer for this lead yet.")

faxes = q.faxes(path, published, str(lead_id))
for fax in faxes.iter_rows(named=True):
    st.markdown(f"#### Fax {fax['source_record_id']}")
    image_col, fields_col = st.columns(2)
    with image_col:
        images = page_image_files(fax["page_images"])
        if user.masks_phi:
            st.caption("Page image hidden (PHI).")
        elif images:
            st.image([str(p) for p in images], width="stretch")
        else:
            st.caption("No page image stored.")
    with fields_col:
        fields = pl.DataFrame(
            {
                "field": list(q.FAX_FIELDS),
                "value": [str(fax[f]) if fax[f] is not None else None for f in q.FAX_FIELDS],
                "confidence": [float(fax[f"{f}_confidence"] or 0.0) for f in q.FAX_FIELDS],
            }
        )
        if user.masks_phi:
            phi = {"first_name", "last_name", "dob", "phone", "zip", "member_id"}
            fields = fields.with_columns(
                value=pl.when(pl.col("field").is_in(list(phi))).then(pl.lit("•••")).otherwise(pl.col("value"))
            )
        st.dataframe(
            fields,
            hide_index=True,
            width="stretch",
            column_config={"confidence": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0)},
            key=f"fax_{fax['source_record_id']}",
        )
        if fax.get("corrected_by"):
            st.caption(f"Corrected by {fax['corrected_by']} (confidence 1.0 on corrected fields).")

st.markdown("#### Timeline")
st.dataframe(
    q.timeline(path, published, str(lead_id)), hide_index=True, width="stretch", key="detail_timeline"
)
