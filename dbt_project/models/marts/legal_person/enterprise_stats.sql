-- Enterprises of the register by industry (GB/T 4754 section and division) and status.
with enterprises as (
    select * from {{ ref('dim_enterprise') }} where in_register
),

industries as (
    select code, name, parent_code from {{ ref('stg_standards__code_tables') }} where table_id = 'industry'
)

select
    enterprises.industry_code,
    industries.name as industry_name,
    enterprises.status,
    count(*) as enterprises,
    -- summed as decimal: a double sum depends on row order, and a re-run would change the table
    sum(cast(enterprises.registered_capital as decimal(20, 2))) as registered_capital_total
from enterprises
left join industries on industries.code = enterprises.industry_code
group by 1, 2, 3
