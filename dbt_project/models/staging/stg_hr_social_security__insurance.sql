with source as (
    select * from {{ source('silver', 'hr_social_security__insurance') }}
),

renamed as (
    select
        concat_ws('|', citizen_id_token, insurance_type) as record_key,
        citizen_id_token,
        insurance_type,
        status,
        start_date,
        employer_credit_code,
        contribution_base,
        phone_token,
        _day as record_day
    from source
)

select * from renamed
