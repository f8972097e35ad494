with source as (
    select * from {{ source('silver', 'emergency__warehouses') }}
),

renamed as (
    select
        warehouse_id as resource_id, name, division as district_code, longitude, latitude
    from source
)

select * from renamed
