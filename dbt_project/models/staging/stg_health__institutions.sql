with source as (
    select * from {{ source('silver', 'health__institutions') }}
),

renamed as (
    select
        institution_code as resource_id, name, category, cast(beds as bigint) as beds, division as district_code, longitude, latitude
    from source
)

select * from renamed
