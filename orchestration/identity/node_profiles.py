"""Identity node profiles carried from one build to the next.

A node's profile (the values of its earliest record that has them) is a group-by over every named record
of the history: at 1M leads the regex normalisation and arg_min over ~19M records ran twice a day (pair
scoring, node hashes) for a day that changes a few thousand nodes. int_source_records (incremental)
records which person_keys its latest version touched (`<records>_changes`) and counts its versions
(`<records>_state`); int_identity_nodes keeps every node's profile with the source version it describes.
When that is the version just before the current one (or the current one), the profiles of untouched
nodes are copied and only the touched nodes are recomputed: the same id_nodes a full group-by gives.
Anything else (no state, a rebuilt source, a skipped version) recomputes every node."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Up to this many changed person_keys are written into the SQL as a constant list; more go through a table.
# At 1M leads (read-only checks on the day's tables, one thread) a 2k-key list filters a scan as fast as a
# semi-join on the 15.9M pairs and twice as fast on the 19M records, but a 10k-key list was 3x slower on the
# pairs and a 49k-key list 4x slower on the records (planning a long IN list).
MAX_LISTED_KEYS = 2_000

# The profile columns of a node, in id_nodes' order.
NODE_COLUMNS = (
    "person_key",
    "record_key",
    "first_seen_at",
    "first_norm",
    "last_norm",
    "dob",
    "phone",
    "email",
    "zip",
)

_PROFILE_SQL = """
with named as (
    select
        person_key,
        record_key,
        event_at,
        nullif(regexp_replace(lower(first_name), '[^a-z]', '', 'g'), '') as first_norm,
        nullif(regexp_replace(lower(last_name), '[^a-z]', '', 'g'), '') as last_norm,
        dob,
        phone_e164 as phone,
        lower(email) as email,
        zip5 as zip
    from {records}
    where {named} {only}
)
select
    person_key,
    min(record_key) as record_key,
    min(event_at) as first_seen_at,
    -- one profile per node: the values of its earliest record that has them (deterministic)
    arg_min(first_norm, record_key) filter (where first_norm is not null) as first_norm,
    arg_min(last_norm, record_key) filter (where last_norm is not null) as last_norm,
    arg_min(dob, record_key) filter (where dob is not null) as dob,
    arg_min(phone, record_key) filter (where phone is not null) as phone,
    arg_min(email, record_key) filter (where email is not null) as email,
    arg_min(zip, record_key) filter (where zip is not null) as zip
from named
group by person_key
"""


@dataclass(frozen=True, slots=True)
class NodeSource:
    """Where this build's nodes come from: `version` of int_source_records (None: not versioned), and
    whether only `changed` person_keys need recomputing on top of `previous` profiles (which describe
    records version `previous_version`)."""

    version: int | None
    previous: str | None = None
    changed: str | None = None
    previous_version: int | None = None


# A record is part of a node's profile when it names a person. int_source_records stores that test as
# has_identity: one boolean column the scan filters on, where the OR of three IS NOT NULLs read three columns
# of every record (the day's profile scan of the 100k history: 0.108 -> 0.074 CPU-s, same rows).
_NAMED = "(first_name is not null or last_name is not null or dob is not null)"
_NAMED_STORED = "has_identity"


def profile_sql(records: str, only: str = "", stored_named: bool = False) -> str:
    """The node profiles of `records` (optionally restricted by an `and ...` condition on its rows).
    `stored_named`: `records` has int_source_records' has_identity column (the same test, stored)."""
    return _PROFILE_SQL.format(records=records, only=only, named=_NAMED_STORED if stored_named else _NAMED)


