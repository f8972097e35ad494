"""Superset settings for citylake's docker-compose.yml (mounted at /app/pythonpath).

Every secret and address comes from the environment the compose file passes in, so
this file holds none. The lake itself is registered by init.sh as the database
"citylake lake": the Spark Thrift Server (HiveServer2 protocol) in front of the same
Hive metastore and s3a:// lake that Airflow tasks and dbt use through Spark Connect.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

# Spark answers analytical queries in seconds to minutes, not milliseconds.
SQLLAB_TIMEOUT = 300
SUPERSET_WEBSERVER_TIMEOUT = 300
SQLLAB_ASYNC_TIME_LIMIT_SEC = 3600

# One Superset container: an in-process cache is enough (use Redis when scaling out).
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG
