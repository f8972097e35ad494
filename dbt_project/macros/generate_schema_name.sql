{#- Marts land in the target schema (gold); staging and intermediate views in gold_staging,
    so analysts browsing gold see only what they came for. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
