with source as (
    select * from {{ source('silver', 'civil_affairs__elderly_care') }}
),

renamed as (
    select
        record_no as record_key,
        citizen_id_token,
        gender,
        birth_date,
        care_level,
        service_type,
        monthly_subsidy,
        assessed_date,
        phone_token,
        address,
        _day as record_day
    from source
)

select * from renamed
