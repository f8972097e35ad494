{{ config(materialized='incremental', incremental_strategy='merge', unique_key='credit_code', on_schema_change='sync_all_columns') }}
-- The multi-dimensional enterprise profile: registration, tax, employees insured,
-- licences, and the risk tags from enterprise_tags.
with enterprises as (
    select * from {{ ref('dim_enterprise') }}
),

xref as (
    select * from {{ ref('stg_resolution__org_xref') }}
),

tax as (
    select x.org_key, count(*) as tax_filings, sum(f.revenue) as revenue_total, sum(f.tax_amount) as tax_total,
           max(f.period) as last_period
    from {{ ref('stg_tax__filings') }} f
    inner join xref x on x.source_table = 'tax__filings' and x.record_key = f.record_key
    group by x.org_key
),

employees as (
    select x.org_key, count(distinct p.person_key) as insured_employees
    from xref x
    inner join {{ ref('stg_resolution__person_xref') }} p
        on p.source_table = x.source_table and p.record_key = x.record_key and p.role = 'subject'
    where x.source_table = 'hr_social_security__insurance' and x.role = 'employer'
    group by x.org_key
),

licences as (
    select x.org_key, count(*) as licences
    from xref x where x.source_table = 'licences__licences'
    group by x.org_key
),

tags as (
    select credit_code, sort_array(collect_list(tag_code)) as risk_tags
    from {{ ref('enterprise_tags') }}
    group by credit_code
)

select
    e.credit_code,
    e.enterprise_name,
    e.enterprise_type,
    e.industry_code,
    e.district_code,
    e.status,
    e.establishment_date,
    e.registered_capital,
    e.legal_rep_person_key,
    coalesce(tax.tax_filings, 0) as tax_filings,
    tax.revenue_total,
    tax.tax_total,
    tax.last_period,
    coalesce(employees.insured_employees, 0) as insured_employees,
    coalesce(licences.licences, 0) as licences,
    coalesce(tags.risk_tags, array()) as risk_tags
from enterprises e
left join tax on tax.org_key = e.credit_code
left join employees on employees.org_key = e.credit_code
left join licences on licences.org_key = e.credit_code
left join tags on tags.credit_code = e.credit_code
