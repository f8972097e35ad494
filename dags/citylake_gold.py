"""The gold DAG (airflow): entity resolution, then the dbt project as tasks (Cosmos),
scheduled on the silver Assets — built by citylake.gold_dag."""

from citylake.gold_dag import DAG_ID, gold_dag

globals()[DAG_ID] = gold_dag()
