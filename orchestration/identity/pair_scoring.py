"""Splink-style pair scoring inside DuckDB: identity nodes -> blocked candidate pairs -> comparison
levels -> Fellegi-Sunter match weights. Python only assembles SQL; DuckDB does the set work.

A *node* is what a source already knows to be one person (all FHIR resources of one Patient, or a lone
record); `person_key` names it. Records without a name and DOB (SMS, email, web events, call logs) are
not nodes: they are attached to persons later by phone/email/token."""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from orchestration.identity.comparison_levels import (
    FIRST_NAME_LEVELS_SQL,
    LEVELS_COLUMNS,
    LEVELS_JOIN,
)
from orchestration.identity.config import COMPARISONS, IdentityConfig, veto_levels
from orchestration.identity.name_variants import name_canonical_rows
from orchestration.identity.node_changes import (
    HASH_EXPR,
    NODE_HASH_SQL,
    mark_all_nodes,
    mark_changed_nodes,
    same_salt_hash,
)
from orchestration.identity.node_profiles import NODE_COLUMNS, NodeSource, build_nodes

# Each rule is a conjunction of equal node columns; a pair is a candidate if any rule holds.
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("last_norm", "dob"),
    ("dob", "zip"),
    # Not (last_norm, zip) alone: a practice's ZIP codes do not grow with its history, so its surname
    # blocks grew linearly and their pairs quadratically (2.3M pairs at 100k leads, 219M at 1M). A pair
    # only this rule finds has a DOB mismatch, which a first-name agreement must outweigh: exact names and
    # nicknames (a shared canonical name) stay in this block; a first-name typo together with a DOB typo
    # in the birth year is what no rule finds now (benchmarks/results/scale-1m-attempt-2026-11-29.json).
    ("last_norm", "zip", "canon"),
    ("first_norm", "dob"),
    # A DOB typo (one digit, or day and month swapped) beside the same surname and first initial. Not
    # (surname, first initial, birth year) alone: its blocks grow with the history, so chance pairs of
    # different people grew quadratically (0.57M at 100k leads, 36.9M at 1M; at 50k seed 5, 88k pairs only
    # it found, none accepted). One typo leaves the birth month, or the birth day, or (swapped) the
    # unordered (day, month) pair intact, so each block also keeps one of those. At 1M: 36.9M -> <= 10.6M
    # pairs; of its 426 accepted pairs only it found, the 10 no longer compared (month and day both
    # differ) were all different persons in truth.
    ("last_norm", "first_initial", "birth_year", "birth_month"),
    ("last_norm", "first_initial", "birth_year", "birth_day"),
    ("last_norm", "first_initial", "birth_year", "birth_day_month_set"),
    # Typos in both names (an EMR export's clean "Cheryl Hernandez" vs a referral's "Chreyl Henandez"),
    # or a nickname beside a surname typo ("Jennie Johnon" vs "Virginia Johnson"): only the surname's
    # initial and the DOB agree, and no rule above would make them a candidate. Not (surname initial,
    # DOB) alone: chance pairs grew 36x for 10x the leads (0.33M -> 11.6M). What the accepted pairs only
    # it found share (50k seed 5: 285, all true, all a nickname or a first-name typo): a first-name typo
    # keeps the first letter, a nickname ("Jennie" for Virginia) keeps a canonical first name. At 1M:
    # 11.6M -> at most 7.4M pairs (a canon pair counted once per shared canonical); of its 5,598 accepted
    # pairs only it found, the 134 no longer compared (other initials, no shared canonical) held 3 true.
    ("last_initial", "dob", "first_initial"),
    ("last_initial", "dob", "canon"),
)

# A node's profile fingerprint (with the scoring parameters): a node whose fingerprint is unchanged since
# the last build keeps every pair it had with other unchanged nodes, so only pairs touching new or
# changed nodes are scored again (incremental matching, identical to a full rescoring).
# (the node profile hash and the nodes a day touched: orchestration.identity.node_changes)

