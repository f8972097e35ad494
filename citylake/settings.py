"""The one settings object.

Values come, highest first, from: arguments, environment (``CITYLAKE_*``, nested
with ``__`` as in ``CITYLAKE_SPARK__MASTER``), a YAML file (``citylake.yaml`` in the
working directory, or the file named by ``CITYLAKE_CONFIG``), then the defaults,
which run everything embedded on one machine. Moving to a cluster changes only
values here, never code. README.md documents every field.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _in_source_checkout() -> bool:
    return (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "pom.xml").is_file()


def _default_home() -> Path:
    """State (lake, metastore, logs) beside the checkout when run from one, else in ~."""
    return SOURCE_ROOT / ".citylake" if _in_source_checkout() else Path.home() / ".citylake"


def _default_jars_dir() -> Path:
    return SOURCE_ROOT / "jars" if _in_source_checkout() else Path.home() / ".citylake" / "jars"


class SparkSettings(BaseModel):
    """How citylake reaches Spark.

    By default every process (Airflow task, dbt, CLI) is a thin Spark Connect client
    of one local server that owns the catalog; ``remote = ""`` gives an in-process
    session instead (what spark-submit jobs on a cluster use).
    """

    master: str = Field("local[*]", description="Master URL of the JVM that runs the work: local[*], local[N], spark://host:port, k8s://..., yarn.")
    remote: str = Field("sc://127.0.0.1:15002", description='Spark Connect URL that clients use; "" runs Spark in-process instead.')
    autostart: bool = Field(True, description="Start the local Spark Connect server on first use when remote points at this machine and nothing listens.")
    driver_memory: str = Field("4g", description="Heap of the driver JVM (the Connect server, or the in-process session).")
    executor_memory: str = Field("2g", description="Heap of each executor on a cluster.")
    executor_cores: int | None = Field(None, description="Cores per executor on a cluster; unset lets the cluster decide.")
    shuffle_partitions: int = Field(8, description="spark.sql.shuffle.partitions; the default 200 made jobs 35-60% slower on 2 cores.")
    adaptive: bool = Field(True, description="Adaptive query execution (coalesces small shuffle partitions).")
    delta_snapshot_partitions: int = Field(2, description="Tasks Delta uses to rebuild a table's state (its default 50 slows small commits).")
    startup_timeout_s: int = Field(180, description="How long to wait for the Connect server to accept clients.")
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark configuration, applied last.")

    @property
    def remote_host_port(self) -> tuple[str, int] | None:
        if not self.remote:
            return None
        parsed = urlparse(self.remote.replace("sc://", "http://", 1))
        return parsed.hostname or "127.0.0.1", parsed.port or 15002

    @property
    def remote_is_local(self) -> bool:
        hp = self.remote_host_port
        return hp is not None and hp[0] in LOOPBACK_HOSTS


class MetastoreSettings(BaseModel):
    """Where table names live. Empty values mean the embedded Derby metastore under home,
    owned by the one local Spark Connect server."""

    uri: str = Field("", description="thrift://host:9083 of a shared Hive metastore service (team setting).")
    jdbc_url: str = Field("", description="JDBC URL of the metastore database, e.g. a PostgreSQL one; empty: embedded Derby.")
    jdbc_user: str = Field("", description="Metastore database user.")
    jdbc_password: SecretStr = Field(SecretStr(""), description="Metastore database password.")


class S3Settings(BaseModel):
    """Credentials for an s3a:// lake (MinIO or S3)."""

    endpoint: str = Field("", description="S3 endpoint URL, e.g. http://minio:9000; empty: AWS.")
    access_key: SecretStr = Field(SecretStr(""), description="Access key id.")
    secret_key: SecretStr = Field(SecretStr(""), description="Secret access key.")
    path_style: bool = Field(True, description="Path-style access (MinIO needs it).")


class AirflowSettings(BaseModel):
    """The local Airflow that `make airflow` starts (standalone); a team runs docker-compose.yml."""

    port: int = Field(8080, description="Port of Airflow's API server and UI.")
    admin_user: str = Field("admin", description="Login of the admin user (simple auth manager).")
    database_url: str = Field("", description="Airflow's metadata database (SQLAlchemy URL); empty: SQLite under <home>/airflow.")


class OpenMetadataSettings(BaseModel):
    """An OpenMetadata server to push the catalog to; the embedded catalog needs none."""

    enabled: bool = Field(False, description="Push to the server after `citylake catalog sync`.")
    host_port: str = Field("http://localhost:8585/api", description="The server's API root, ending in /api.")
    jwt_token: SecretStr = Field(SecretStr(""), description="JWT of a bot or user allowed to create entities.")
    verify_ssl: bool = Field(True, description="Check the server's TLS certificate.")
    python: str = Field("", description="Python of the OpenMetadata environment; empty: .venv-openmetadata of the checkout.")


