-- One person, one code (一人一码): every code ever issued, with its status and validity.
-- The code itself comes from the resolution job (an HMAC under a managed key, which SQL
-- cannot compute); status follows the golden record: active, cancelled at death, retired
-- when resolution no longer knows the person key (merged into another person).
with codes as (
    select * from {{ ref('stg_resolution__person_city_code') }}
),

current_keys as (
    select distinct person_key from {{ ref('stg_resolution__person_xref') }}
),

people as (
    select person_key, is_deceased, death_date from {{ ref('dim_person') }}
)

select
    codes.city_code,
    codes.person_key,
    case
        when current_keys.person_key is null then 'retired'
        when people.is_deceased then 'cancelled'
        else 'active'
    end as status,
    cast(codes.issued_at as date) as valid_from,
    -- a code issued to a person already dead is cancelled on the day it is issued
    case when current_keys.person_key is not null and people.is_deceased
         then greatest(coalesce(people.death_date, cast(codes.issued_at as date)), cast(codes.issued_at as date))
    end as valid_to,
    codes.key_id,
    codes.issued_at
from codes
left join current_keys on current_keys.person_key = codes.person_key
left join people on people.person_key = codes.person_key