# The derived node columns the blocking rules and comparisons read, from a node `n` and its canonical first
# names `canon` (id_canon_lists).
_DERIVED_COLUMNS = """
    left(n.first_norm, 1) as first_initial,
    left(n.last_norm, 1) as last_initial,
    year(n.dob) as birth_year,
    month(n.dob) as birth_month,
    day(n.dob) as birth_day,
    -- equal for a DOB and the same DOB with day and month swapped
    least(month(n.dob), day(n.dob)) * 100 + greatest(month(n.dob), day(n.dob)) as birth_day_month_set"""

_CANON_LISTS_SQL = """
create or replace temp table id_canon_lists as
select name, list(canonical order by canonical) as first_canon
from id_name_canonicals
group by name
"""

_NODE_EXTRAS_SQL = f"""
create or replace temp table id_nodes_ext as
select
    n.*,{_DERIVED_COLUMNS},
    coalesce(canon.first_canon, [n.first_norm]) as first_canon,
    -- in person_key order (id_nodes is stored in that order, build_nodes' `ordered`: no window and second
    -- sort of every node): the full blocking joins, dedupes and sorts these integers, not the keys
    n.rowid + 1 as node_id
from id_nodes as n
left join id_canon_lists as canon on n.first_norm = canon.name
"""

# One row per node and canonical first name, for the rules that block on a shared canonical name (every
# such rule also needs a surname; a null ZIP or DOB simply joins nothing).
_NODE_CANON_SQL = """
create or replace temp {kind} {name} as
select person_key, node_id, last_norm, last_initial, zip, dob, unnest(first_canon) as canon
from {nodes}
where last_norm is not null and (zip is not null or dob is not null)
"""

# A day (dirty_only): the derived columns of the dirty nodes only (a table), and of every node as views read
# once (_one_pass_blocking_sqls). Materialising them for every node of the history (2.77M at 1M leads, with
# the canonical-name lists and one row per canonical name) was most of a day's blocking; the comparisons
# then read id_nodes_ext of the candidate pairs' nodes only.
_DIRTY_EXT_SQL = f"""
create or replace temp table id_dirty_ext as
select
    n.*,{_DERIVED_COLUMNS},
    coalesce(canon.first_canon, [n.first_norm]) as first_canon
from {{nodes}} as n
semi join id_dirty_nodes as d on n.person_key = d.person_key
left join id_canon_lists as canon on n.first_norm = canon.name
"""

# Without the derived columns: they are computed for the near nodes only (_one_pass_blocking_sqls), not for
# every node before the near filter (the widest step of a day's blocking).
_ALL_BLOCK_VIEWS_SQL = (
    """
create or replace temp view id_block_nodes as
select n.person_key, n.first_norm, n.last_norm, n.dob, n.phone, n.email, n.zip
from id_nodes as n
""",
)

# The nodes of the pairs a day's blocking found (id_block_hits), with their derived columns.
_PAIR_NODES_EXT_SQL = f"""
create or replace temp table id_nodes_ext as
with keys as (
    select person_key_l as person_key from {{pairs}}
    union
    select person_key_r from {{pairs}}
)
select
    n.*,{_DERIVED_COLUMNS},
    coalesce(canon.first_canon, [n.first_norm]) as first_canon
from id_nodes as n
semi join keys on n.person_key = keys.person_key
left join id_canon_lists as canon on n.first_norm = canon.name
"""
_CANDIDATE_EXT_SQL = _PAIR_NODES_EXT_SQL.format(pairs="id_block_hits")

# The scoring of id_candidates (a day's) as a view (_changed_pairs_sql, rescore_pairs).
SCORED_CANDIDATES = "id_scored_candidates"

