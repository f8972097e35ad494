select person_key, city_code, key_id, issued_at
from {{ source('silver', 'person_city_code') }}
