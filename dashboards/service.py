"""Superset as a service: its own virtual environment, metadata, admin, process.

Superset pins SQLAlchemy 1.4 and an older sqlglot than SQLMesh, so it lives
in ``.superset-venv`` (installed by ``make setup`` from
``dashboards/requirements.lock``) and citybrain drives it through its CLI and
gunicorn as child processes. Everything it needs comes through environment
variables built here; nothing secret is committed:

- ``CITYBRAIN_SUPERSET_VENV``: Superset's virtual environment (``<repo>/.superset-venv``)
- ``CITYBRAIN_SUPERSET_PORT``: port on 127.0.0.1 (``8088``)
- ``CITYBRAIN_SUPERSET_SECRET_KEY``: Superset's SECRET_KEY; without it one is generated once
  into ``$CITYBRAIN_HOME/superset/secret_key`` (mode 0600)
- ``CITYBRAIN_SUPERSET_DATABASE_URI``: metadata database (SQLite
  ``$CITYBRAIN_HOME/superset/superset.db``; PostgreSQL in compose)
- ``CITYBRAIN_SUPERSET_ADMIN_USER``: the admin ``init`` creates (``admin``)
- ``CITYBRAIN_SUPERSET_ADMIN_PASSWORD``: its password; without it one is generated once into
  ``$CITYBRAIN_HOME/superset/admin_password`` (mode 0600)
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from citybrain.pids import wait_exit
from citybrain.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_PATH = Path(__file__).with_name("superset_config.py")
# a request still running after this at a stop is cut: chart queries on the snapshot take < 1 s
GRACEFUL_STOP_S = 5


class SupersetError(RuntimeError):
    """A Superset command failed; the message holds its output."""


def _secret_file(path: Path, *, nbytes: int) -> str:
    """Read a generated secret, creating it (0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


@dataclass(frozen=True)
class Superset:
    """One Superset install: where it lives and how to reach it."""

    venv: Path
    home: Path
    port: int
    database_uri: str
    admin_user: str
    secret_key: str
    admin_password: str

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "superset.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "superset.log"

    @property
    def installed(self) -> bool:
        return (self.venv / "bin" / "superset").exists()

    def env(self) -> dict[str, str]:
        """The environment of every Superset child process."""
        return {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(CONFIG_PATH),
            "SUPERSET_HOME": str(self.home),
            "SUPERSET_SECRET_KEY": self.secret_key,
            "CITYBRAIN_SUPERSET_DATABASE_URI": self.database_uri,
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONWARNINGS": "ignore",
        }

    def run(self, *args: str, timeout_s: float = 600) -> str:
        """Run the Superset CLI; raise :class:`SupersetError` on failure."""
        return self._run([str(self.venv / "bin" / "superset"), *args], timeout_s)

    def python(self, *args: str, extra_env: Mapping[str, str] = {}, timeout_s: float = 600) -> str:
        """Run a script with Superset's interpreter; raise :class:`SupersetError` on failure."""
        return self._run([str(self.venv / "bin" / "python"), *args], timeout_s, extra_env)

    def _run(self, command: list[str], timeout_s: float, extra_env: Mapping[str, str] = {}) -> str:
        if not self.installed:
            raise SupersetError(f"Superset is not installed in {self.venv}: run `make setup`")
        result = subprocess.run(
            command,
            env={**self.env(), **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-4000:]
            name = " ".join(Path(part).name for part in command[:3])
            raise SupersetError(f"{name} failed (exit {result.returncode}):\n{output}")
        return result.stdout + result.stderr

    def init(self) -> None:
        """Create or upgrade the metadata database, the admin and the default roles."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.run("db", "upgrade")
        self.run("init")
        admin = {
            "CITYBRAIN_SUPERSET_ADMIN_USER": self.admin_user,
            "CITYBRAIN_SUPERSET_ADMIN_PASSWORD": self.admin_password,
        }
        self.python(str(Path(__file__).with_name("ensure_admin.py")), extra_env=admin)

    def running_pid(self) -> int | None:
        """The pid of a running Superset started by :meth:`start`, else None."""
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None
        return pid

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self, *, workers: int = 2, timeout_s: float = 120) -> int:
        """Start gunicorn on 127.0.0.1:port in the background; wait for /health.

        Refuses when something else already answers on the port: a check or an
        import would otherwise talk to another Superset than this install's.
        """
        pid = self.running_pid()
        process = None
        if pid is None:
            if self.healthy():
                raise SupersetError(
                    f"{self.url} already answers, but not as this install's Superset "
                    f"({self.pid_file}): stop it or set CITYBRAIN_SUPERSET_PORT"
                )
            self.home.mkdir(parents=True, exist_ok=True)
            log = self.log_file.open("ab")
            process = subprocess.Popen(
                [
                    str(self.venv / "bin" / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    "--graceful-timeout",  # a stop waits this long for a worker (default 30 s)
                    str(GRACEFUL_STOP_S),
                    "--pid",
                    str(self.pid_file),
                    "superset.app:create_app()",
                ],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            pid = process.pid
        deadline = time.monotonic() + timeout_s
        while not self.healthy():
            if process is not None and process.poll() is not None:
                raise SupersetError(f"Superset exited at start; see {self.log_file}")
            if time.monotonic() > deadline:
                raise SupersetError(f"Superset did not answer /health; see {self.log_file}")
            time.sleep(0.5)
        return pid

    def stop(self, timeout_s: float = 30) -> bool:
        """SIGTERM the gunicorn master; True if one was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        if not wait_exit(pid, timeout_s):  # reaps a gunicorn this process started
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


def superset(settings: Settings, env: Mapping[str, str] | None = None) -> Superset:
    """The Superset of these settings, generating its secrets on first use."""
    env = os.environ if env is None else env
    home = settings.home / "superset"
    return Superset(
        venv=Path(env.get("CITYBRAIN_SUPERSET_VENV") or PROJECT_ROOT / ".superset-venv"),
        home=home,
        port=int(env.get("CITYBRAIN_SUPERSET_PORT", "8088")),
        database_uri=env.get("CITYBRAIN_SUPERSET_DATABASE_URI")
        or f"sqlite:///{home / 'superset.db'}",
        admin_user=env.get("CITYBRAIN_SUPERSET_ADMIN_USER", "admin"),
        secret_key=env.get("CITYBRAIN_SUPERSET_SECRET_KEY")
        or _secret_file(home / "secret_key", nbytes=48),
        admin_password=env.get("CITYBRAIN_SUPERSET_ADMIN_PASSWORD")
        or _secret_file(home / "admin_password", nbytes=12),
    )
