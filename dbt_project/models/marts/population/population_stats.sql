-- Registered residents alive on the lake's latest delivery day, by district (of the
-- registered address), five-year age band, gender and ethnicity.
with register as (
    select * from {{ ref('stg_public_security__persons') }}
),

as_of as (
    select max(record_day) as as_of_date from register
),

people as (
    select p.person_key, p.district_code, p.gender, p.ethnicity, p.birth_date
    from {{ ref('dim_person') }} p
    where p.is_registered_resident
),

banded as (
    select
        as_of.as_of_date,
        people.district_code,
        {{ age_band("year(as_of.as_of_date) - year(people.birth_date) - case when date_format(as_of.as_of_date, 'MMdd') < date_format(people.birth_date, 'MMdd') then 1 else 0 end") }} as age_band,
        people.gender,
        people.ethnicity
    from people cross join as_of
),

divisions as (
    select code, name from {{ ref('stg_standards__code_tables') }} where table_id = 'admin_division'
)

select
    banded.as_of_date,
    'registered' as population_kind,
    banded.district_code,
    divisions.name as district_name,
    banded.age_band,
    banded.gender,
    banded.ethnicity,
    count(*) as population
from banded
left join divisions on divisions.code = banded.district_code
group by 1, 2, 3, 4, 5, 6, 7
