with source as (
    select * from {{ source('silver', 'public_security__households') }}
),

renamed as (
    select
        household_no as record_key,
        household_no,
        household_type,
        head_citizen_id_token,
        registered_address,
        street_code,
        registered_date,
        _day as record_day
    from source
)

select * from renamed
