"""The throwaway PostgreSQL launcher and the gateway's connection settings."""

from pathlib import Path

import pytest

from warehouse.postgres import (
    PgConnection,
    PostgresMissing,
    PostgresNotConfigured,
    TempPostgres,
    bin_dir,
)


def test_a_cluster_starts_answers_and_leaves_nothing_behind():
    server = TempPostgres()
    with server as pg:
        root, process = server.root, server.process
        con = pg.connect()
        with con, con.cursor() as cur:
            cur.execute("SELECT current_database(), current_user, current_setting('TimeZone')")
            assert cur.fetchone() == ("citybrain", "citybrain", "UTC")
        con.close()
        assert pg.host == "127.0.0.1" and (root / "data" / "PG_VERSION").exists()
    assert process.poll() is not None
    assert not root.exists()


def test_the_role_needs_its_password(postgres):
    wrong = PgConnection(postgres.host, postgres.port, postgres.database, postgres.user, "nope")
    with pytest.raises(Exception, match="password authentication failed"):
        wrong.connect()


def test_settings_come_from_citybrain_pg_variables_without_a_default_password(postgres):
    assert PgConnection.from_env(postgres.env()) == postgres
    with pytest.raises(PostgresNotConfigured, match="CITYBRAIN_PG_PASSWORD"):
        PgConnection.from_env({"CITYBRAIN_PG_HOST": "db.example"})
    defaults = PgConnection.from_env({"CITYBRAIN_PG_PASSWORD": "s"})
    assert (defaults.host, defaults.port, defaults.database) == ("127.0.0.1", 5432, "citybrain")


def test_missing_binaries_say_that_make_setup_installs_them(tmp_path: Path):
    with pytest.raises(PostgresMissing, match="make setup"):
        bin_dir(tmp_path)
    (tmp_path / "13" / "bin").mkdir(parents=True)
    (tmp_path / "15" / "bin").mkdir(parents=True)
    for major in ("13", "15"):
        for name in ("initdb", "postgres"):
            (tmp_path / major / "bin" / name).touch()
    assert bin_dir(tmp_path) == tmp_path / "15" / "bin"
