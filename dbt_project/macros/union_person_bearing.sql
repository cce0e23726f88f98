{# Staging models tagged `person_bearing` (other than those listed in `exclude`), sorted by name.
   dbt fills `graph` only at execution, so this is empty while parsing. #}
{% macro person_bearing_models(exclude=[]) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and 'person_bearing' in node.tags
                and node.name not in exclude -%}
                {%- do names.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names | sort(attribute='name')) }}
{%- endmacro %}

{# UNION ALL of every person-bearing staging model with the standard columns (source, source_file,
   source_record_id, record_kind, event_at, first_name, last_name, dob, phone_e164, email, zip5) plus
   the optional columns in `optional` (cast to their type, null where a model lacks them).
   The models are addressed by relation, not ref(): ref() of a name found only at execution fails
   dbt's dependency check. dbt runs nodes by topological generation, so with threads: 1 the staging
   views exist before any intermediate model reads them. #}
{% macro union_person_bearing(optional={}, exclude=[]) -%}
    {%- set models = person_bearing_models(exclude) -%}
    {%- set columns_of = person_bearing_columns() -%}
    {%- for node in models %}
        {%- set relation = api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias or node.name) -%}
        {%- if columns_of is none %}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
        {%- else %}
        {%- set present = columns_of.get(person_bearing_key(relation), []) %}
        {%- endif %}
    select
        cast(source as string) as source,
        cast(source_file as string) as source_file,
        cast(source_record_id as string) as source_record_id,
        cast(record_kind as string) as record_kind,
        cast(event_at as timestamp) as event_at,
        cast(first_name as string) as first_name,
        cast(last_name as string) as last_name,
        cast(dob as date) as dob,
        cast(phone_e164 as string) as phone_e164,
        cast(email as string) as email,
        cast(zip5 as string) as zip5
        {%- for column, data_type in optional.items() %},
        {% if column in present %}cast({{ column }} as {{ data_type }}){% else %}cast(null as {{ data_type }}){% endif %} as {{ column }}
        {%- endfor %}
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{# "database.schema.name" of a relation, lowercased: the key of person_bearing_columns. #}
{% macro person_bearing_key(relation) -%}
    {{ return((relation.database ~ '.' ~ relation.schema ~ '.' ~ relation.identifier) | lower) }}
{%- endmacro %}

{# The lowercased column names of every person-bearing staging model, by person_bearing_key: one catalog query
   per invocation (int_source_records' daily increment unions each model on its own, and a DESCRIBE per model
   was 14 round trips a day). Kept in `graph` for the invocation: the models it reads are upstream of
   int_source_records, so they are built before it renders; a later dbt run in the same process asks again.
   A model not built yet has no columns (as get_columns_in_relation answered). None on another adapter (the
   caller asks get_columns_in_relation). #}
{% macro person_bearing_columns() -%}
    {%- if target.type != 'duckdb' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set key = 'ptleads_person_bearing_columns:' ~ invocation_id -%}
    {%- if key in graph -%}
        {{ return(graph[key]) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for node in person_bearing_models() -%}
        {%- do names.append("'" ~ person_bearing_key(api.Relation.create(database=node.database,
            schema=node.schema, identifier=node.alias or node.name)) ~ "'") -%}
    {%- endfor -%}
    {%- set columns_of = {} -%}
    {%- if names -%}
        {%- set found = run_query("select lower(database_name || '.' || schema_name || '.' || table_name), "
            ~ "lower(column_name) from duckdb_columns() where lower(database_name || '.' || schema_name || '.' "
            ~ "|| table_name) in (" ~ names | join(', ') ~ ") order by 1, column_index") -%}
        {%- for row in found.rows -%}
            {%- if row[0] not in columns_of -%}
                {%- do columns_of.update({row[0]: []}) -%}
            {%- endif -%}
            {%- do columns_of[row[0]].append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do graph.update({key: columns_of}) -%}
    {{ return(columns_of) }}
{%- endmacro %}
