#!/bin/sh
# One-shot set-up of Superset for docker-compose.yml (service superset-init): its metadata
# database, the admin user, the default roles, and the lake as a database to query
# (the Spark Thrift Server). Every step is safe to repeat.
set -eu

superset db upgrade
# Prints an error and changes nothing when the user exists already.
superset fab create-admin \
    --username "${SUPERSET_ADMIN_USER}" \
    --password "${SUPERSET_ADMIN_PASSWORD}" \
    --firstname Superset --lastname Admin \
    --email "${SUPERSET_ADMIN_USER}@citylake.local"
superset init
# Registering needs no running Thrift Server; queries do.
superset set-database-uri \
    --database_name "citylake lake" \
    --uri "${SUPERSET_LAKE_URI}"
