"""``citybrain warehouse ...``: landing helpers for data engineers."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from citybrain.settings import load
from pipelines.cli import app

warehouse_app = typer.Typer(
    help="The Parquet landing and the SQLMesh raw sources.", no_args_is_help=True
)
app.add_typer(warehouse_app, name="warehouse")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@warehouse_app.command("external-models")
def external_models_command() -> None:
    """Regenerate external_models.yaml (typed landing and reference views) from the contracts."""
    from warehouse.landing import external_models
    from warehouse.reference import external_models as reference_models

    path = PROJECT_ROOT / "external_models.yaml"
    models = external_models() + reference_models()
    path.write_text(yaml.safe_dump(models, allow_unicode=True, sort_keys=False))
    typer.echo(f"wrote {path}")


@warehouse_app.command("init")
def init() -> None:
    """Create the landing's empty typed schema files (so `sqlmesh plan` runs before any data)."""
    from warehouse.landing import ensure_schema_files

    settings = load()
    written = ensure_schema_files(settings.landing_dir)
    typer.echo(f"{len(written)} schema file(s) written under {settings.landing_dir}")


@warehouse_app.command("load-postgres")
def load_postgres() -> None:
    """Copy new landing files and the reference tables into PostgreSQL (CITYBRAIN_PG_*)."""
    import os

    from warehouse.landing import view_name
    from warehouse.pg_load import load_all
    from warehouse.postgres import PgConnection, PostgresNotConfigured

    settings = load()
    try:
        pg = PgConnection.from_env(os.environ)
    except PostgresNotConfigured as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    report = load_all(pg, landing_dir=settings.landing_dir, reference_dir=settings.reference_path)
    for topic, files in report.files.items():
        typer.echo(f"{view_name(topic)}: {files} file(s), {report.rows[topic]} row(s)")
    typer.echo(f"{report.skipped_files} file(s) already loaded")
    for name, rows in report.reference_rows.items():
        typer.echo(f"reference.{name}: {rows} row(s)")


@warehouse_app.command("postgres")
def postgres_server() -> None:
    """Run a throwaway PostgreSQL server on loopback until Ctrl-C; print its CITYBRAIN_PG_*."""
    import shlex
    import signal
    import threading

    from warehouse.postgres import PostgresMissing, TempPostgres

    try:
        server = TempPostgres()
    except PostgresMissing as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server as pg:
        for name, value in pg.env().items():
            typer.echo(f"export {name}={shlex.quote(value)}")
        typer.echo(f"# data in {server.root}; Ctrl-C stops the server and removes it", err=True)
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
