"""``citybrain warehouse load-postgres/postgres`` and ``citybrain plan --gateway``."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app
from warehouse.landing import LandingWriter
from warehouse.postgres import PgConnection

ROOT = Path(__file__).parents[3]

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)


def test_load_postgres_copies_new_files_and_says_so(tmp_path, monkeypatch, postgres):
    monkeypatch.setenv("CITYBRAIN_HOME", str(tmp_path))
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)
    row = {"event_id": "cli-1", "event_at": T0, "vehicle_id": "v1", "lat": 30.25, "lng": 120.15}
    LandingWriter(tmp_path / "landing").write(
        "gps.fixes", [row], partitions=[0], offsets=[0], landed_at=T0
    )
    first = CliRunner().invoke(app, ["warehouse", "load-postgres"])
    assert first.exit_code == 0, first.output
    assert "landing.gps_fixes: 1 file(s), 1 row(s)" in first.output
    assert "reference.vehicles: 0 row(s)" in first.output
    again = CliRunner().invoke(app, ["warehouse", "load-postgres"])
    assert again.exit_code == 0, again.output
    assert "landing.gps_fixes" not in again.output
    assert "file(s) already loaded" in again.output


def test_load_postgres_without_a_password_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYBRAIN_HOME", str(tmp_path))
    monkeypatch.delenv("CITYBRAIN_PG_PASSWORD", raising=False)
    result = CliRunner().invoke(app, ["warehouse", "load-postgres"])
    assert result.exit_code == 2
    assert "CITYBRAIN_PG_PASSWORD is not set" in result.output


def test_plan_names_the_gateways_it_knows(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYBRAIN_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["plan", "--gateway", "oracle"])
    assert result.exit_code == 2
    assert "--gateway must be one of duckdb, postgres" in result.output


def test_the_dev_server_prints_its_settings_and_cleans_up_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "warehouse", "postgres"],
        cwd=ROOT,
        env={**os.environ, "CITYBRAIN_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        exports = dict(
            process.stdout.readline().removeprefix("export ").strip().split("=", 1)
            for _ in range(5)
        )
        pg = PgConnection.from_env({k: shlex.split(v)[0] for k, v in exports.items()})
        pg.connect().close()
        data_dir = Path(process.stderr.readline().split()[3].rstrip(";"))
        assert data_dir.exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert not data_dir.exists()
