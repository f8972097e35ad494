"""A local Superset on the lake: set up, started detached, dashboards imported, stopped.

Everything Superset keeps lives in ``<home>/superset``: its configuration (written on every
start from settings), a SQLite metadata database, a generated SECRET_KEY and admin password
(owner-readable, never in the repository) and, by default, the DuckDB file it queries. The
web server is gunicorn with one worker (threads serve a dashboard's parallel chart queries):
a lean start on a small machine. The same set-up steps as docker-compose's superset-init run
once per home (a stamp file), so a restart takes seconds.

The dashboards are imported through Superset's REST API (``/api/v1/assets/import/``, which
overwrites every asset by uuid): the path a team's CI would take against a shared Superset.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citylake.errors import CitylakeError, ConfigError
from citylake.settings import SOURCE_ROOT, Settings
from citylake.superset.bundle import ApiError, SupersetClient

#: The dashboards folder of the checkout (Superset's import-bundle layout).
DASHBOARDS_DIR = SOURCE_ROOT / "dashboards"
#: Set-up steps (db upgrade, admin, init) already ran for this Superset version in this home.
SETUP_STAMP = ".setup-done"
#: gunicorn threads of the single worker: a dashboard asks for all its charts at once.
THREADS = 8


class SupersetError(CitylakeError):
    """Superset did not start, or refused a request (the message carries its answer)."""


@dataclass(frozen=True)
class ImportedDashboard:
    id: int
    title: str
    slug: str
    url: str
    charts: int


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


class SupersetServer:
    """The Superset of one citylake home."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.superset.port
        self.home = settings.home / "superset"

    # -- locations -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.home / "superset_config.py"

    @property
    def lake_db(self) -> Path:
        return self.home / "lake.duckdb"

    @property
    def pid_file(self) -> Path:
        return self.settings.run_dir / f"superset-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.settings.log_dir / f"superset-{self.port}.log"

    @property
    def python(self) -> Path:
        """Python of the Superset environment (Superset's pins clash with the main one's)."""
        configured = self.settings.superset.python
        path = Path(configured) if configured else SOURCE_ROOT / ".venv-superset" / "bin" / "python"
        if not path.exists():
            raise ConfigError(f"no Superset environment at {path}: run `make setup-superset` (it creates .venv-superset), "
                              "or set CITYLAKE_SUPERSET__PYTHON")
        return path

    def _bin(self, name: str) -> str:
        return str(self.python.parent / name)

    # -- secrets ---------------------------------------------------------------------------
    def _secret(self, name: str, make: Any) -> str:
        path = self.home / name
        try:
            value = path.read_text().strip()
        except OSError:
            value = ""
        if not value:
            value = make()
            _write_private(path, value)
        return value

    def secret_key(self) -> str:
        return self._secret("secret_key", lambda: secrets.token_urlsafe(42))

    def admin_password(self) -> str:
        return self._secret("admin_password", lambda: secrets.token_urlsafe(12))

    # -- configuration ---------------------------------------------------------------------
    def write_config(self) -> None:
        """Superset's settings for this home; secrets are read from their files at start."""
        text = f'''"""Superset settings of this citylake home, written by `citylake superset start` on every
start (change citylake's settings, not this file)."""
from pathlib import Path

_HOME = Path({str(self.home)!r})
SECRET_KEY = (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(_HOME / "superset.db")
DATA_DIR = str(_HOME)
SUPERSET_WEBSERVER_PORT = {self.port}
# One process on one machine: an in-process cache and rate-limit store are enough.
CACHE_CONFIG = {{"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}}
DATA_CACHE_CONFIG = CACHE_CONFIG
RATELIMIT_STORAGE_URI = "memory://"
# Lake queries through DuckDB or Spark take seconds, not milliseconds.
SQLLAB_TIMEOUT = 300
SUPERSET_WEBSERVER_TIMEOUT = 300
'''
        _write_private(self.config_file, text)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(SUPERSET_CONFIG_PATH=str(self.config_file), SUPERSET_HOME=str(self.home), FLASK_APP="superset",
                   PATH=str(self.python.parent) + os.pathsep + env.get("PATH", ""), PYTHONUNBUFFERED="1")
        for key in ("PYTHONPATH", "VIRTUAL_ENV"):  # the main environment's, not Superset's
            env.pop(key, None)
        return env

    def _run(self, *args: str, timeout: float = 900, config: Path | None = None) -> str:
        env = self.environment()
        if config is not None:
            env["SUPERSET_CONFIG_PATH"] = str(config)
        proc = subprocess.run([self._bin("superset"), *args], env=env, cwd=self.home, capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise SupersetError(f"`superset {args[0]}` failed: {' | '.join(tail)}")
        return proc.stdout

    def superset_version(self) -> str:
        return subprocess.run([str(self.python), "-c", "import importlib.metadata as m; "
                               "print(m.version('apache-superset'))"], capture_output=True, text=True,
                              check=True).stdout.strip()

    def metadata_template(self) -> Path:
        """An empty, migrated metadata database with Superset's roles (``db upgrade`` and
        ``init``: four minutes on a loaded two-core machine), kept in Superset's environment
        and copied into each new home, which then only needs its admin user."""
        version = self.superset_version()
        self.home.mkdir(parents=True, exist_ok=True)
        template = self.python.parent.parent / f"citylake-superset-{version}-metadata.db"
        with open(template.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if template.is_file():
                return template
            with tempfile.TemporaryDirectory(prefix="citylake-superset-") as tmp:
                work = Path(tmp) / "metadata.db"
                config = Path(tmp) / "superset_config.py"
                # A throwaway key: the template holds no secret (no user, no database password).
                config.write_text(f"SECRET_KEY = {secrets.token_urlsafe(42)!r}\n"
                                  f"SQLALCHEMY_DATABASE_URI = {'sqlite:///' + str(work)!r}\n")
                self._run("db", "upgrade", config=config)
                self._run("init", config=config)
                shutil.copyfile(work, template.with_suffix(".tmp"))
                os.replace(template.with_suffix(".tmp"), template)
        return template

    def setup(self) -> bool:
        """Metadata database (from the template), admin user and roles: once per home; a
        newer Superset migrates the home's database. Returns whether anything ran."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.secret_key()
        self.write_config()
        version = self.superset_version()
        stamp, metadata_db = self.home / SETUP_STAMP, self.home / "superset.db"
        if stamp.is_file() and stamp.read_text().strip() == version and metadata_db.is_file():
            return False
        if metadata_db.is_file() and stamp.is_file():
            self._run("db", "upgrade")
            self._run("init")
        else:
            shutil.copyfile(self.metadata_template(), metadata_db)
            os.chmod(metadata_db, 0o600)
            self._run("fab", "create-admin", "--username", self.settings.superset.admin_user, "--firstname",
                      "Superset", "--lastname", "Admin", "--email",
                      f"{self.settings.superset.admin_user}@citylake.local", "--password", self.admin_password())
        stamp.write_text(version)
        return True

    # -- process ---------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=5) as resp:
                return resp.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def start(self) -> float:
        """Set up if needed and start the web server detached; returns the seconds it took
        (0 when one of this home answers already)."""
        started = time.monotonic()
        if self.pid() is not None:  # ours, up or still starting
            while time.monotonic() < started + self.settings.superset.startup_timeout_s and self.pid() is not None:
                if self.is_up():
                    return 0.0
                time.sleep(0.5)
            self.stop()
        self.setup()
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        cmd = [self._bin("gunicorn"), "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS),
               "--timeout", "300", "--bind", f"127.0.0.1:{self.port}", "--limit-request-line", "0",
               "--limit-request-field_size", "0", "superset.app:create_app()"]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.home, env=self.environment(), start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        deadline = started + self.settings.superset.startup_timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise SupersetError(f"Superset exited at start (port {self.port} taken?): see {self.log_file}")
            if self.is_up():
                return time.monotonic() - started
            time.sleep(0.5)
        self.stop()
        raise SupersetError(f"Superset did not answer within {self.settings.superset.startup_timeout_s} s: see "
                            f"{self.log_file}, or raise CITYLAKE_SUPERSET__STARTUP_TIMEOUT_S")

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the web server this home started; True if one was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            try:  # reap it if it is our child
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.2)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        return {"url": self.url, "up": self.is_up(), "pid": self.pid(), "lake": self.lake_uri(),
                "home": str(self.home), "log": str(self.log_file)}

    # -- the lake --------------------------------------------------------------------------
    def lake_uri(self) -> str:
        return self.settings.superset.lake_uri or f"duckdb:///{self.lake_db}"

    def engine_params(self) -> dict[str, Any] | None:
        """DuckDB connection options: read-only (Superset never writes the lake) and the delta
        extension from the ``duckdb-ext-delta`` wheel of Superset's environment."""
        if self.settings.superset.lake_uri:
            return None
        ext_dir = subprocess.run([str(self.python), "-c", "from citylake.superset.lake_db import delta_extension_dir; "
                                  "print(delta_extension_dir())"], capture_output=True, text=True, check=True,
                                 env=self.environment()).stdout.strip()
        return {"connect_args": {"read_only": True, "preload_extensions": ["delta"],
                                 "config": {"extension_directory": ext_dir, "autoinstall_known_extensions": "false"}}}

    def refresh_lake(self) -> Any:
        """The DuckDB views over the lake (None when Superset queries a SQL endpoint)."""
        if self.settings.superset.lake_uri:
            return None
        from citylake.superset.bundle import load_assets
        from citylake.superset.lake_db import refresh

        return refresh(self.settings, load_assets(DASHBOARDS_DIR), self.lake_db)

    # -- the API ---------------------------------------------------------------------------
    def client(self) -> SupersetClient:
        try:
            return SupersetClient(self.url, self.settings.superset.admin_user, self.admin_password())
        except ApiError as exc:
            raise SupersetError(str(exc)) from None

    def import_dashboards(self, folder: Path = DASHBOARDS_DIR) -> list[ImportedDashboard]:
        """Zip the dashboards folder for this installation and import it (overwriting by uuid)."""
        from citylake.superset.bundle import build_bundle, load_assets

        assets = load_assets(folder)
        client = self.client()
        try:
            client.import_bundle(build_bundle(assets, self.lake_uri(), self.engine_params()))
            found_by_slug = {d["slug"]: client.get(f"/api/v1/dashboard/{d['slug']}")["result"]
                             for d in assets.dashboards.values()}
        except ApiError as exc:
            raise SupersetError(str(exc)) from None
        imported = []
        for uuid, dashboard in assets.dashboards.items():
            found = found_by_slug[dashboard["slug"]]
            imported.append(ImportedDashboard(found["id"], found["dashboard_title"], dashboard["slug"],
                                              f"http://localhost:{self.port}/superset/dashboard/{dashboard['slug']}/",
                                              len(assets.charts_of(dashboard))))
        return imported

    def render_charts(self, out: Path, only: list[str] | None = None, folder: Path = DASHBOARDS_DIR) -> list[dict[str, Any]]:
        """Draw the dashboards' charts to PNG/HTML (``citylake.superset.render``, run in Superset's
        environment: it has the drivers of both SQL endpoints) from the same lake Superset reads."""
        cmd = [str(self.python), "-m", "citylake.superset.render", "--folder", str(folder), "--uri", self.lake_uri(),
               "--engine-params", json.dumps(self.engine_params() or {}), "--out", str(out)]
        for name in only or []:
            cmd += ["--only", name]
        proc = subprocess.run(cmd, env=self.environment(), capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-3:]
            raise SupersetError(f"rendering the charts failed: {' | '.join(tail)}")
        return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
