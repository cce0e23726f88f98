"""What an increment's fingerprint takes for a view upstream (macros/materializations/view_unchanged.sql,
view_identity): the signature of the CREATE dbt rendered, from the comment view_unchanged writes, never
DuckDB's stored text (which it renders differently after the file is reopened); a view with no signature
falls back to its stored text. The macro's SQL expression runs here against duckdb_views() itself."""

from __future__ import annotations

import re

import duckdb

from orchestration.transform.dbt_project_files import DBT_PROJECT_DIR

MACRO = DBT_PROJECT_DIR / "macros" / "materializations" / "view_unchanged.sql"


def _identity_sql() -> str:
    found = re.search(
        r"\{% macro view_identity\(\) -%\}(.*?)\{%- endmacro %\}", MACRO.read_text(encoding="utf-8"), re.S
    )
    assert found, "view_identity macro not found"
    return found.group(1).strip()


def _identities(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        f"select view_name, {_identity_sql()} from duckdb_views() where not internal"
    ).fetchall()
    return dict(rows)


def test_signed_view_is_its_signature_unsigned_view_its_text() -> None:
    con = duckdb.connect()
    con.execute("create table t (a int, b int, c int)")
    con.execute("create view signed as select * exclude (b, c) from t")
    con.execute("comment on view signed is 'ptleads view_unchanged create=0123abcd stored=ffff'")
    con.execute("create view unsigned as select a from t")
    con.execute("create view other_comment as select a from t")
    con.execute("comment on view other_comment is 'written by hand'")
    found = _identities(con)
    stored = dict(con.execute("select view_name, md5(sql) from duckdb_views() where not internal").fetchall())
    assert found == {
        "signed": "0123abcd",
        "unsigned": stored["unsigned"],
        "other_comment": stored["other_comment"],
    }


def test_signature_survives_a_reopen_and_a_new_stored_text(tmp_path) -> None:
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    con.execute("create table t (a int, b int, c int)")
    con.execute("create view v as select * exclude (c, b) from t")
    con.execute("comment on view v is 'ptleads view_unchanged create=beef stored=0'")
    before = _identities(con)
    con.execute("checkpoint")
    con.close()
    con = duckdb.connect(path)
    # the stored text as DuckDB renders it now (may differ from the text at creation); the identity may not
    con.execute("create or replace view v as select * exclude (b, c) from t")
    con.execute("comment on view v is 'ptleads view_unchanged create=beef stored=1'")
    assert _identities(con) == before == {"v": "beef"}
    con.close()
