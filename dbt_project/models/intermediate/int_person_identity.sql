-- Each person's citizen-ID token (the one most of their records carry: a duplicate
-- registration's token loses to the real one), how many records name them, and where.
with xref as (
    select * from {{ ref('stg_resolution__person_xref') }}
),

best_token as (
    select person_key, id_token
    from (
        select person_key, id_token,
               row_number() over (partition by person_key order by count(*) desc, id_token) as rank
        from xref
        where id_token is not null
        group by person_key, id_token
    ) t
    where rank = 1
),

counts as (
    select
        person_key,
        count(*) as source_records,
        count(distinct source_table) as source_tables,
        max(case when source_table = 'public_security__persons' then 1 else 0 end) = 1 as in_register,
        min(match_probability) as min_match_probability
    from xref
    group by person_key
)

select counts.*, best_token.id_token as citizen_id_token
from counts
left join best_token on best_token.person_key = counts.person_key
