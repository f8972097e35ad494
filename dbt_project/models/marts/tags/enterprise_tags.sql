-- Tags of enterprises (tag_catalog seed, entity enterprise): rule tags (model_version null) and
-- the model tags of citylake.ml at or above the model's threshold, with the model version.
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
),

model_tags as (
    select scores.credit_code, scores.model as tag_code, scores.model_version
    from {{ model_scores('enterprise_model_scores', 'credit_code') }} scores
    inner join enterprises on enterprises.credit_code = scores.credit_code
    where scores.tagged
)

select tags.credit_code, tags.tag_code, catalog.tag_name, cast(null as string) as model_version
from tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = tags.tag_code and catalog.kind = 'rule'
union all
select model_tags.credit_code, model_tags.tag_code, catalog.tag_name, model_tags.model_version
from model_tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = model_tags.tag_code and catalog.kind = 'model'
