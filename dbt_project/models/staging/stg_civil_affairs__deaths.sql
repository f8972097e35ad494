with source as (
    select * from {{ source('silver', 'civil_affairs__deaths') }}
),

renamed as (
    select
        record_no as record_key,
        citizen_id_token,
        gender,
        birth_date,
        death_date,
        division as district_code,
        _day as record_day
    from source
)

select * from renamed
