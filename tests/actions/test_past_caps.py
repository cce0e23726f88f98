"""_past_caps skips a cap that more touches than were ever sent would be needed to fill: the moments it
returns are the ones every cap's window check gives (the walk before the shortcut, kept here)."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import datetime, timedelta

import pytest

from orchestration.actions.compliance import _past_caps
from orchestration.actions.sequences import Cap


def reference_past_caps(at: datetime, sent: list[datetime], caps: list[Cap]) -> datetime:
    """_past_caps as it was before the shortcut (compliance.py at 84a1494)."""
    for cap in caps:
        lo = bisect_right(sent, at - cap.window)
        count = bisect_right(sent, at) - lo
        if count >= cap.max:
            at = sent[lo + count - cap.max] + cap.window + timedelta(seconds=1)
    return at


@pytest.mark.parametrize("seed", range(40))
def test_past_caps_gives_the_full_checks_moment(seed: int) -> None:
    rng = random.Random(seed)
    base = datetime(2025, 3, 10, 15, 0)
    for _ in range(200):
        sent = sorted(
            base + timedelta(minutes=rng.randint(0, 60 * 24 * 10)) for _ in range(rng.randint(0, 12))
        )
        # max >= 1: a zero cap blocks its channel before any due time is asked (channel_blocker)
        caps = [
            Cap(window=timedelta(hours=rng.choice([1, 24, 24 * 7])), max=rng.randint(1, 9))
            for _ in range(rng.randint(0, 3))
        ]
        at = base + timedelta(minutes=rng.randint(-60, 60 * 24 * 12))
        assert _past_caps(at, sent, caps) == reference_past_caps(at, sent, caps)
