-- Tags of people (tag_catalog seed, entity person): one row per person and tag. Rule tags are
-- computed here (model_version null); model tags are the scores of citylake.ml at or above
-- the model's threshold, with the version of the model that gave them.
with people as (
    select * from {{ ref('dim_person') }}
),

as_of as (
    select max(record_day) as as_of_date from {{ ref('stg_public_security__persons') }}
),

household_sizes as (
    select household_no, count(*) as household_size
    from people where is_registered_resident and household_no is not null
    group by household_no
),

elderly_alone as (
    select p.person_key, 'elderly_living_alone' as tag_code
    from people p
    cross join as_of
    inner join household_sizes h on h.household_no = p.household_no
    where p.is_registered_resident and h.household_size = 1
      and add_months(p.birth_date, 65 * 12) <= as_of.as_of_date
),

allowance as (
    select distinct x.person_key, 'subsistence_allowance' as tag_code
    from {{ ref('stg_civil_affairs__subsistence_allowance') }} s
    inner join {{ ref('stg_resolution__person_xref') }} x
        on x.source_table = 'civil_affairs__subsistence_allowance' and x.record_key = s.record_key
    where s.status = '在保'
),

deceased as (
    select person_key, 'deceased' as tag_code from people where is_deceased
),

tags as (
    select * from elderly_alone
    union all select * from allowance
    union all select * from deceased
),

model_tags as (
    select scores.person_key, scores.model as tag_code, scores.model_version
    from {{ model_scores('person_model_scores', 'person_key') }} scores
    inner join people on people.person_key = scores.person_key
    where scores.tagged
)

select tags.person_key, tags.tag_code, catalog.tag_name, as_of.as_of_date, cast(null as string) as model_version
from tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = tags.tag_code and catalog.kind = 'rule'
cross join as_of
union all
select model_tags.person_key, model_tags.tag_code, catalog.tag_name, as_of.as_of_date, model_tags.model_version
from model_tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = model_tags.tag_code and catalog.kind = 'model'
cross join as_of
