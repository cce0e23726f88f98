"""dbt's partial-parse check, keyed without the warehouse's folder and DuckDB settings.

dbt parses the whole project again (~4-6 s on 2 cores) when the connection info it was parsed with differs
from the current one, and dbt-duckdb's holds the warehouse's `path` and its `settings` (the memory limit,
which Settings derives from the machine's RAM). The parse depends on neither: relations are named by the
file's stem (`database`, still in the key) and no macro of the project or of dbt-duckdb reads `target.path`
or `target.settings` (tests/dbt/test_dbt_parse_key.py). Yet dagster-dbt seeds every new target folder with
the project's own partial_parse.msgpack, parsed with the default warehouse path and no memory limit set, and
dbt rejected it: a warehouse's first `ptleads run` parsed the project once per dbt phase, as did every test
warehouse and every copy of one ("Unable to do partial parsing because profile has changed").

`ptleads-dbt` (dbt_entry.run, also the run's warm dbt) and the project's own parse (dbt_project_files) key
the check on the connection info without those two. Only the check changes: both still render in `target`.
A plain `dbt` keeps dbt's own key; a file it wrote is then rejected once and parsed again, as before.
"""

from __future__ import annotations

import pprint

_MARK = "_ptleads_parse_key_without_ignored_keys"
IGNORED_KEYS = frozenset({"path", "settings"})


def key_partial_parse_without_ignored_keys() -> None:
    """Make dbt's manifest state check hash the connection info without IGNORED_KEYS (idempotent)."""
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    if getattr(ManifestLoader, _MARK, False):
        return
    build = ManifestLoader.build_manifest_state_check

    def build_manifest_state_check(self):  # type: ignore[no-untyped-def]
        check = build(self)
        # as dbt hashes it (sorted (key, value) pairs, pformat), minus the ignored keys
        info = sorted(
            (key, value)
            for key, value in self.root_project.credentials.connection_info()
            if key not in IGNORED_KEYS
        )
        check.profile_hash = FileHash.from_contents(pprint.pformat(info))
        return check

    ManifestLoader.build_manifest_state_check = build_manifest_state_check
    setattr(ManifestLoader, _MARK, True)
