with source as (
    select * from {{ source('silver', 'tax__filings') }}
),

renamed as (
    select
        filing_id as record_key,
        credit_code,
        tax_type,
        period,
        revenue,
        tax_amount,
        filing_date,
        _day as record_day
    from source
)

select * from renamed
