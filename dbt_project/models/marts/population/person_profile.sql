-- The holistic archive of a person (人口全息档案): one row per golden person, with identity,
-- household, marriage, employment, social insurance, health services, licences, care and
-- allowance, tags and city code — what a caseworker reads on one screen. Everything is keyed by
-- the golden person key; no plaintext identifier is here (tokens and codes only).
with people as (
    select * from {{ ref('dim_person') }}
),

xref as (
    select * from {{ ref('stg_resolution__person_xref') }}
),

relations as (
    select * from {{ ref('person_relationship') }}
),

household as (
    select household_no, count(*) as household_size
    from people
    where household_no is not null and is_registered_resident
    group by household_no
),

spouse as (
    select person_key, min(related_person_key) as spouse_person_key
    from relations where relation = 'spouse'
    group by person_key
),

children as (
    select person_key, count(distinct related_person_key) as children
    from relations where relation = 'parent_of'
    group by person_key
),

employment as (
    select x.person_key,
           count(distinct e.employer_credit_code) as employers,
           max_by(e.employer_credit_code, e.start_date) as latest_employer_credit_code,
           max(e.start_date) as latest_employment_start
    from {{ ref('stg_hr_social_security__employment') }} e
    inner join xref x on x.source_table = 'hr_social_security__employment' and x.role = 'subject'
        and x.record_key = e.record_key
    group by x.person_key
),

insurance as (
    select x.person_key, sort_array(collect_set(i.insurance_type)) as insurance_types
    from {{ ref('stg_hr_social_security__insurance') }} i
    inner join xref x on x.source_table = 'hr_social_security__insurance' and x.role = 'subject'
        and x.record_key = i.record_key
    group by x.person_key
),

births_given as (
    select x.person_key, count(distinct b.record_key) as births_registered
    from {{ ref('stg_health__births') }} b
    inner join xref x on x.source_table = 'health__births' and x.role in ('mother', 'father')
        and x.record_key = b.record_key
    group by x.person_key
),

licences as (
    select x.person_key, count(distinct l.record_key) as licences
    from {{ ref('stg_licences__licences') }} l
    inner join xref x on x.source_table = 'licences__licences' and x.record_key = l.record_key
    group by x.person_key
),

care as (
    select x.person_key, max_by(c.care_level, c.record_day) as care_level
    from {{ ref('stg_civil_affairs__elderly_care') }} c
    inner join xref x on x.source_table = 'civil_affairs__elderly_care' and x.role = 'subject'
        and x.record_key = c.record_key
    group by x.person_key
),

allowance as (
    select distinct x.person_key
    from {{ ref('stg_civil_affairs__subsistence_allowance') }} s
    inner join xref x on x.source_table = 'civil_affairs__subsistence_allowance' and x.record_key = s.record_key
    where s.status = '在保'
),

tags as (
    select person_key, sort_array(collect_set(tag_code)) as tags
    from {{ ref('person_tags') }}
    group by person_key
),

codes as (
    select person_key, city_code, status as city_code_status
    from {{ ref('city_code') }}
    where status <> 'retired'
)

select
    p.person_key,
    codes.city_code,
    codes.city_code_status,
    p.gender,
    p.birth_date,
    p.ethnicity,
    p.marital_status,
    p.district_code,
    p.is_registered_resident,
    p.is_deceased,
    p.death_date,
    p.household_no,
    household.household_size,
    spouse.spouse_person_key,
    coalesce(children.children, 0) as children,
    coalesce(employment.employers, 0) as employers,
    employment.latest_employer_credit_code,
    employment.latest_employment_start,
    coalesce(insurance.insurance_types, array()) as insurance_types,
    coalesce(births_given.births_registered, 0) as births_registered,
    coalesce(licences.licences, 0) as licences,
    care.care_level,
    allowance.person_key is not null as on_subsistence_allowance,
    coalesce(tags.tags, array()) as tags,
    p.source_tables,
    p.last_record_day
from people p
left join household on household.household_no = p.household_no and p.is_registered_resident
left join spouse on spouse.person_key = p.person_key
left join children on children.person_key = p.person_key
left join employment on employment.person_key = p.person_key
left join insurance on insurance.person_key = p.person_key
left join births_given on births_given.person_key = p.person_key
left join licences on licences.person_key = p.person_key
left join care on care.person_key = p.person_key
left join allowance on allowance.person_key = p.person_key
left join tags on tags.person_key = p.person_key
left join codes on codes.person_key = p.person_key
