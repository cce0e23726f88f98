{#- The view materialization on DuckDB, minus the re-creation of a view whose SQL did not change (issue 8).

dbt's default view materialization (dbt-duckdb has none of its own) creates `<view>__dbt_tmp`, renames the
old view to a backup, renames the new one in and drops the backup on every run: each its own statement and
commit, for ~30 staging views whose SQL a daily run almost never changes. DuckDB binds a view's query by
name when it is read, so a view over tables rebuilt since still reads their current rows and columns.

Each view this materialization creates carries a comment naming the md5 of the CREATE statement dbt
rendered and the md5 of the SQL DuckDB stored for it (duckdb_views().sql, DuckDB's re-rendered text). A run
leaves the view alone only when both still match: the statement it would run now is the one that created
the view, and the view in the catalog still shows the text it had then (a view replaced by any other means
carries no comment or another stored SQL; a view whose stored text DuckDB renders differently since: see
view_unchanged_stored_fingerprint). Anything else goes the default way:
no view or another relation type in the way, --full-refresh, model hooks, grants, persisted docs or an
enforced contract (whose column check reads upstream types, which can change without the SQL changing).
The node still reports success (its `main` statement is the catalog lookup), so Dagster still records the
materialization. -#}

{% materialization view, adapter='duckdb' -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
    {%- set backup_relation_type = 'view' if existing_relation is none else existing_relation.type -%}
    {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
    {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
    {%- set grant_config = config.get('grants') -%}
    {%- set signature = none -%}
    {%- if view_unchanged_eligible(grant_config) -%}
        {%- set signature = local_md5(get_create_view_as_sql(target_relation, sql) | string) -%}
    {%- endif -%}

    {%- if signature is not none and existing_relation is not none and existing_relation.is_view
        and not should_full_refresh() and view_unchanged_is_current(target_relation, signature) -%}
        {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
        {{ drop_relation_if_exists(preexisting_backup_relation) }}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}

    {#- From here on dbt's default view materialization (global_project .../models/view.sql), plus the
    comment, written in the same transaction as the rename. -#}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
    {{ drop_relation_if_exists(preexisting_backup_relation) }}

    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main') -%}
        {{ get_create_view_as_sql(intermediate_relation, sql) }}
    {%- endcall %}

    {% if existing_relation is not none %}
        {% set existing_relation = load_cached_relation(existing_relation) %}
        {% if existing_relation is not none %}
            {{ adapter.rename_relation(existing_relation, backup_relation) }}
        {% endif %}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}

    {% if signature is not none %}
        {% do view_unchanged_sign(target_relation, signature) %}
    {% endif %}

    {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {{ adapter.commit() }}

    {{ drop_relation_if_exists(backup_relation) }}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}

{#- Whether this node's view may ever be kept: it has nothing a run must redo besides the CREATE. -#}
{% macro view_unchanged_eligible(grant_config) -%}
    {%- set contract = config.get('contract') -%}
    {{ return(not pre_hooks and not post_hooks
        and not grant_config
        and not config.persist_relation_docs() and not config.persist_column_docs()
        and not (contract and contract.enforced)
        and not config.get('sql_header')) }}
{%- endmacro %}

{#- The comment a view created by this materialization carries: the md5 of the CREATE statement dbt
rendered and the fingerprint of the SQL DuckDB stored for the view. -#}
{% macro view_unchanged_comment(signature, stored_sql_md5) -%}
    {{- 'ptleads view_unchanged create=' ~ signature ~ ' stored=' ~ stored_sql_md5 -}}
{%- endmacro %}

{#- The md5 of the SQL DuckDB stored for the view, byte for byte. DuckDB re-renders it from the parse
tree, and not always the same way: once the catalog went through a checkpoint and a re-open, the columns
of a `* exclude (...)` can come out in another order. Such a view is re-created (as every view was before),
which gives it back the text it had when created (the increments' fingerprints no longer read that text:
view_identity). -#}
{% macro view_unchanged_stored_fingerprint() -%}
    md5(sql)
{%- endmacro %}

{#- SQL expression over a duckdb_views() row: what an increment's fingerprint takes for a view upstream. The
signature this materialization wrote in the comment (create=: the md5 of the CREATE dbt rendered), which stays
the same however DuckDB renders the stored text later; a view without one (made by other means) by its
stored text. DuckDB's stored text is not stable: three staging views read differently once the file was
reopened, so a fingerprint over it differed between a model built in dbt phase 1 (right after the views were
re-created) and one built in a later process (phase 3, after the scoring and actions steps opened the file). -#}
{% macro view_identity() -%}
    coalesce(nullif(regexp_extract(comment, 'create=([0-9a-f]+)', 1), ''), md5(sql))
{%- endmacro %}

{% macro view_unchanged_where(relation) -%}
    database_name = '{{ relation.database }}'
    and schema_name = '{{ relation.schema }}'
    and view_name = '{{ relation.identifier }}'
{%- endmacro %}

{#- Whether the view in the catalog carries the comment `signature` would give it now. Run as the node's
`main` statement, outside a transaction, so that a node that keeps its view still has a result. -#}
{% macro view_unchanged_is_current(relation, signature) -%}
    {%- call statement('main', fetch_result=True, auto_begin=False) -%}
        select count(*) from duckdb_views()
        where
            {{ view_unchanged_where(relation) }}
            and comment = '{{ view_unchanged_comment(signature, "") }}' || {{ view_unchanged_stored_fingerprint() }}
    {%- endcall -%}
    {{ return(load_result('main').table.columns[0].values()[0] == 1) }}
{%- endmacro %}

{#- Called after the rename: DuckDB's stored SQL names the view, so it is read under its final name. -#}
{% macro view_unchanged_sign(relation, signature) -%}
    {%- set found = run_query("select " ~ view_unchanged_stored_fingerprint() ~ " from duckdb_views() where "
        ~ view_unchanged_where(relation)) -%}
    {%- if found.rows | length == 1 -%}
        {%- call statement('view_unchanged_comment') -%}
            comment on view {{ relation }} is '{{ view_unchanged_comment(signature, found.columns[0].values()[0]) }}'
        {%- endcall -%}
    {%- endif -%}
{%- endmacro %}
