-- The K nearest shelters, hospitals (with beds) and supply warehouses of every community
-- (street) and every disaster event, within a radius, with great-circle distances
-- (Sedona ST_DistanceSphere, metres). K and the radius are vars: emergency_k, emergency_radius_m.
{% set k = var('emergency_k', 3) %}
{% set radius_m = var('emergency_radius_m', 30000) %}
with communities as (
    select division_code as origin_id, 'community' as origin_kind, longitude, latitude
    from {{ ref('stg_natural_resources__divisions') }}
    where division_level = 'street' and longitude is not null and latitude is not null
),

events as (
    select event_id as origin_id, 'event' as origin_kind, longitude, latitude
    from {{ ref('stg_emergency__disaster_events') }}
    where longitude is not null and latitude is not null
),

origins as (
    select * from communities
    union all
    select * from events
),

resources as (
    select resource_id, 'shelter' as resource_kind, name, capacity, longitude, latitude
    from {{ ref('stg_emergency__shelters') }}
    union all
    select resource_id, 'hospital', name, beds, longitude, latitude
    from {{ ref('stg_health__institutions') }} where beds > 0
    union all
    select resource_id, 'warehouse', name, cast(null as bigint), longitude, latitude
    from {{ ref('stg_emergency__warehouses') }}
),

distances as (
    select
        o.origin_kind,
        o.origin_id,
        r.resource_kind,
        r.resource_id,
        r.name as resource_name,
        r.capacity,
        st_distancesphere(st_point(o.longitude, o.latitude), st_point(r.longitude, r.latitude)) as distance_m
    from origins o
    cross join resources r
    where r.longitude is not null and r.latitude is not null
),

ranked as (
    select *, row_number() over (partition by origin_kind, origin_id, resource_kind
                                 order by distance_m, resource_id) as nearest_rank
    from distances
    where distance_m <= {{ radius_m }}
)

select origin_kind, origin_id, resource_kind, nearest_rank, resource_id, resource_name, capacity,
       round(distance_m, 1) as distance_m
from ranked
where nearest_rank <= {{ k }}
