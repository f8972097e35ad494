with source as (
    select * from {{ source('silver', 'civil_affairs__marriages') }}
),

renamed as (
    select
        registration_no as record_key,
        registration_type,
        husband_citizen_id_token,
        wife_citizen_id_token,
        registration_date,
        office_division,
        _day as record_day
    from source
)

select * from renamed
