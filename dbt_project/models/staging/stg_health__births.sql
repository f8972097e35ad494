with source as (
    select * from {{ source('silver', 'health__births') }}
),

renamed as (
    select
        certificate_no as record_key,
        child_gender,
        birth_date,
        mother_citizen_id_token,
        father_citizen_id_token,
        institution_code,
        _day as record_day
    from source
)

select * from renamed
