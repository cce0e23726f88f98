"""The shortcuts of the comparison levels give what the plain expressions give (comparison_levels)."""

from __future__ import annotations

import random
import string

import duckdb
import pyarrow as pa

from orchestration.identity.comparison_levels import FIRST_NAME_LEVELS_SQL, dl_at_most
from orchestration.identity.name_variants import name_canonical_rows

# Strings that sit on the bounds: transpositions (levenshtein 2, DL 1), length differences, code points
# beyond ASCII (a decomposed accent is two code points), empty strings and nulls.
EDGE = ["", "a", "ab", "ba", "abc", "acb", "bca", "cab", "abcd", "abdc", "badc", "ca"]
EDGE += ["é", "e", "e\u0301", None]


def _random_strings(rng: random.Random, count: int) -> list[str]:
    """Short strings over a small alphabet plus their one- and two-edit variants (most pairs are close)."""
    out = []
    for _ in range(count):
        word = "".join(rng.choice("abcdé") for _ in range(rng.randint(0, 7)))
        out.append(word)
        edited = list(word)
        for _ in range(rng.randint(1, 2)):
            op = rng.choice("sidt")
            i = rng.randint(0, max(len(edited) - 1, 0))
            if op == "s" and edited:
                edited[i] = rng.choice("abcdé")
            elif op == "i":
                edited.insert(i, rng.choice("abcdé"))
            elif op == "d" and edited:
                del edited[i]
            elif op == "t" and len(edited) > 1:
                i = min(i, len(edited) - 2)
                edited[i], edited[i + 1] = edited[i + 1], edited[i]
        out.append("".join(edited))
    return out


def test_dl_at_most_equals_damerau_levenshtein_threshold() -> None:
    values = EDGE + _random_strings(random.Random(7), 60)
    con = duckdb.connect()
    con.register("v", pa.table({"s": values}))
    for k in (1, 2):
        differ = con.execute(
            f"""
            select count(*) filter (where ({dl_at_most("a.s", "b.s", k)}) is distinct from
                (damerau_levenshtein(a.s, b.s) <= {k})),
                count(*) filter (where damerau_levenshtein(a.s, b.s) <= {k})
            from v as a, v as b
            """
        ).fetchall()[0]
        assert differ[0] == 0
        assert differ[1] > len(values)  # close pairs beside the equal ones were tried


def test_first_name_levels_equal_the_per_pair_case() -> None:
    """id_first_name_levels over distinct name pairs gives the level the per-pair CASE gave."""
    rng = random.Random(11)
    canon_names = sorted({name for name, _ in name_canonical_rows()})
    names = rng.sample(canon_names, 150) + _random_strings(rng, 40)
    names += ["kev", "keevin", "kevin", "al", "bill", "wiliam", "william", "jennie", "virginia"]
    names = [n for n in names if n] + [string.ascii_lowercase]
    con = duckdb.connect()
    rows = name_canonical_rows()
    con.register("canon_src", pa.table({"name": [n for n, _ in rows], "canonical": [c for _, c in rows]}))
    con.execute(
        "create temp table id_canon_lists as select name, list(canonical order by canonical) as first_canon "
        "from canon_src group by name"
    )
    con.register("name_src", pa.table({"first_norm": names}))
    con.execute(
        """
        create temp table id_nodes_ext as
        select n.first_norm, coalesce(c.first_canon, [n.first_norm]) as first_canon
        from (select distinct first_norm from name_src) as n
        left join id_canon_lists as c on n.first_norm = c.name
        """
    )
    con.execute(FIRST_NAME_LEVELS_SQL.format(pairs="from id_nodes_ext as l, id_nodes_ext as r"))
    reference = """
        case
            when list_has_any(l.first_canon, r.first_canon) then 'nickname'
            when jaro_winkler_similarity(l.first_norm, r.first_norm) >= 0.9
                or damerau_levenshtein(l.first_norm, r.first_norm) <= 1 then 'fuzzy'
            when list_bool_or(list_transform(l.first_canon, lambda a: len(a) >= 4 and list_bool_or(
                list_transform(r.first_canon, lambda b: len(b) >= 4 and damerau_levenshtein(a, b) <= 1)
            ))) then 'fuzzy'
            else 'else'
        end"""
    differ, pairs, levels = con.execute(
        f"""
        select count(*) filter (where fl.level is distinct from {reference}), count(*),
            count(distinct fl.level)
        from id_nodes_ext as l
        inner join id_nodes_ext as r on l.first_norm <> r.first_norm
        left join id_first_name_levels as fl on l.first_norm = fl.name_l and r.first_norm = fl.name_r
        """
    ).fetchall()[0]
    assert differ == 0
    assert pairs > 10_000
    assert levels == 3  # nickname, fuzzy and else all occur
