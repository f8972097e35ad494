with source as (
    select * from {{ source('silver', 'civil_affairs__subsistence_allowance') }}
),

renamed as (
    select
        case_no as record_key,
        citizen_id_token,
        household_no,
        household_size,
        monthly_amount,
        start_date,
        status,
        division as district_code,
        _day as record_day
    from source
)

select * from renamed
