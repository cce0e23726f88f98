"""A zero cap in compliance.yaml closes a channel instead of crashing the run: a channel's own cap, and an
overall cap, which holds every contact channel (call, SMS, email) but not web visits."""

from __future__ import annotations

from datetime import datetime

import pytest

from orchestration.actions.compliance import channel_blocker
from orchestration.actions.engine import EngineContext, next_actions
from orchestration.actions.sequences import Cap
from orchestration.actions.timeline import Touch, summarise
from tests.actions.conftest import make_lead

AS_OF = datetime(2025, 3, 11, 15, 0)


def _with_caps(ctx: EngineContext, **caps: list[Cap]) -> EngineContext:
    rules = ctx.compliance.model_copy(update={"caps": {**ctx.compliance.caps, **caps}})
    return EngineContext(ctx.sequences, rules, ctx.clinics)


@pytest.mark.parametrize("key", ["sms", "overall"])
def test_a_zero_cap_blocks_the_channel(ctx: EngineContext, key: str) -> None:
    zero = _with_caps(ctx, **{key: [Cap(window="1d", max=0)]})
    lead = make_lead()
    facts = summarise(lead, AS_OF, ctx.compliance, ctx.unanswered)
    assert channel_blocker("sms", lead, facts, zero.compliance) == "cap_zero"
    assert channel_blocker("sms", lead, facts, ctx.compliance) is None


def test_an_overall_zero_cap_with_touches_sent_gives_no_contact_and_no_crash(ctx: EngineContext) -> None:
    zero = _with_caps(ctx, overall=[Cap(window="1d", max=0)])
    sent = [Touch(datetime(2025, 3, 10, 16, 0), "call", "outbound", "no answer")]
    lead = make_lead(touches=sent)
    actions = next_actions([lead], AS_OF, zero)
    assert all(a.channel not in ("call", "sms", "email") for a in actions)