class QualitySettings(BaseModel):
    """How data-quality checks judge and what they keep (citylake.quality)."""

    expectations_dir: Path = Field(SOURCE_ROOT / "expectations", description="The Great Expectations project folder (gx/ file context and hand-written suites/).")
    row_count_k: float = Field(3.0, gt=0, description="A day's row count is flagged outside mean ± k·std of the earlier days.")
    row_count_min_history: int = Field(3, ge=1, description="Earlier delivery days needed before row counts are judged.")
    row_count_history_days: int = Field(30, ge=1, description="How many earlier delivery days make the history.")
    quarantine_share_max: float = Field(0.05, ge=0, le=1, description="Share of a day's rows that may go to quarantine before a warning.")
    sample_size: int = Field(10, ge=0, le=200, description="Masked unexpected values kept per rule and run.")
    max_failed_rows: int = Field(10_000, ge=0, description="Failing rows (file and line, masked value) kept per rule and run for drill-down.")
    in_source_dags: bool = Field(True, description="Quality and publish run as tasks after silver in each source DAG (and in `citylake run`); off: only bronze and silver run there, and `citylake quality run` judges and publishes on its own schedule.")


class AlertSettings(BaseModel):
    """Where failure notifications (a failed quality gate, a failed task) go; empty values
    switch a channel off."""

    webhook_url: str = Field("", description="URL that receives a JSON POST per alert (a chat bot, an incident tool).")
    smtp_host: str = Field("", description="SMTP server for e-mail alerts; empty: no e-mail.")
    smtp_port: int = Field(25, description="SMTP port (465: implicit TLS).")
    smtp_user: str = Field("", description="SMTP login, if the server needs one.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    email_from: str = Field("citylake@localhost", description="Sender address of alert e-mails.")
    email_to: list[str] = Field(default_factory=list, description="Recipients of alert e-mails (the data stewards).")
    timeout_s: float = Field(10.0, gt=0, description="Timeout of one notification attempt.")


class GoldSettings(BaseModel):
    """Entity resolution and the dbt gold layer (citylake.resolution, citylake.gold)."""

    resolution_backend: Literal["duckdb", "spark"] = Field("duckdb", description="Splink backend: duckdb on one machine (about 15x faster here), spark when the data needs a cluster.")
    person_threshold: float = Field(0.9, gt=0, lt=1, description="Match probability at or above which two person records are one person.")
    org_threshold: float = Field(0.9, gt=0, lt=1, description="Match probability at or above which two organisation records are one enterprise.")
    em_sample: float = Field(1.0, gt=0, le=1, description="Share of records EM training samples (lower it for millions of records).")
    u_max_pairs: float = Field(2e6, gt=0, description="Random pairs Splink samples to estimate u probabilities.")
    seed: int = Field(42, description="Seed of Splink's sampling, so a re-run trains the same model.")
    dbt_schema: str = Field("gold", description="Schema (database) the dbt models are built in.")
    dbt_threads: int = Field(1, ge=1, description="dbt threads (the Connect server runs the work; 1 is right on 2 cores).")
    dbt_project_dir: Path = Field(SOURCE_ROOT / "dbt_project", description="The dbt project.")


class SupersetSettings(BaseModel):
    """The local Superset that `make superset` starts (its own virtual environment, SQLite
    metadata under <home>/superset); a team runs the one in docker-compose.yml."""

    port: int = Field(8088, description="Port of Superset's web server (loopback only).")
    admin_user: str = Field("admin", description="Login of the admin user; its password is generated into <home>/superset.")
    lake_uri: str = Field("", description="SQLAlchemy URI of the SQL endpoint Superset queries, e.g. hive://host:10000/default (the Spark Thrift Server); empty: a DuckDB file of views over the lake's Delta tables, refreshed by `citylake superset start`.")
    python: str = Field("", description="Python of the Superset environment; empty: .venv-superset of the checkout.")
    startup_timeout_s: int = Field(300, description="How long to wait for Superset's web server to answer.")


class SqlEndpointSettings(BaseModel):
    """The SQL endpoint for analysts and BI tools: Spark's Thrift Server (HiveServer2 protocol),
    served by the home's Spark server (`citylake sql-endpoint start`)."""

    enabled: bool = Field(False, description="Every start of the home's Spark server (autostart too) also serves the SQL endpoint.")
    host: str = Field("127.0.0.1", description="Address the endpoint listens on: loopback by default (it has no authentication); 0.0.0.0 in a container.")
    port: int = Field(10000, description="HiveServer2 port: jdbc:hive2://host:port/default, hive://host:port/default.")


class MlSettings(BaseModel):
    """Scores on gold (citylake.ml): where models live, where training labels come from, how
    the small AutoML splits and cross-validates."""

    models_dir: Path | None = Field(None, description="Folder of the trained models (<name>/<version>/model.joblib, model_card.json/.md); empty: <home>/models.")
    labels_dir: Path | None = Field(None, description="Folder of the training labels (the generator's ground_truth/); empty: ground_truth/ beside the landing zone. Read for training only, never written to gold.")
    seed: int = Field(42, description="Seed of the held-out split, the CV folds and every estimator: one seed and one gold give one model.")
    cv_folds: int = Field(5, ge=2, le=20, description="Stratified folds of the cross-validation that picks the estimator.")
    holdout_share: float = Field(0.25, gt=0, lt=0.8, description="Share of the labelled rows held out to judge the chosen model against the baseline.")


class SecuritySettings(BaseModel):
    """Where the encryption keys are and who holds the master key (citylake.security, docs/security.md)."""

    keystore_dir: Path | None = Field(None, description="The local key store (master key versions, wrapped data keys), owner-only (0700/0600), never inside the repository; empty: <home>/keys.")
    key_provider: str = Field("local", pattern=r"^(local|[A-Za-z_][\w.]*:[A-Za-z_]\w*)$", description='Who holds the master key: "local" (files in the key store) or package.module:Class of a KMS/HSM provider.')
    key_provider_params: dict[str, str] = Field(default_factory=dict, description="Constructor arguments of that provider (a key name, a region; never a credential).")


class Settings(BaseSettings):
    """Everything configurable in citylake, in one place."""

    model_config = SettingsConfigDict(
        env_prefix="CITYLAKE_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default_factory=_default_home, description="Folder for local state: lake, metastore, logs, server pid files.")
    lake_root: str = Field("", description="Root of the lake: a local folder or s3a://bucket/prefix; empty: <home>/lake.")
    landing_root: str = Field("", description="Where departments drop their extracts (landing/<source>/<entity>/day=YYYY-MM-DD/); empty: <home>/landing.")
    metadata_dir: Path = Field(SOURCE_ROOT / "metadata", description="Folder of contracts/, standards/ and openmetadata/.")
    jars_dir: Path = Field(default_factory=_default_jars_dir, description="Folder of the JVM jars that `make setup` copies from Maven (pom.xml).")
    workers: int = Field(3, ge=1, description="Entities `citylake run` and the demo process at once (each a Spark session of its own).")
    sources: dict[str, SecretStr] = Field(default_factory=dict, description="SQLAlchemy URLs of relational sources by source id, e.g. {\"civil_affairs\": \"postgresql://…\"}; default: the SQLite file in the landing zone.")
    spark: SparkSettings = Field(default_factory=SparkSettings)
    metastore: MetastoreSettings = Field(default_factory=MetastoreSettings)
    s3: S3Settings = Field(default_factory=S3Settings)
    airflow: AirflowSettings = Field(default_factory=AirflowSettings)
    openmetadata: OpenMetadataSettings = Field(default_factory=OpenMetadataSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    gold: GoldSettings = Field(default_factory=GoldSettings)
    ml: MlSettings = Field(default_factory=MlSettings)
    superset: SupersetSettings = Field(default_factory=SupersetSettings)
    sql_endpoint: SqlEndpointSettings = Field(default_factory=SqlEndpointSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = os.environ.get("CITYLAKE_CONFIG", "citylake.yaml")
        return (
            init_settings,
            env_settings,
            YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file),
        )

    # Derived locations: one definition each, used by every component.
    @property
    def lake(self) -> str:
        return self.lake_root or str(self.home / "lake")

    @property
    def landing(self) -> str:
        return self.landing_root or str(self.home / "landing")

    @property
    def contracts_dir(self) -> Path:
        return self.metadata_dir / "contracts"

    @property
    def lake_is_local(self) -> bool:
        return "://" not in self.lake or self.lake.startswith("file://")

    @property
    def metastore_dir(self) -> Path:
        return self.home / "metastore"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def public_dict(self) -> dict[str, Any]:
        """Settings as plain values with secrets masked, for `citylake info`."""
        return self.model_dump(mode="json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def reload_settings() -> Settings:
    """Forget the cached settings (after the environment changed) and read them again."""
    get_settings.cache_clear()
    return get_settings()
