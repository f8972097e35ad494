select org_key, source_table, role, record_key, credit_code, match_probability
from {{ source('silver', 'org_xref') }}
