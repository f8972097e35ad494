#!/bin/sh
# One-shot set-up of Superset for docker-compose.yml (service superset-init): its metadata
# database, the admin user and the default roles. Every step is safe to repeat.
set -eu

superset db upgrade
# Prints an error and changes nothing when the user exists already.
superset fab create-admin \
    --username "${SUPERSET_ADMIN_USER}" \
    --password "${SUPERSET_ADMIN_PASSWORD}" \
    --firstname Superset --lastname Admin \
    --email "${SUPERSET_ADMIN_USER}@citylake.local"
superset init
# The lake (database "citylake lake", the Spark Thrift Server) comes with the dashboards:
# service superset-dashboards imports both through the API once Superset answers.
