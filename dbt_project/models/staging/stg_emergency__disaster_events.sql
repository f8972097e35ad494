with source as (
    select * from {{ source('silver', 'emergency__disaster_events') }}
),

renamed as (
    select
        event_id, event_type, level, occurred_at, division as district_code, longitude, latitude, affected_people
    from source
)

select * from renamed
