{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='person_key',
    on_schema_change='fail',
) }}
-- The person golden record: one row per resolved person, each attribute from the source
-- that won it (survivorship) and the name of that source beside it.
with identity as (
    select * from {{ ref('int_person_identity') }}
),

survivors as (
    select * from {{ ref('int_person_survivors') }}
),

pivoted as (
    select
        person_key,
        max(record_day) as last_record_day,
        {%- for attribute in ['gender', 'birth_date', 'ethnicity', 'marital_status', 'household_no', 'district_code', 'phone_token'] %}
        max(case when attribute = '{{ attribute }}' then value end) as {{ attribute }},
        max(case when attribute = '{{ attribute }}' then won_by end) as {{ attribute }}_source{{ "," if not loop.last }}
        {%- endfor %}
    from survivors
    group by person_key
),

register as (
    select xref.person_key, max(p.registration_status = '死亡注销') as deregistered_dead,
           max(p.registration_status = '正常') as registered_normal
    from {{ ref('stg_resolution__person_xref') }} xref
    inner join {{ ref('stg_public_security__persons') }} p
        on xref.source_table = 'public_security__persons' and xref.record_key = p.record_key
    group by xref.person_key
),

deaths as (
    select xref.person_key, min(d.death_date) as death_date
    from {{ ref('stg_resolution__person_xref') }} xref
    inner join {{ ref('stg_civil_affairs__deaths') }} d
        on xref.source_table = 'civil_affairs__deaths' and xref.record_key = d.record_key
    group by xref.person_key
),

final as (
    select
        identity.person_key,
        identity.citizen_id_token,
        pivoted.gender,
        pivoted.gender_source,
        cast(pivoted.birth_date as date) as birth_date,
        pivoted.birth_date_source,
        pivoted.ethnicity,
        pivoted.ethnicity_source,
        pivoted.marital_status,
        pivoted.marital_status_source,
        pivoted.household_no,
        pivoted.household_no_source,
        pivoted.district_code,
        pivoted.district_code_source,
        pivoted.phone_token,
        pivoted.phone_token_source,
        identity.in_register,
        coalesce(register.registered_normal and deaths.death_date is null, false) as is_registered_resident,
        coalesce(register.deregistered_dead, false) or deaths.death_date is not null as is_deceased,
        deaths.death_date,
        identity.source_records,
        identity.source_tables,
        identity.min_match_probability,
        coalesce(pivoted.last_record_day, date'1970-01-01') as last_record_day
    from identity
    left join pivoted on pivoted.person_key = identity.person_key
    left join register on register.person_key = identity.person_key
    left join deaths on deaths.person_key = identity.person_key
)

select * from final
{% if is_incremental() %}
-- only people with a record newer than the last build (a re-run merges nothing)
where last_record_day > (select coalesce(max(last_record_day), date'1970-01-01') from {{ this }})
   or person_key not in (select person_key from {{ this }})
{% endif %}
