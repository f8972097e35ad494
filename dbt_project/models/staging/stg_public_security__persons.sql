-- The register's current version of each person. record_key = the business key with
-- tokenized columns as tokens (citylake.resolution.mentions), the join to person_xref.
with source as (
    select * from {{ source('silver', 'public_security__persons') }}
    where is_current
),

renamed as (
    select
        citizen_id_token as record_key,
        citizen_id_token,
        gender,
        ethnicity,
        birth_date,
        marital_status,
        household_no,
        relationship_to_head,
        registered_address,
        substr(registered_address_adcode, 1, 6) as district_code,
        phone_token,
        registration_status,
        change_type,
        change_date,
        _day as record_day
    from source
)

select * from renamed
