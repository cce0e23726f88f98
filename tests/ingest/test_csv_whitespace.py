"""PY_WHITESPACE is a literal for speed; it must stay exactly the characters str.strip() removes."""

import sys

from orchestration.ingest.csv_columns import PY_WHITESPACE


def test_literal_is_every_python_whitespace_character() -> None:
    expected = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert expected == PY_WHITESPACE
