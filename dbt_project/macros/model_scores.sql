{#- The model scores citylake.ml writes (gold.person_model_scores / enterprise_model_scores),
    or no rows with the same columns before the first scoring run: the tag marts build on a
    lake where no model has scored yet. -#}
{% macro model_scores(table_name, key) -%}
    {%- set relation = source('model_scores', table_name) -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                         identifier=relation.identifier) if execute else none -%}
    {%- if found is not none -%}
    (select {{ key }}, model, model_version, score, tagged from {{ relation }})
    {%- else -%}
    (select cast(null as string) as {{ key }}, cast(null as string) as model, cast(null as string) as model_version,
            cast(null as double) as score, cast(null as boolean) as tagged
     limit 0)
    {%- endif -%}
{%- endmacro %}
