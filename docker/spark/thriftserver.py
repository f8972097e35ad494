"""Run the Spark Thrift Server (HiveServer2 protocol) of docker-compose.yml in the foreground.

BI tools (Superset, DBeaver, any Hive JDBC/ODBC client) speak HiveServer2, not Spark
Connect, so the stack runs this second driver beside the Connect server. Its Spark
configuration is citylake's own (``citylake.spark.spark_conf``: Delta, Sedona, the
metastore, the s3a lake), so a table looks the same from either door. The server class
ships in the pyspark wheel (``spark-hive-thriftserver``); spark-submit picks its
primary resource itself.

Environment: the usual CITYLAKE_* settings, plus THRIFT_PORT (default 10000).
"""

from __future__ import annotations

import os

from citylake.connect_server import spark_home
from citylake.settings import get_settings
from citylake.spark import check_settings, prepare_dirs, spark_conf

SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def command() -> list[str]:
    settings = get_settings()
    jars = check_settings(settings)
    conf = spark_conf(settings, jars)
    conf["spark.app.name"] = "citylake-thriftserver"
    # Session threads of the Thrift Server resolve classes through Hive's UDF class loader,
    # which cannot see jars added by spark.jars: Sedona's extension then fails to start
    # (ScalaReflectionException for JTS Geometry). On the driver's own class path they load.
    conf["spark.driver.extraClassPath"] = ":".join(str(jar) for jar in jars)
    prepare_dirs(settings)
    cmd = [str(spark_home() / "bin" / "spark-submit"), "--class", SERVER_CLASS]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    # A container publishes the port itself: listen on every interface inside it.
    port = os.environ.get("THRIFT_PORT", "10000")
    return cmd + ["--hiveconf", f"hive.server2.thrift.port={port}", "--hiveconf", "hive.server2.thrift.bind.host=0.0.0.0"]


def main() -> None:
    cmd = command()
    settings = get_settings()
    env = dict(os.environ, SPARK_HOME=str(spark_home()))
    env.pop("SPARK_REMOTE", None)  # this driver runs Spark in-process
    os.chdir(settings.home / "tmp")
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