def _has_stored_named(con: duckdb.DuckDBPyConnection, records: str) -> bool:
    """Whether the relation `records` carries has_identity (int_source_records does; test tables may not)."""
    columns = {d[0] for d in con.execute(f"select * from {records} limit 0").description}
    return _NAMED_STORED in columns


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def node_source(
    con: duckdb.DuckDBPyConnection, records_schema: str, records_name: str, nodes_schema: str, nodes_name: str
) -> NodeSource:
    """Decide how to build this run's nodes: copy-forward plus the changed person_keys when the saved
    node profiles describe the previous (or the current) version of the records, else everything."""
    state, changes = f"{records_name}_state", f"{records_name}_changes"
    if not (_table_exists(con, records_schema, state) and _table_exists(con, records_schema, changes)):
        return NodeSource(version=None)
    version, rebuilt = con.execute(f'select version, rebuilt from "{records_schema}"."{state}"').fetchall()[0]
    if not _table_exists(con, nodes_schema, nodes_name):
        return NodeSource(version=version)
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [nodes_schema, nodes_name],
        ).fetchall()
    }
    if not set(NODE_COLUMNS) | {"source_version"} <= columns:
        return NodeSource(version=version)
    nodes = f'"{nodes_schema}"."{nodes_name}"'
    seen = con.execute(f"select max(source_version), min(source_version) from {nodes}").fetchall()[0]
    if seen[0] is None or seen[0] != seen[1]:
        return NodeSource(version=version)
    if seen[0] == version:
        # Nothing changed since these profiles were saved (the records model did not run again).
        con.execute("create or replace temp table id_no_changes (person_key varchar)")
        return NodeSource(version=version, previous=nodes, changed="id_no_changes", previous_version=seen[0])
    if seen[0] == version - 1 and not rebuilt:
        changed = f'"{records_schema}"."{changes}"'
        return NodeSource(version=version, previous=nodes, changed=changed, previous_version=seen[0])
    return NodeSource(version=version)


def build_nodes(
    con: duckdb.DuckDBPyConnection,
    records: str,
    source: NodeSource,
    as_view: bool = False,
    ordered: bool = False,
) -> None:
    """Create id_nodes (NODE_COLUMNS) for `records` as `source` says. With previous profiles also
    id_changed_keys (the person_keys recomputed) and id_fresh_nodes (their profiles now; a key without a
    named record now has none). `as_view`: id_nodes is a view (previous profiles of the other keys, then
    the fresh ones) for a caller that reads it once, not a copy of every node. `ordered` (a table): its rows
    are stored in person_key order, so rowid + 1 numbers the nodes in that order (a full build's node ids
    without a window, and its saved profiles without a second sort)."""
    columns = ", ".join(NODE_COLUMNS)
    order = " order by person_key" if ordered and not as_view else ""
    if source.previous is None:
        drop_temp(con, "id_nodes")
        con.execute(
            f"create temp table id_nodes as "
            f"select * from ({profile_sql(records, '', _has_stored_named(con, records))}){order}"
        )
        return
    con.execute(
        f"create or replace temp table id_changed_keys as select distinct person_key from {source.changed}"
    )
    # The changed keys as a constant list when few (MAX_LISTED_KEYS), else a semi-join on their table.
    keys = [k for (k,) in con.execute("select person_key from id_changed_keys").fetchall() if k is not None]
    if len(keys) <= MAX_LISTED_KEYS:
        only = "and person_key in (" + (", ".join(sql_string(k) for k in keys) or "null") + ")"
    else:
        only = "and person_key in (select person_key from id_changed_keys)"
    named = _has_stored_named(con, records)
    con.execute(f"create or replace temp table id_fresh_nodes as {profile_sql(records, only, named)}")
    drop_temp(con, "id_nodes")
    con.execute(
        f"""
        create temp {"view" if as_view else "table"} id_nodes as
        select {columns} from {source.previous}
        anti join id_changed_keys using (person_key)
        union all
        select {columns} from id_fresh_nodes{order}
        """
    )


def drop_temp(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temp table or view `name` if there is one."""
    for kind in ("view", "table"):
        found = con.execute(
            f"select count(*) from duckdb_{kind}s() where temporary and {kind}_name = ?", [name]
        ).fetchone()[0]
        if found:
            con.execute(f"drop {kind} {name}")


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
