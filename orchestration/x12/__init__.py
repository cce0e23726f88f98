"""X12 005010X279A1 eligibility: 270 inquiries out, 271 responses in.

Public entry points: parse_271, write_271 / render_271, write_270 / render_270, parse_270, and
X12Error (the only exception the parsers raise on malformed input).
"""

from orchestration.x12.segments import X12Error
from orchestration.x12.x12_270_parse import parse_270
from orchestration.x12.x12_270_write import render_270, write_270
from orchestration.x12.x12_271_parse import parse_271
from orchestration.x12.x12_271_write import render_271, write_271

__all__ = ["X12Error", "parse_270", "parse_271", "render_270", "render_271", "write_270", "write_271"]
