-- Rule tags of people (tag_catalog seed, entity person): one row per person and tag.
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
)

select tags.person_key, tags.tag_code, catalog.tag_name, as_of.as_of_date
from tags
inner join {{ ref('tag_catalog') }} catalog on catalog.tag_code = tags.tag_code
cross join as_of
