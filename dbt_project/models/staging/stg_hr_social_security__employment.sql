with source as (
    select * from {{ source('silver', 'hr_social_security__employment') }}
),

renamed as (
    select
        employment_id as record_key,
        citizen_id_token,
        employer_credit_code,
        employer_name,
        start_date,
        end_date,
        monthly_wage,
        phone_token,
        _day as record_day
    from source
)

select * from renamed
