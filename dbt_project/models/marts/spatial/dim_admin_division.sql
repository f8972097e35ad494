-- Administrative divisions of the city with their hierarchy province → city → district →
-- street: districts and above from the GB/T 2260 code table, streets from natural resources.
with divisions as (
    select * from {{ ref('stg_natural_resources__divisions') }}
),

codes as (
    select code, name, parent_code, level from {{ ref('stg_standards__code_tables') }} where table_id = 'admin_division'
),

all_divisions as (
    select division_code, division_name, division_level, parent_code, longitude, latitude from divisions
    union all
    select c.code, c.name, c.level, c.parent_code, cast(null as double), cast(null as double)
    from codes c
    where c.code in (select parent_code from divisions)
      and c.code not in (select division_code from divisions)
),

final as (
    select
        d.division_code,
        d.division_name,
        d.division_level,
        d.parent_code,
        case when d.division_level = 'street' then substr(d.division_code, 1, 6)
             when d.division_level = 'district' then d.division_code end as district_code,
        concat(substr(d.division_code, 1, 4), '00') as city_code,
        concat(substr(d.division_code, 1, 2), '0000') as province_code,
        d.longitude,
        d.latitude
    from all_divisions d
)

select distinct * from final
