-- Every value any source holds for an attribute of a person, with where it came from:
-- the input of survivorship (int_person_survivors).
with xref as (
    select * from {{ ref('stg_resolution__person_xref') }}
),

persons as (
    select 'public_security__persons' as source_table, 'subject' as role, record_key, record_day,
           cast(gender as string) as gender, cast(birth_date as string) as birth_date,
           cast(ethnicity as string) as ethnicity, cast(marital_status as string) as marital_status,
           household_no, district_code, phone_token
    from {{ ref('stg_public_security__persons') }}
),

deaths as (
    select 'civil_affairs__deaths', 'subject', record_key, record_day, cast(gender as string),
           cast(birth_date as string), null, null, null, district_code, null
    from {{ ref('stg_civil_affairs__deaths') }}
),

elderly as (
    select 'civil_affairs__elderly_care', 'subject', record_key, record_day, cast(gender as string),
           cast(birth_date as string), null, null, null, null, phone_token
    from {{ ref('stg_civil_affairs__elderly_care') }}
),

births as (
    select 'health__births', 'child', record_key, record_day, cast(child_gender as string),
           cast(birth_date as string), null, null, null, null, null
    from {{ ref('stg_health__births') }}
),

households as (
    select 'public_security__households', 'head', record_key, record_day, null, null, null, null,
           household_no, null, null
    from {{ ref('stg_public_security__households') }}
),

allowance as (
    select 'civil_affairs__subsistence_allowance', 'subject', record_key, record_day, null, null, null, null,
           household_no, district_code, null
    from {{ ref('stg_civil_affairs__subsistence_allowance') }}
),

employment as (
    select 'hr_social_security__employment', 'subject', record_key, record_day, null, null, null, null,
           null, null, phone_token
    from {{ ref('stg_hr_social_security__employment') }}
),

insurance as (
    select 'hr_social_security__insurance', 'subject', record_key, record_day, null, null, null, null,
           null, null, phone_token
    from {{ ref('stg_hr_social_security__insurance') }}
),

records as (
    select * from persons
    union all select * from deaths
    union all select * from elderly
    union all select * from births
    union all select * from households
    union all select * from allowance
    union all select * from employment
    union all select * from insurance
),

linked as (
    select xref.person_key, records.*
    from records
    inner join xref
        on xref.source_table = records.source_table
        and xref.role = records.role
        and xref.record_key = records.record_key
),

final as (
    select person_key, source_table, record_key, record_day, attribute, value
    from linked
    lateral view stack(7,
        'gender', gender, 'birth_date', birth_date, 'ethnicity', ethnicity,
        'marital_status', marital_status, 'household_no', household_no,
        'district_code', district_code, 'phone_token', phone_token
    ) s as attribute, value
    where value is not null
)

select * from final
