with source as (
    select * from {{ source('silver', 'natural_resources__addresses') }}
),

renamed as (
    select
        address_id,
        address,
        street_code,
        district_code,
        road,
        house_number,
        longitude,
        latitude
    from source
)

select * from renamed