# Where the candidate pairs (p) and their nodes l and r come from: a day's pairs by person_key, a full build's
# by node id (_blocking_sql), carried along so the result is sorted on them.
_LEVELS_FROM = """from id_candidates as p
inner join id_nodes_ext as l on p.person_key_l = l.person_key
inner join id_nodes_ext as r on p.person_key_r = r.person_key
"""
_FULL_LEVELS_FROM = """from id_candidate_ids as p
inner join id_nodes_ext as l on p.node_l = l.node_id
inner join id_nodes_ext as r on p.node_r = r.node_id
"""
_LEVELS_SQL = "\nselect" + LEVELS_COLUMNS + _LEVELS_FROM + LEVELS_JOIN
_FULL_LEVELS_SQL = "\nselect p.node_l, p.node_r," + LEVELS_COLUMNS + _FULL_LEVELS_FROM + LEVELS_JOIN


def _blocking_sql() -> str:
    """Every candidate pair of the whole history (id_nodes_ext, id_nodes_canon) as node ids (node_l <
    node_r: person_key_l < person_key_r). Integers, not the keys: at 100k leads the joins and the distinct
    over 2.5M rule hits took half the CPU time on keys. Stored sorted (two integers: 1.1 CPU-s for 11.8M
    pairs at 1M leads), so the unsorted full write (_changed_pairs_sql) comes out nearly in key order."""
    parts = []
    for rule in BLOCKING_RULES:
        nodes = "id_nodes_canon" if "canon" in rule else "id_nodes_ext"
        on = " and ".join(f"l.{c} = r.{c}" for c in rule)
        parts.append(
            "select l.node_id as node_l, r.node_id as node_r "
            f"from {nodes} as l inner join {nodes} as r on {on} and l.node_id < r.node_id"
        )
    return (
        "create or replace temp table id_candidate_ids as select distinct * from (\n"
        + "\nunion all\n".join(parts)
        + "\n) order by node_l, node_r"
    )


# A day's blocking in one pass over every node: each node's block values (one hash per rule, per canonical
# first name for the canon rules; null where a rule's column is null) unnested and joined once with the
# dirty nodes' block values. Eleven joins each re-reading every node (2.77M at 1M leads) and re-deriving
# its columns was most of a day's blocking. A hash equality is then confirmed on the values themselves
# (id_block_hits -> id_candidates), so a hash collision cannot add a pair.
def _block_values_sql(alias: str) -> str:
    """The list of node `alias`'s block value hashes (see above)."""
    plain, canon = [], []
    for number, rule in enumerate(BLOCKING_RULES):
        columns = ["c" if column == "canon" else f"{alias}.{column}" for column in rule]
        known = " and ".join(f"{c} is not null" for c in columns)
        value = f"case when {known} then hash({number}, {', '.join(columns)}) end"
        if "canon" in rule:
            canon.append(f"list_transform({alias}.first_canon, lambda c: {value})")
        else:
            plain.append(value)
    return " || ".join([f"[{', '.join(plain)}]", *canon])


# Every blocking rule implies one of these column sets, so a node can share a block with a dirty node only
# if it shares one of them with it: the nodes that do not (most of the history) are dropped by cheap lookups
# on narrow values before their block values are built. Not a DOB alone nor (surname, birth year): the nodes
# sharing those with a day's dirty nodes were 17% of all nodes at 100k leads (46.7k, 13.1k with these) and
# grow with the history.
NEAR_KEYS: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("dob", "last_initial"),
    ("dob", "zip"),
    ("dob", "first_norm"),
    ("last_norm", "zip"),
    ("last_norm", "first_initial", "birth_year"),
)
# Equal values of a column imply equal values of the columns derived from it (_DERIVED_COLUMNS).
_IMPLIED = {
    "first_norm": {"first_initial"},
    "last_norm": {"last_initial"},
    "dob": {"birth_year", "birth_month", "birth_day", "birth_day_month_set"},
}


def _implied(rule: tuple[str, ...]) -> set[str]:
    return set(rule).union(*(_IMPLIED.get(column, set()) for column in rule))


if not all(any(set(key) <= _implied(rule) for key in NEAR_KEYS) for rule in BLOCKING_RULES):
    raise ValueError("every blocking rule must imply one of NEAR_KEYS")


