{{ config(materialized='table') }}
-- The enterprise golden record by credit code: the register's current version of the
-- cluster's key (its most-used credit code), its legal representative as a golden person,
-- and the duplicate registrations entity resolution folded into it.
with xref as (
    select * from {{ ref('stg_resolution__org_xref') }}
),

register as (
    select * from {{ ref('stg_market_supervision__enterprises') }}
),

keys as (
    select org_key,
           count(*) as source_records,
           count(distinct source_table) as source_tables,
           count(distinct case when source_table = 'market_supervision__enterprises' then record_key end) as registrations,
           min(match_probability) as min_match_probability
    from xref
    group by org_key
),

main_registration as (
    -- the registration under the key itself; else the most recent one in the cluster
    select * from (
        select xref.org_key, register.*,
               row_number() over (partition by xref.org_key
                                  order by case when register.credit_code = xref.org_key then 0 else 1 end,
                                           register.record_day desc, register.record_key) as rank
        from xref
        inner join register
            on xref.source_table = 'market_supervision__enterprises' and xref.record_key = register.record_key
    ) t
    where rank = 1
),

legal_rep as (
    select x.record_key, x.person_key
    from {{ ref('stg_resolution__person_xref') }} x
    where x.source_table = 'market_supervision__enterprises' and x.role = 'legal_rep'
),

final as (
    select
        keys.org_key as credit_code,
        main_registration.enterprise_name,
        main_registration.enterprise_type,
        main_registration.industry_code,
        main_registration.district_code,
        main_registration.status,
        main_registration.establishment_date,
        cast(main_registration.registered_capital as double) as registered_capital,
        legal_rep.person_key as legal_rep_person_key,
        main_registration.record_key is not null as in_register,
        keys.registrations,
        keys.source_records,
        keys.source_tables,
        keys.min_match_probability
    from keys
    left join main_registration on main_registration.org_key = keys.org_key
    left join legal_rep on legal_rep.record_key = main_registration.record_key
)

select * from final
