{#- The five-year age bands of the population statistics: 0-4 … 95-99, 100+. -#}
{% macro age_band(age) -%}
    case when ({{ age }}) >= 100 then '100+'
         else concat(cast(floor(({{ age }}) / 5) * 5 as int), '-', cast(floor(({{ age }}) / 5) * 5 + 4 as int)) end
{%- endmacro %}