# The derived columns NEAR_KEYS use, from node n's own columns (as _DERIVED_COLUMNS derives them).
_NEAR_DERIVED = {
    "first_initial": "left(n.first_norm, 1)",
    "last_initial": "left(n.last_norm, 1)",
    "birth_year": "year(n.dob)",
}


def _near_dirty_sql() -> str:
    """Whether node n (its columns without the derived ones) shares one of NEAR_KEYS' column sets with a
    dirty node (id_dirty_ext)."""
    tests = []
    for key in NEAR_KEYS:
        known = " and ".join(f"{c} is not null" for c in key)
        tests.append(
            f"hash({', '.join(_NEAR_DERIVED.get(c, f'n.{c}') for c in key)}) in "
            f"(select hash({', '.join(key)}) from id_dirty_ext where {known})"
        )
    return "\n        or ".join(tests)


def _rule_holds_sql() -> str:
    """Whether any blocking rule holds for nodes l and r of id_nodes_ext (what the hashes stand for)."""
    rules = []
    for rule in BLOCKING_RULES:
        terms = [
            "l.first_norm is not null and list_has_any(l.first_canon, r.first_canon)"
            if column == "canon"
            else f"l.{column} = r.{column}"
            for column in rule
        ]
        rules.append("(" + " and ".join(terms) + ")")
    return "\n        or ".join(rules)


def _one_pass_blocking_sqls() -> tuple[str, ...]:
    return (
        f"""
create or replace temp table id_dirty_blocks as
select person_key, block from (
    select d.person_key, unnest({_block_values_sql("d")}) as block from id_dirty_ext as d
)
where block is not null
""",
        f"""
create or replace temp table id_block_hits as
with near as (
    -- the canonical first names of the near nodes only (joined after the filter, not for every node)
    select n.*,{_DERIVED_COLUMNS}, coalesce(canon.first_canon, [n.first_norm]) as first_canon
    from (select * from id_block_nodes as n where {_near_dirty_sql()}) as n
    left join id_canon_lists as canon on n.first_norm = canon.name
)
select distinct
    least(d.person_key, n.person_key) as person_key_l,
    greatest(d.person_key, n.person_key) as person_key_r
from id_dirty_blocks as d
inner join (
    select n.person_key, unnest({_block_values_sql("n")}) as block from near as n
) as n on d.block = n.block and d.person_key <> n.person_key
""",
        _CANDIDATE_EXT_SQL,
        f"""
create or replace temp table id_candidates as
select h.person_key_l, h.person_key_r
from id_block_hits as h
inner join id_nodes_ext as l on h.person_key_l = l.person_key
inner join id_nodes_ext as r on h.person_key_r = r.person_key
where {_rule_holds_sql()}
""",
    )


