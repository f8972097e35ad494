with source as (
    select * from {{ source('silver', 'licences__licences') }}
),

renamed as (
    select
        licence_no as record_key,
        licence_type,
        holder_type,
        holder_citizen_id_token,
        holder_credit_code,
        issue_date,
        expiry_date,
        status,
        _day as record_day
    from source
)

select * from renamed
