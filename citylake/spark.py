"""The one SparkSession factory.

Every process asks ``get_spark()`` for a session. With the default settings that is
a Spark Connect client of one local server (``citylake.connect_server``), which owns
the Hive catalog (embedded Derby admits one JVM) and pays the JVM start once per
machine instead of once per task. With ``spark.remote = ""`` the session runs
in-process from the same configuration, which is what spark-submit jobs use.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from citylake.errors import ConfigError
from citylake.settings import PACKAGE_DIR, Settings, get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Jars without which a session is not a citylake session (file name prefixes).
REQUIRED_JARS = ("delta-spark_", "delta-storage-", "sedona-spark-shaded-", "geotools-wrapper-")

#: The schemas of the lake, in data-flow order.
SCHEMAS = ("bronze", "silver", "quarantine", "gold", "published", "ops", "standards")

_thread_sessions = threading.local()
#: The main thread's session per server: ``getOrCreate()`` would hand back the active
#: session even when it is connected to another server (another home's lake).
_main_sessions: dict[str, "SparkSession"] = {}

_MASTER_PATTERN = re.compile(
    r"^(local(\[(\*|\d+)(,\s*\d+)?\])?|local-cluster\[\d+,\s*\d+,\s*\d+\]|spark://[^/\s]+(:\d+)?(,[^/\s]+(:\d+)?)*|k8s://\S+|yarn|mesos://\S+)$"
)


def check_master(master: str) -> None:
    if not _MASTER_PATTERN.match(master):
        raise ConfigError(
            f"spark.master {master!r} is not a Spark master URL: set CITYLAKE_SPARK__MASTER to "
            "local[*], local[N], spark://host:port, k8s://https://host:port or yarn."
        )


def check_lake_root(settings: Settings) -> None:
    if not settings.lake_is_local:
        if not settings.lake.startswith(("s3a://", "hdfs://", "abfss://", "gs://")):
            raise ConfigError(
                f"lake root {settings.lake!r} has an unsupported scheme: set CITYLAKE_LAKE_ROOT "
                "to a local folder or an s3a:// (or hdfs://, abfss://, gs://) URL."
            )
        return
    root = Path(settings.lake.removeprefix("file://"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"lake root {root} is not writable ({exc.strerror}): set CITYLAKE_LAKE_ROOT to a "
            "folder you can write, or to an s3a:// URL."
        ) from None


def jar_paths(settings: Settings) -> list[Path]:
    """The jars of ``settings.jars_dir``; raises if any required one is missing."""
    jars = sorted(settings.jars_dir.glob("*.jar")) if settings.jars_dir.is_dir() else []
    names = [j.name for j in jars]
    missing = [p.rstrip("_-") for p in REQUIRED_JARS if not any(n.startswith(p) for n in names)]
    if missing:
        raise ConfigError(
            f"Spark jars missing from {settings.jars_dir}: {', '.join(missing)}; run `make setup` "
            "(it copies them from Maven with pom.xml) or set CITYLAKE_JARS_DIR to a folder that has them."
        )
    return jars


def check_settings(settings: Settings) -> list[Path]:
    """Validate what a Spark JVM needs before starting one, so a mistake costs one clear
    line rather than a Java stack trace. Returns the jars to load."""
    check_master(settings.spark.master)
    check_lake_root(settings)
    return jar_paths(settings)


def _metastore_conf(settings: Settings) -> dict[str, str]:
    ms = settings.metastore
    if ms.uri:
        return {"spark.hadoop.hive.metastore.uris": ms.uri}
    if ms.jdbc_url:
        conf = {"spark.hadoop.javax.jdo.option.ConnectionURL": ms.jdbc_url}
        if ms.jdbc_user:
            conf["spark.hadoop.javax.jdo.option.ConnectionUserName"] = ms.jdbc_user
        if ms.jdbc_password.get_secret_value():
            conf["spark.hadoop.javax.jdo.option.ConnectionPassword"] = ms.jdbc_password.get_secret_value()
        if ms.jdbc_url.startswith("jdbc:postgresql"):
            conf["spark.hadoop.javax.jdo.option.ConnectionDriverName"] = "org.postgresql.Driver"
        return conf
    derby = settings.metastore_dir / "metastore_db"
    return {
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={derby};create=true",
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
    }


def _s3_conf(settings: Settings) -> dict[str, str]:
    s3 = settings.s3
    conf: dict[str, str] = {}
    if s3.endpoint:
        conf["spark.hadoop.fs.s3a.endpoint"] = s3.endpoint
        conf["spark.hadoop.fs.s3a.path.style.access"] = str(s3.path_style).lower()
    if s3.access_key.get_secret_value():
        conf["spark.hadoop.fs.s3a.access.key"] = s3.access_key.get_secret_value()
        conf["spark.hadoop.fs.s3a.secret.key"] = s3.secret_key.get_secret_value()
    if settings.lake.startswith("s3a://"):
        conf["spark.hadoop.fs.s3a.impl"] = "org.apache.hadoop.fs.s3a.S3AFileSystem"
    return conf


def spark_conf(settings: Settings, jars: list[Path]) -> dict[str, str]:
    """The configuration of the JVM that owns the catalog: the Connect server or an
    in-process session. One definition, so both behave the same."""
    sp = settings.spark
    java_opts = " ".join(
        [
            f"-Dlog4j2.configurationFile={PACKAGE_DIR / 'conf' / 'log4j2.properties'}",
            f"-Dderby.system.home={settings.metastore_dir}",
            f"-Dderby.stream.error.file={settings.log_dir / 'derby.log'}",
            f"-Djava.io.tmpdir={settings.home / 'tmp'}",
        ]
    )
    conf = {
        "spark.master": sp.master,
        "spark.app.name": "citylake",
        "spark.jars": ",".join(str(j) for j in jars),
        "spark.jars.ivy": str(settings.home / "tmp" / "ivy"),
        "spark.driver.memory": sp.driver_memory,
        "spark.executor.memory": sp.executor_memory,
        "spark.driver.extraJavaOptions": java_opts,
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension,org.apache.sedona.sql.SedonaSqlExtensions",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": settings.lake,
        "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator": "org.apache.sedona.core.serde.SedonaKryoRegistrator",
        "spark.sql.shuffle.partitions": str(sp.shuffle_partitions),
        "spark.sql.adaptive.enabled": str(sp.adaptive).lower(),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "Asia/Shanghai",
        "spark.local.dir": str(settings.home / "tmp" / "spark"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.pyspark.python": sys.executable,
        "spark.executorEnv.PYSPARK_PYTHON": sys.executable,
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        # Delta rebuilds table snapshots with 50 tasks by default: on a few cores that made
        # every small MERGE 3x slower (7 s against 2-3 s measured here).
        "spark.databricks.delta.snapshotPartitions": str(sp.delta_snapshot_partitions),
    }
    if sp.executor_cores:
        conf["spark.executor.cores"] = str(sp.executor_cores)
    conf.update(_metastore_conf(settings))
    conf.update(_s3_conf(settings))
    conf.update(sp.conf)
    return conf


def prepare_dirs(settings: Settings) -> None:
    for d in (settings.metastore_dir, settings.run_dir, settings.log_dir, settings.home / "tmp" / "spark"):
        d.mkdir(parents=True, exist_ok=True)


def get_spark(settings: Settings | None = None) -> SparkSession:
    """A session on the lake, per the settings. Cheap to call again: sessions are reused."""
    settings = settings or get_settings()
    if settings.spark.remote:
        return _connect_session(settings)
    return _classic_session(settings)


def _connect_session(settings: Settings) -> SparkSession:
    from citylake.connect_server import ConnectServer

    if settings.spark.remote_is_local:
        server = ConnectServer(settings)
        if not server.is_up():
            if not settings.spark.autostart:
                raise ConfigError(
                    f"no Spark Connect server at {settings.spark.remote}: start one with "
                    "`citylake server start`, or set CITYLAKE_SPARK__AUTOSTART=true."
                )
            server.start()
    from pyspark.sql import SparkSession

    # pyspark logs every failed query, JVM stack included, before raising it; the
    # caller gets the exception anyway, so these logs only bury its message.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if threading.current_thread() is threading.main_thread():
        spark = _main_sessions.get(settings.spark.remote)
        if spark is None or spark.is_stopped:
            spark = SparkSession.builder.remote(settings.spark.remote).create()
            _main_sessions[settings.spark.remote] = spark
    else:  # a session of its own per thread: session settings (Delta's txn ids) are per session
        spark = getattr(_thread_sessions, "spark", None)
        if spark is None or spark.is_stopped:
            spark = SparkSession.builder.remote(settings.spark.remote).create()
            _thread_sessions.spark = spark
    _check_server_lake(spark, settings)
    return spark


def _check_server_lake(spark: SparkSession, settings: Settings) -> None:
    """A server started for another home (another lake) must not take this one's writes."""
    served = spark.conf.get("spark.citylake.lake", None)
    if served is not None and served != settings.lake:
        raise ConfigError(
            f"the Spark Connect server at {settings.spark.remote} serves the lake {served}, not {settings.lake}: "
            "stop it (`citylake server stop` with its settings) or give this home another CITYLAKE_SPARK__REMOTE port."
        )


def _classic_session(settings: Settings) -> SparkSession:
    jars = check_settings(settings)
    prepare_dirs(settings)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    # Under spark-submit, what its command line set (master, memory, jars) wins.
    submitted = dict(SparkConf().getAll())
    builder = SparkSession.builder
    for key, value in spark_conf(settings, jars).items():
        if key not in submitted:
            builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM's own message, without its stack
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"Spark did not start: {first}") from None
    spark.sparkContext.setLogLevel("WARN")
    return spark


_done: set[tuple[str, str]] = set()


def once(spark: SparkSession, key: str, action: Callable[[], object]) -> None:
    """Run ``action`` once per session and key: catalog set-up (CREATE … IF NOT EXISTS)
    costs a round trip to the server each time, and a task repeats it for nothing."""
    session = str(getattr(spark, "session_id", id(spark)))
    if (session, key) not in _done:
        action()
        _done.add((session, key))


def ensure_schemas(spark: SparkSession, settings: Settings | None = None) -> None:
    """Create the lake's schemas if missing; each at <lake>/<schema> so paths stay readable."""
    settings = settings or get_settings()
    for schema in SCHEMAS:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema} LOCATION '{settings.lake}/{schema}'")