def _sql_literal(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def _weights_sql(config: IdentityConfig) -> str:
    terms = []
    for comparison, levels in COMPARISONS.items():
        cases = " ".join(f"when '{lv}' then {config.level_weight(comparison, lv)!r}" for lv in levels)
        terms.append(f"coalesce(case {comparison} {cases} end, 0.0) as w_{comparison}")
    return ",\n    ".join(terms)


def _veto_sql(config: IdentityConfig) -> str:
    rules = []
    for rule in config.vetoes:
        conds = [
            "("
            + " or ".join(
                f"{c} is null" if lv is None else f"{c} = {_sql_literal(lv)}" for lv in veto_levels(level)
            )
            + ")"
            for c, level in rule.items()
        ]
        rules.append("(" + " and ".join(conds) + ")")
    return "coalesce(" + (" or ".join(rules) if rules else "false") + ", false)"


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    records: str,
    config: IdentityConfig,
    previous: tuple[str, str] | None = None,
) -> pa.Table:
    """Scored candidate pairs of identity nodes from the `records` relation (columns record_key,
    person_key, event_at, first_name, last_name, dob, phone_e164, email, zip5). One row per pair with
    each comparison's level and weight, the total match weight and probability, vetoed and accepted.

    `previous` = (pairs relation, node hashes relation) of the last build: pairs between nodes whose
    profile hash is unchanged are copied from it, only pairs touching new or changed nodes are scored.
    The result equals a full scoring of the same records (same blocking, same weights)."""
    sql = _changed_pairs_sql(con, records, config, None if previous is None else previous[1])
    if previous is not None:
        sql = f"""
        {sql}
        union all by name
        -- a node's representative record can change without its profile changing (a new record
        -- with a smaller key and the same identity fields): take it from the current nodes
        select kept.* exclude (record_key_l, record_key_r), l.record_key as record_key_l,
            r.record_key as record_key_r
        from {previous[0]} as kept
        semi join id_clean_nodes as cl on kept.person_key_l = cl.person_key
        semi join id_clean_nodes as cr on kept.person_key_r = cr.person_key
        inner join id_nodes as l on kept.person_key_l = l.person_key
        inner join id_nodes as r on kept.person_key_r = r.person_key
        """
    return con.sql(f"select * from ({sql}) order by person_key_l, person_key_r").to_arrow_table()


def score_changed_pairs(
    con: duckdb.DuckDBPyConnection, records: str, config: IdentityConfig, previous_nodes: str | None
) -> pa.Table:
    """Only the scored pairs that touch a node that is new or changed since `previous_nodes` (the last
    build's node hashes; None: every node is new). Together with the last build's pairs between two
    unchanged nodes (see `update_kept_pairs`) they are exactly what `score_pairs` returns."""
    return changed_pairs_relation(con, records, config, previous_nodes).to_arrow_table()


def changed_pairs_relation(
    con: duckdb.DuckDBPyConnection,
    records: str,
    config: IdentityConfig,
    previous_nodes: str | None,
    nodes: NodeSource | None = None,
    known: bool = False,
    materialize: bool = True,
) -> duckdb.DuckDBPyRelation:
    """`score_changed_pairs` kept inside DuckDB (a temp table on `con`), for the dbt model to write: at 1M
    leads the scored pairs as one Arrow table in Python passed 15 GB beside DuckDB's memory cap, while a
    DuckDB table stays under the cap (it spills). `nodes`: where the node profiles come from (default:
    a group-by over every record). `known`: the pairs were written with exactly `previous_nodes` (see
    `update_kept_pairs`' written_with), which lets a day touch only the nodes it recomputed.
    `materialize` False: the query itself (not a temp table), for a caller that reads the pairs once (a
    full build writes them straight into its table instead of copying every pair twice), and not sorted:
    at 1M leads sorting the 11.8M scored pairs took 12 of the write's 44 CPU-s (read-only check, 2.5 GB
    cap). A full scoring's pairs then come in candidate order, nearly the keys' (_blocking_sql); no reader
    needs the exact order (a day's scans of the pairs look up keys spread over every row group)."""
    sql = _changed_pairs_sql(con, records, config, previous_nodes, nodes, known, sorted_pairs=materialize)
    if not materialize:
        return con.sql(sql)
    con.execute(f"create or replace temp table id_changed_pairs as {sql}")
    return con.table("id_changed_pairs")


