"""The comparison levels of a candidate pair of identity nodes, as SQL (pair_scoring assembles them).

Every candidate pair is scored (11.8M at 1M leads), so a full build's scoring is mostly string distances.
Two shortcuts cut them without changing a level:
- The first-name level depends on the two first names only (their canonical names derive from them), so it
  is computed once per distinct ordered pair of different names (id_first_name_levels: 268k at 1M leads for
  7.8M pairs with different first names) and joined back. Its nickname-typo test (a lambda over both lists
  of canonical names) was most of the scoring's CPU time when it ran per pair.
- damerau_levenshtein (Lowrance-Wagner: ~6 us for two e-mail addresses, 5x levenshtein) runs only where
  cheaper bounds leave `distance <= k` open: DL >= the length difference (an insertion or deletion per
  character of it), DL <= levenshtein (every levenshtein edit is a DL edit) and levenshtein <= 2 * DL (a
  transposition is two levenshtein edits). DuckDB counts all three in code points.
"""

from __future__ import annotations


def dl_at_most(a: str, b: str, k: int) -> str:
    """SQL equal to `damerau_levenshtein(a, b) <= k` (null when a or b is null), from cheaper bounds first."""
    lev = f"levenshtein({a}, {b})"
    return (
        f"(abs(length({a}) - length({b})) <= {k} and "
        f"({lev} <= {k} or ({lev} <= {2 * k} and damerau_levenshtein({a}, {b}) <= {k})))"
    )


# The first-name level of two different, non-null first names (name_l, name_r) and their canonical names
# (canon_l, canon_r). 'exact' and null are decided per pair (equal names, a missing name).
_FIRST_NAME_LEVEL = f"""
    case
        when list_has_any(canon_l, canon_r) then 'nickname'
        when jaro_winkler_similarity(name_l, name_r) >= 0.9
            or {dl_at_most("name_l", "name_r", 1)} then 'fuzzy'
        -- a typo of a nickname's full name ("Keevin" vs "Kev", both Kevin); short names are too close
        when list_bool_or(list_transform(canon_l, lambda a: len(a) >= 4 and list_bool_or(
            list_transform(canon_r, lambda b: len(b) >= 4 and damerau_levenshtein(a, b) <= 1)
        ))) then 'fuzzy'
        else 'else'
    end"""

# id_first_name_levels from the candidate pairs `{pairs}` (a FROM clause joining nodes l and r of
# id_nodes_ext); the canonical names as id_nodes_ext derives them (id_canon_lists, else the name itself).
FIRST_NAME_LEVELS_SQL = f"""
create or replace temp table id_first_name_levels as
with names as (
    select distinct l.first_norm as name_l, r.first_norm as name_r
    {{pairs}}
    where l.first_norm <> r.first_norm
),
canons as (
    select
        names.name_l,
        names.name_r,
        coalesce(cl.first_canon, [names.name_l]) as canon_l,
        coalesce(cr.first_canon, [names.name_r]) as canon_r
    from names
    left join id_canon_lists as cl on names.name_l = cl.name
    left join id_canon_lists as cr on names.name_r = cr.name
)
select name_l, name_r,{_FIRST_NAME_LEVEL} as level
from canons
"""

# The comparison levels of a candidate pair of nodes l and r, with fl: their row of id_first_name_levels
# (see LEVELS_JOIN).
LEVELS_COLUMNS = f"""
    l.person_key as person_key_l,
    r.person_key as person_key_r,
    l.record_key as record_key_l,
    r.record_key as record_key_r,
    case
        when l.first_norm is null or r.first_norm is null then null
        when l.first_norm = r.first_norm then 'exact'
        else fl.level
    end as first_name,
    case
        when l.last_norm is null or r.last_norm is null then null
        when l.last_norm = r.last_norm then 'exact'
        when jaro_winkler_similarity(l.last_norm, r.last_norm) >= 0.92
            or {dl_at_most("l.last_norm", "r.last_norm", 1)} then 'fuzzy'
        else 'else'
    end as last_name,
    case
        when l.dob is null or r.dob is null then null
        when l.dob = r.dob then 'exact'
        when year(l.dob) = year(r.dob) and month(l.dob) = day(r.dob) and day(l.dob) = month(r.dob)
            then 'transposed'
        when {dl_at_most("strftime(l.dob, '%Y%m%d')", "strftime(r.dob, '%Y%m%d')", 1)} then 'one_off'
        else 'else'
    end as dob,
    case
        when l.phone is null or r.phone is null then null
        when l.phone = r.phone then 'exact'
        else 'else'
    end as phone,
    case
        when l.email is null or r.email is null then null
        when l.email = r.email then 'exact'
        when {dl_at_most("l.email", "r.email", 2)} then 'fuzzy'
        else 'else'
    end as email,
    case
        when l.zip is null or r.zip is null then null
        when l.zip = r.zip then 'exact'
        else 'else'
    end as zip
"""
LEVELS_JOIN = """
left join id_first_name_levels as fl on l.first_norm = fl.name_l and r.first_norm = fl.name_r
"""
