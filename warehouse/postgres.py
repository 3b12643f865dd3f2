"""A throwaway PostgreSQL server for tests and development (``TempPostgres``).

Debian's ``postgresql`` package (``make setup`` installs it) puts its server
binaries under ``/usr/lib/postgresql/<major>/bin``. The launcher runs
``initdb`` into a temporary directory, starts ``postgres`` on a free loopback
port with its unix socket in that directory, creates one database and one
password-protected role, and stops and removes everything on exit.

PostgreSQL refuses to run as root: as root the server runs as the
unprivileged system user ``postgres`` (created when missing), which owns the
temporary directory.

Connection settings reach SQLMesh and the loader as ``CITYBRAIN_PG_*``
environment variables (:meth:`PgConnection.env`).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg2

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
START_TIMEOUT_S = 60.0
PORT_ATTEMPTS = 3
MISSING = (
    "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
    "`make setup` installs them (Debian package postgresql)"
)


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class PostgresNotConfigured(RuntimeError):
    """The CITYBRAIN_PG_* settings are incomplete."""


class PostgresFailed(RuntimeError):
    """The throwaway server did not start; the message holds its log."""


@dataclass(frozen=True)
class PgConnection:
    """Where a PostgreSQL database is and how to log in."""

    host: str
    port: int
    database: str
    user: str
    password: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PgConnection:
        """The server ``CITYBRAIN_PG_*`` names; the password has no default."""
        password = env.get("CITYBRAIN_PG_PASSWORD")
        if password is None:
            raise PostgresNotConfigured(
                "CITYBRAIN_PG_PASSWORD is not set: the postgres gateway needs"
                " CITYBRAIN_PG_HOST/_PORT/_DATABASE/_USER/_PASSWORD"
            )
        return cls(
            host=env.get("CITYBRAIN_PG_HOST") or "127.0.0.1",
            port=int(env.get("CITYBRAIN_PG_PORT") or 5432),
            database=env.get("CITYBRAIN_PG_DATABASE") or "citybrain",
            user=env.get("CITYBRAIN_PG_USER") or "citybrain",
            password=password,
        )

    def env(self) -> dict[str, str]:
        """The ``CITYBRAIN_PG_*`` variables that point config.py's postgres gateway here."""
        return {
            "CITYBRAIN_PG_HOST": self.host,
            "CITYBRAIN_PG_PORT": str(self.port),
            "CITYBRAIN_PG_DATABASE": self.database,
            "CITYBRAIN_PG_USER": self.user,
            "CITYBRAIN_PG_PASSWORD": self.password,
        }

    def connect(self):
        """A psycopg2 connection (autocommit off)."""
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            dbname=self.database,
            user=self.user,
            password=self.password,
            connect_timeout=10,
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bin_dir(root: Path = PG_ROOT) -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding initdb and postgres."""
    candidates = [
        p.parent
        for p in root.glob("*/bin/initdb")
        if (p.parent / "postgres").exists() and p.parent.parent.name.isdigit()
    ]
    if not candidates:
        raise PostgresMissing(MISSING)
    return max(candidates, key=lambda p: int(p.parent.name))


def server_user() -> str | None:
    """The user the server runs as: ``postgres`` when we are root (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", SERVER_USER],
            check=True,
        )
    return SERVER_USER


class TempPostgres:
    """A PostgreSQL cluster in a temporary directory; use as a context manager."""

    def __init__(self, *, database: str = "citybrain", user: str = "citybrain") -> None:
        self.database = database
        self.user = user
        self.password = secrets.token_urlsafe(18)
        self.bin = bin_dir()
        self.run_as = server_user()
        self.root: Path | None = None
        self.process: subprocess.Popen | None = None
        self.connection: PgConnection | None = None

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            user=self.run_as,
            cwd=self.root,
        )
        if result.returncode != 0:
            raise PostgresFailed(f"{args[0]} failed:\n{result.stdout}{result.stderr}")

    def start(self) -> PgConnection:
        """initdb, start the server, create the role and database; return how to connect."""
        self.root = Path(tempfile.mkdtemp(prefix="citybrain-pg-"))
        data, pwfile = self.root / "data", self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            for path in (self.root, pwfile):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            self.user,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
        for attempt in range(PORT_ATTEMPTS):
            port = free_port()
            try:
                self._serve(data, port)
                break
            except PostgresFailed:  # another process took the free port in the meantime
                if attempt == PORT_ATTEMPTS - 1 or "could not bind" not in self.log():
                    raise
        admin = PgConnection("127.0.0.1", port, "postgres", self.user, self.password)
        con = admin.connect()
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            con.close()
        self.connection = PgConnection("127.0.0.1", port, self.database, self.user, self.password)
        return self.connection

    def _serve(self, data: Path, port: int) -> None:
        """Start ``postgres`` on ``port`` and wait until it accepts the role's login."""
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 (the server holds it)
        self.process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "TimeZone=UTC",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            user=self.run_as,
            cwd=self.root,
        )
        log.close()
        self._wait_ready(PgConnection("127.0.0.1", port, "postgres", self.user, self.password))

    def _wait_ready(self, admin: PgConnection) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise PostgresFailed(f"postgres exited at start-up:\n{self.log()}")
            try:
                admin.connect().close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresFailed(f"postgres not ready: {exc}\n{self.log()}") from exc
                time.sleep(0.2)

    def log(self) -> str:
        """The server's log so far."""
        path = self.root / "server.log" if self.root else None
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the cluster directory."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
        self.process = self.root = None

    def __enter__(self) -> PgConnection:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
