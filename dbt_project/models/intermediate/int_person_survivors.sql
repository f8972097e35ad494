-- Survivorship: per person and attribute, the value of the best-ranked source
-- (seed survivorship_priority), ties to the most recent record, then the smallest key.
with candidates as (
    select * from {{ ref('int_person_attribute_candidates') }}
),

priority as (
    select * from {{ ref('survivorship_priority') }}
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.person_key, candidates.attribute
            order by priority.priority, candidates.record_day desc, candidates.record_key
        ) as rank
    from candidates
    inner join priority
        on priority.attribute = candidates.attribute
        and priority.source_table = candidates.source_table
)

select person_key, attribute, value, source_table as won_by, record_day
from ranked
where rank = 1
