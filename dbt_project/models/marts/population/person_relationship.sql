-- Edges of the relationship graph between golden persons: household (member → head),
-- spouse (current marriages), parent_of (birth certificates). Co-worker edges are left
-- to a graph query on enterprise_profile: they grow with the square of an employer's size.
with xref as (
    select * from {{ ref('stg_resolution__person_xref') }}
),

persons as (
    select x.person_key, p.household_no, p.relationship_to_head
    from {{ ref('stg_public_security__persons') }} p
    inner join xref x on x.source_table = 'public_security__persons' and x.record_key = p.record_key
),

heads as (
    select x.person_key, h.household_no
    from {{ ref('stg_public_security__households') }} h
    inner join xref x on x.source_table = 'public_security__households' and x.role = 'head' and x.record_key = h.record_key
),

household as (
    select distinct persons.person_key, heads.person_key as related_person_key, 'household_member' as relation,
           'public_security__persons' as evidence_table
    from persons inner join heads on heads.household_no = persons.household_no
    where persons.person_key <> heads.person_key
),

marriages as (
    select m.record_key, m.registration_type, m.registration_date,
           h.person_key as husband_key, w.person_key as wife_key
    from {{ ref('stg_civil_affairs__marriages') }} m
    inner join xref h on h.source_table = 'civil_affairs__marriages' and h.role = 'husband' and h.record_key = m.record_key
    inner join xref w on w.source_table = 'civil_affairs__marriages' and w.role = 'wife' and w.record_key = m.record_key
),

latest_marriage as (
    select * from (
        select *, row_number() over (partition by least(husband_key, wife_key), greatest(husband_key, wife_key)
                                     order by registration_date desc, record_key desc) as rank
        from marriages
    ) t
    where rank = 1 and registration_type = 'marriage'
),

spouse as (
    select husband_key as person_key, wife_key as related_person_key, 'spouse' as relation,
           'civil_affairs__marriages' as evidence_table from latest_marriage
    union all
    select wife_key, husband_key, 'spouse', 'civil_affairs__marriages' from latest_marriage
),

births as (
    select c.person_key as child_key, x.person_key as parent_key
    from xref c
    inner join xref x on x.source_table = 'health__births' and x.role in ('mother', 'father') and x.record_key = c.record_key
    where c.source_table = 'health__births' and c.role = 'child'
),

parent as (
    select distinct parent_key as person_key, child_key as related_person_key, 'parent_of' as relation,
           'health__births' as evidence_table from births
),

final as (
    select * from household
    union all select * from spouse
    union all select * from parent
)

select distinct * from final
