#!/usr/bin/env bash
# One PostgreSQL server, one role and one database per service of docker-compose.yml:
# Airflow, the Hive metastore, Superset and OpenMetadata. The postgres image runs this
# once, when its data volume is empty; it is safe to run again by hand
# (`docker compose exec postgres bash /docker-entrypoint-initdb.d/10-citylake-databases.sh`).
# Passwords come from the environment the compose file passes in (see .env.example).
set -euo pipefail

create_database() {
    local database="$1" role="$2" password="$3"
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname postgres \
        -v database="${database}" -v role="${role}" -v password="${password}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password')\gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', :'database', :'role', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')\gexec
SQL
    echo "citylake: database ${database} (owner ${role}) is ready"
}

create_database airflow airflow "${AIRFLOW_DB_PASSWORD:?}"
create_database metastore hive "${METASTORE_DB_PASSWORD:?}"
create_database superset superset "${SUPERSET_DB_PASSWORD:?}"
create_database openmetadata_db openmetadata_user "${OPENMETADATA_DB_PASSWORD:?}"
