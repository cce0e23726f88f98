"""HL hierarchy of 270/271: 20 information source > 21 receiver > 22 subscriber > 23 dependent."""

from __future__ import annotations

from typing import Protocol, TypeVar

from orchestration.x12.segments import Segment, X12Error

LEVEL_PARENT: dict[str, str | None] = {"20": None, "21": "20", "22": "21", "23": "22"}


class Level(Protocol):
    level: str
    children: int


N = TypeVar("N", bound=Level)


def resolve_parent(
    seg: Segment, position: int, nodes: dict[str, N], last: dict[str, N]
) -> tuple[str, str, N | None]:
    """(HL01, HL03, parent node) of an HL segment; raises X12Error when the hierarchy is broken.

    HL02 names the parent; senders that leave it empty get the latest level above.
    """
    hl_id = seg[1] if len(seg) > 1 else ""
    parent_id = seg[2] if len(seg) > 2 else ""
    level = seg[3] if len(seg) > 3 else ""
    if level not in LEVEL_PARENT:
        raise X12Error(f"HL at segment {position} has a level code that 270/271 do not use")
    if hl_id in nodes:
        raise X12Error(f"HL at segment {position} repeats an HL01 id")
    parent_level = LEVEL_PARENT[level]
    parent: N | None = None
    if parent_level is not None:
        parent = nodes.get(parent_id) if parent_id else last.get(parent_level)
        if parent is None or parent.level != parent_level:
            raise X12Error(f"HL at segment {position} has no valid parent level")
        parent.children += 1
    return hl_id, level, parent