def _changed_pairs_sql(
    con: duckdb.DuckDBPyConnection,
    records: str,
    config: IdentityConfig,
    previous_nodes: str | None,
    nodes: NodeSource | None = None,
    known: bool = False,
    sorted_pairs: bool = False,
) -> str:
    """Builds the node temp tables (id_nodes, id_dirty_nodes: new or changed, id_gone_nodes: in
    `previous_nodes` and gone, id_touched_nodes: the nodes whose row may differ from `previous_nodes`,
    id_candidates or, with no previous, id_candidate_ids) and returns the query scoring the candidate pairs
    that touch a dirty node (all pairs when there is no previous), `sorted_pairs`: by person_key_l,
    person_key_r."""
    source = nodes or NodeSource(version=None)
    salt = _sql_literal(config_fingerprint(config))
    # The nodes holding every dirty node's profile: on the known path only recomputed nodes can be dirty.
    dirty_from = "id_nodes"
    if (
        known
        and previous_nodes is not None
        and source.previous == previous_nodes
        and same_salt_hash(con, previous_nodes, salt)
    ):
        mark_changed_nodes(con, records, source, salt)
        dirty_from = "id_fresh_nodes"
    else:
        # A full scoring numbers its nodes in person_key order (_NODE_EXTRAS_SQL): id_nodes stored sorted.
        mark_all_nodes(con, records, source, salt, previous_nodes, ordered=previous_nodes is None)
    names = pa.table(
        {"name": [n for n, _ in name_canonical_rows()], "canonical": [c for _, c in name_canonical_rows()]}
    )
    con.register("id_name_canonicals_src", names)
    con.execute("create or replace temp table id_name_canonicals as select * from id_name_canonicals_src")
    con.unregister("id_name_canonicals_src")
    con.execute(_CANON_LISTS_SQL)
    if previous_nodes is None:
        con.execute(_NODE_EXTRAS_SQL)
        con.execute(_NODE_CANON_SQL.format(kind="table", name="id_nodes_canon", nodes="id_nodes_ext"))
        con.execute(_blocking_sql())
    else:
        con.execute(_DIRTY_EXT_SQL.format(nodes=dirty_from))
        for sql in (*_ALL_BLOCK_VIEWS_SQL, *_one_pass_blocking_sqls()):
            con.execute(sql)
    pairs_from = _LEVELS_FROM if previous_nodes is not None else _FULL_LEVELS_FROM
    con.execute(FIRST_NAME_LEVELS_SQL.format(pairs=pairs_from))
    weight_sum = " + ".join(f"w_{c}" for c in COMPARISONS)
    scored = f"""
    with levels as ({_LEVELS_SQL if previous_nodes is not None else _FULL_LEVELS_SQL}),
    weighted as (
        select *,
            {_weights_sql(config)}
        from levels
    )
    select
        *,
        {config.prior_weight!r} + {weight_sum} as match_weight,
        1.0 / (1.0 + pow(2.0, -({config.prior_weight!r} + {weight_sum}))) as match_probability,
        {_veto_sql(config)} as vetoed,
        ({config.prior_weight!r} + {weight_sum}) >= {config.threshold_weight!r}
            and not {_veto_sql(config)} as accepted
    from weighted
    """
    if previous_nodes is not None:
        # A view over the day's candidates, so rescore_pairs can score other pairs with the same parameters.
        con.execute(f"create or replace temp view {SCORED_CANDIDATES} as {scored}")
        scored = f"select * from {SCORED_CANDIDATES}"
        return f"{scored} order by person_key_l, person_key_r" if sorted_pairs else scored
    # the node ids are in person_key order: sorting on them gives the keys' order
    order = " order by node_l, node_r" if sorted_pairs else ""
    return f"select * exclude (node_l, node_r) from ({scored}){order}"


def rescore_pairs(con: duckdb.DuckDBPyConnection, pairs: str) -> str:
    """The query of the scored rows of the pairs in `pairs` (person_key_l, person_key_r: each pair once, in
    that order), scored again from their nodes' current profiles and record keys with the parameters of the
    last `changed_pairs_relation` with previous nodes on `con` (its view SCORED_CANDIDATES; the day's
    candidates, node extras and first-name levels are replaced, so call it after that relation is
    materialised). For kept pairs whose nodes' profiles did not change (a representative record moved): a
    pair's levels and weights follow from its nodes' profiles alone, so these rows equal the stored ones
    but for the record keys, and scoring a few thousand pairs costs less than fetching them (every column of
    nearly every row group of the pairs: 1.3 s at 1M leads)."""
    con.execute(
        f"create or replace temp table id_candidates as select person_key_l, person_key_r from {pairs}"
    )
    con.execute(_PAIR_NODES_EXT_SQL.format(pairs="id_candidates"))
    con.execute(FIRST_NAME_LEVELS_SQL.format(pairs=_LEVELS_FROM))
    return f"select * from {SCORED_CANDIDATES}"


