-- Rule tags of enterprises (tag_catalog seed, entity enterprise).
with enterprises as (
    select * from {{ ref('dim_enterprise') }} where in_register
),

xref as (
    select * from {{ ref('stg_resolution__org_xref') }}
),

filed as (
    select distinct org_key from xref where source_table = 'tax__filings'
),

insured as (
    select distinct org_key from xref where source_table = 'hr_social_security__insurance'
),

tags as (
    select e.credit_code, 'no_tax_filings' as tag_code
    from enterprises e left join filed f on f.org_key = e.credit_code
    where f.org_key is null
    union all
    select e.credit_code, 'no_employees_insured'
    from enterprises e left join insured i on i.org_key = e.credit_code
    where i.org_key is null
)

select tags.credit_code, tags.tag_code, catalog.tag_name
from tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = tags.tag_code
