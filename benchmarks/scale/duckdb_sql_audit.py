"""List DuckDB-only SQL in the dbt models (what keeps the `spark` target from building them), each
with the cross_db macro or portable spelling that replaces it. Patterns were found by running the
project on Spark 4.3 (dbt-spark session) and by probing Spark's parser; the scan is textual.

    uv run python benchmarks/scale/duckdb_sql_audit.py [dbt_project/models]
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

# (pattern, what replaces it on both engines)
CONSTRUCTS: dict[str, tuple[str, str]] = {
    "varchar type": (r"\bvarchar\b(?!\s*\()", "{{ dbt.type_string() }} (or `string`, which both accept)"),
    "varchar[] type": (r"\bvarchar\[\]", "{{ type_string_list() }}"),
    "* exclude": (r"\*\s*exclude\s*\(", "{{ star_except(alias, [cols]) }}"),
    "arg_min/arg_max": (r"\barg_(min|max)\s*\(", "{{ arg_min(expr, by) }} / {{ arg_max(expr, by) }}"),
    "arg_max_null": (r"\barg_(min|max)_null\s*\(", "{{ arg_max_null(expr, by) }}"),
    "asof join": (r"\basof\s+(left\s+)?join\b", "{{ asof_left_join(l, r, key, t, op, t2, {out: col}) }}"),
    "to_days": (r"\bto_days\s*\(", "{{ days_interval(days) }}"),
    "regexp_matches": (r"\bregexp_matches\s*\(", "{{ regexp_test(expr, pattern) }}"),
    "regexp_full_match": (r"\bregexp_full_match\s*\(", "{{ regexp_test_full(expr, pattern) }}"),
    "regexp_replace 'g'": (
        r"regexp_replace\([^;]*?,\s*'g'\s*\)",
        "{{ regexp_replace_all(expr, pattern, repl) }}",
    ),
    "starts_with": (r"\bstarts_with\s*\(", "{{ starts_with(expr, prefix) }}"),
    "list index [1]": (r"\w\)?\[1\]", "{{ first_element(expr) }}"),
    "list functions": (
        r"\b(list_\w+|list|array_to_string|string_split)\s*\(",
        "{{ list_agg }}, {{ sorted_distinct_list }}, {{ list_concat }}, {{ list_has }}, {{ join_list }}",
    ),
    "lambda": (r"\blambda\s+\w+\s*:", "{{ capitalise_words }} or a spark__ variant (`x -> ...`)"),
    "struct/list literal": (
        r"\[\s*\{\s*'|\{\s*'\w+'\s*:",
        "{{ list_of([struct_of({name: expr})]) }}",
    ),
    "date_diff": (r"\bdate_diff\s*\(", "{{ seconds_between(a, b) }} or dbt.datediff()"),
    "strftime": (r"\bstrftime\s*\(", "{{ format_date(expr, pattern) }}"),
    "union all by name": (r"union\s+all\s+by\s+name", "explicit column lists"),
    "json_extract": (r"\bjson_extract\w*\s*\(|->>", "{{ json_text(expr, path) }}"),
    "epoch/make_timestamp": (r"\b(epoch\w*|make_timestamp)\s*\(", "dispatch macro (to write)"),
}


def audit(models: Path) -> dict[str, dict[str, int]]:
    """File (relative to `models`) -> construct -> occurrences, for SQL model files."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for path in sorted(models.rglob("*.sql")):
        # Comments and Jinja (macro calls render per adapter; `set` blocks hold Jinja dicts) are not SQL.
        text = re.sub(
            r"--[^\n]*|\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL
        )
        for name, (pattern, _) in CONSTRUCTS.items():
            hits = len(re.findall(pattern, text, flags=re.IGNORECASE))
            if hits:
                found[str(path.relative_to(models))][name] = hits
    return dict(found)


def main(argv: list[str]) -> None:
    models = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "dbt_project" / "models"
    found = audit(models)
    for file, constructs in found.items():
        print(f"{file}: " + ", ".join(f"{k} x{v}" for k, v in constructs.items()))
    print("\nreplacements:")
    for name, (_, fix) in CONSTRUCTS.items():
        print(f"  {name}: {fix}")
    print(f"\n{len(found)} model files hold DuckDB-only SQL")


if __name__ == "__main__":
    main(sys.argv[1:])
