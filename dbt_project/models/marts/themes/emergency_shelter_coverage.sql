-- Shelter capacity per district against its registered residents.
with shelters as (
    select district_code, count(*) as shelters, sum(capacity) as capacity
    from {{ ref('stg_emergency__shelters') }}
    group by district_code
),

population as (
    select district_code, sum(population) as registered_residents
    from {{ ref('population_stats') }}
    group by district_code
)

select
    coalesce(p.district_code, s.district_code) as district_code,
    coalesce(s.shelters, 0) as shelters,
    coalesce(s.capacity, 0) as shelter_capacity,
    coalesce(p.registered_residents, 0) as registered_residents,
    case when p.registered_residents > 0 then round(coalesce(s.capacity, 0) / p.registered_residents, 3) end
        as capacity_per_resident
from population p
full outer join shelters s on s.district_code = p.district_code
