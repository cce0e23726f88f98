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
    {%- for node in models %}
        {%- set relation = api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias or node.name) -%}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
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
