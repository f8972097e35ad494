#!/usr/bin/env bash
# One-shot set-up of Airflow for docker-compose.yml (service airflow-init), run before the
# api-server, scheduler, dag-processor and triggerer start:
#   1. migrate the metadata database (PostgreSQL) to this Airflow version;
#   2. give the admin user of the simple auth manager the password from the environment.
# The simple auth manager keeps passwords in a JSON file; the api-server generates a random
# one for any user missing from it, so this writes the known one first. The compose file
# shares AIRFLOW_HOME (a named volume) between all Airflow services, file included.
set -euo pipefail

airflow db migrate

python - <<'PY'
import json
import os
from pathlib import Path

path = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
user = os.environ["AIRFLOW_ADMIN_USER"]
password = os.environ["AIRFLOW_ADMIN_PASSWORD"]
passwords = json.loads(path.read_text() or "{}") if path.is_file() else {}
passwords[user] = password
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(passwords) + "\n")
path.chmod(0o600)
print(f"airflow-init: user {user!r} can sign in to the Airflow UI")
PY

mkdir -p "${AIRFLOW_HOME}/logs"
airflow version
