with source as (
    select * from {{ source('silver', 'market_supervision__enterprises') }}
    where is_current
),

renamed as (
    select
        credit_code as record_key,
        credit_code,
        name as enterprise_name,
        enterprise_type,
        industry_code,
        legal_rep_citizen_id_token,
        registered_capital,
        establishment_date,
        address,
        division as district_code,
        status,
        phone_token,
        change_date,
        _day as record_day
    from source
)

select * from renamed
