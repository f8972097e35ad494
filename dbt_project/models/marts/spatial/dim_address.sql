-- Standard addresses with their division hierarchy, coordinates and a grid cell
-- (0.01° ≈ 1 km squares, the unit of grid management).
with addresses as (
    select * from {{ ref('stg_natural_resources__addresses') }}
),

divisions as (
    select * from {{ ref('dim_admin_division') }}
)

select
    a.address_id,
    a.address,
    a.street_code,
    s.division_name as street_name,
    a.district_code,
    d.division_name as district_name,
    concat(substr(a.district_code, 1, 4), '00') as city_code,
    concat(substr(a.district_code, 1, 2), '0000') as province_code,
    a.road,
    a.house_number,
    a.longitude,
    a.latitude,
    concat(cast(floor(a.longitude * 100) as bigint), ':', cast(floor(a.latitude * 100) as bigint)) as grid_cell
from addresses a
left join divisions s on s.division_code = a.street_code
left join divisions d on d.division_code = a.district_code
