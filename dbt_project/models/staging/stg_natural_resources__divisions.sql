with source as (
    select * from {{ source('silver', 'natural_resources__divisions') }}
),

renamed as (
    select
        code as division_code,
        name as division_name,
        level as division_level,
        parent_code,
        longitude,
        latitude
    from source
)

select * from renamed
