select table_id, code, name, parent_code, level
from {{ source('standards', 'code_tables') }}
