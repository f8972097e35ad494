select person_key, source_table, role, record_key, id_token, match_probability
from {{ source('silver', 'person_xref') }}
