with source as (
    select * from {{ source('silver', 'emergency__shelters') }}
),

renamed as (
    select
        shelter_id as resource_id, name, shelter_type, cast(capacity as bigint) as capacity, division as district_code, longitude, latitude
    from source
)

select * from renamed
