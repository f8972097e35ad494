"""One Airflow DAG per department, built from metadata/contracts (citylake.orchestration):
freshness → bronze → silver for each entity, with an Asset per silver table."""

from citylake.orchestration import source_dags

globals().update(source_dags())
