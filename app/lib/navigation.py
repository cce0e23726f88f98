"""The app's pages and which of them a user's navigation lists (pure, so tests can check it)."""

from __future__ import annotations

from dataclasses import dataclass

from app.lib.auth import User


@dataclass(frozen=True)
class PageSpec:
    key: str  # the key in auth.PAGE_ROLES that the page itself re-checks
    file: str
    title: str
    icon: str
    section: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("funnel", "funnel.py", "Funnel", ":material/filter_alt:", "Manager"),
    PageSpec("breakdowns", "breakdowns.py", "Breakdowns", ":material/bar_chart:", "Manager"),
    PageSpec("speed", "speed.py", "Speed to lead", ":material/timer:", "Manager"),
    PageSpec("leakage", "leakage.py", "Leakage", ":material/money_off:", "Manager"),
    PageSpec("call_list", "call_list.py", "Call list", ":material/call:", "Front desk"),
    PageSpec("lead_detail", "lead_detail.py", "Lead detail", ":material/person:", "Front desk"),
    PageSpec("review_queue", "review_queue.py", "Review queue", ":material/fact_check:", "Front desk"),
    PageSpec("models", "models.py", "Models", ":material/model_training:", "Analyst"),
    PageSpec("data_desk", "data_desk.py", "Data desk", ":material/database:", "Admin"),
    PageSpec("audit", "audit_log.py", "Audit log", ":material/policy:", "Admin"),
)


def pages_for(user: User) -> dict[str, list[PageSpec]]:
    """Section -> pages the user may open, in menu order; the first one is the user's home page."""
    sections: dict[str, list[PageSpec]] = {}
    for spec in PAGES:
        if user.may_open(spec.key):
            sections.setdefault(spec.section, []).append(spec)
    return sections