def same_salt(con: duckdb.DuckDBPyConnection, previous_nodes: str, config: IdentityConfig) -> bool:
    """Whether the node table `previous_nodes` was hashed with these scoring parameters and comparison SQL
    (int_identity_nodes rehashes every node when they change, so a few rows tell)."""
    return same_salt_hash(con, previous_nodes, _sql_literal(config_fingerprint(config)))


def node_hashes(con: duckdb.DuckDBPyConnection, records: str, config: IdentityConfig) -> pa.Table:
    """Profile hash of every identity node of `records`: what the next incremental build compares with."""
    table = node_table(con, records, config, NodeSource(version=None))
    return table.select("person_key, profile_hash").order("person_key").to_arrow_table()


def node_table(
    con: duckdb.DuckDBPyConnection, records: str, config: IdentityConfig, nodes: NodeSource
) -> duckdb.DuckDBPyRelation:
    """Every identity node of `records` with its profile (node_profiles.NODE_COLUMNS), its profile hash
    and the records version it describes (`nodes.version`), as a temp table on `con`: what the next
    build compares its hashes with and copies unchanged profiles from."""
    build_nodes(con, records, nodes)
    con.execute(NODE_HASH_SQL.format(salt=_sql_literal(config_fingerprint(config))))
    version = "null" if nodes.version is None else str(int(nodes.version))
    con.execute(
        f"""
        create or replace temp table id_node_table as
        select n.*, h.profile_hash, cast({version} as bigint) as source_version
        from id_nodes as n
        inner join id_node_hashes as h using (person_key)
        order by n.person_key
        """
    )
    return con.table("id_node_table")


def changed_node_table(
    con: duckdb.DuckDBPyConnection,
    records: str,
    config: IdentityConfig,
    nodes: NodeSource,
    saved: str | None = None,
) -> duckdb.DuckDBPyRelation:
    """`node_table`'s rows of the person_keys `nodes.changed` lists only (those that still have a node), for
    updating the previous node table (`nodes.previous`) in place: delete the changed keys (temp table
    id_changed_keys), append these. Needs copy-forward profiles (`nodes.previous`). `saved`: those rows
    already profiled and hashed from the same source (fresh_nodes.saved_fresh_nodes), so `records` is not
    read."""
    if nodes.previous is None:
        raise ValueError("changed_node_table needs the previous node profiles")
    version = "null" if nodes.version is None else str(int(nodes.version))
    if saved is not None:
        con.execute(
            f"create or replace temp table id_changed_keys as select distinct person_key from {nodes.changed}"
        )
        fresh, hashed = saved, "profile_hash"
    else:
        build_nodes(con, records, nodes, as_view=True)
        fresh = "id_fresh_nodes"
        hashed = f"{HASH_EXPR.format(salt=_sql_literal(config_fingerprint(config)))} as profile_hash"
    con.execute(
        f"""
        create or replace temp table id_node_table as
        select {", ".join(NODE_COLUMNS)}, {hashed}, cast({version} as bigint) as source_version
        from {fresh}
        order by person_key
        """
    )
    return con.table("id_node_table")


def config_fingerprint(config: IdentityConfig) -> str:
    """Changes whenever a scoring parameter or the comparison SQL changes, so either rescores every pair."""
    comparisons = _LEVELS_SQL + FIRST_NAME_LEVELS_SQL
    return hashlib.md5((config.model_dump_json() + comparisons + repr(BLOCKING_RULES)).encode()).hexdigest()


def identity_nodes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The nodes built by the last `score_pairs` call: person_key, record_key, first_seen_at."""
    return con.execute(
        "select person_key, record_key, first_seen_at from id_nodes order by person_key"
    ).to_arrow_table()
