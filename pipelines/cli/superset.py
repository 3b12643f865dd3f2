"""``citybrain superset ...`` and ``citybrain dashboards ...``: the analysts' door."""

from __future__ import annotations

from pathlib import Path

import typer

from citybrain.settings import load
from pipelines.cli import app

superset_app = typer.Typer(help="Superset, in its own virtual environment.", no_args_is_help=True)
dashboards_app = typer.Typer(
    help="The dashboards' asset bundle and the marts snapshot they read.", no_args_is_help=True
)
app.add_typer(superset_app, name="superset")
app.add_typer(dashboards_app, name="dashboards")


def _superset():
    from dashboards.service import superset

    return superset(load())


def _fail(exc: Exception) -> None:
    typer.secho(str(exc), fg="red", err=True)
    raise typer.Exit(1)


@superset_app.command("init")
def init() -> None:
    """Create or upgrade the metadata database, roles and the configured admin."""
    from dashboards.service import SupersetError

    service = _superset()
    try:
        service.init()
    except SupersetError as exc:
        _fail(exc)
    typer.echo(f"Superset metadata ready in {service.home}; admin user {service.admin_user!r}")


@superset_app.command("start")
def start() -> None:
    """Start Superset on 127.0.0.1 (gunicorn, in the background) and wait until it answers."""
    from dashboards.service import SupersetError

    service = _superset()
    try:
        pid = service.start()
    except SupersetError as exc:
        _fail(exc)
    typer.echo(f"Superset (pid {pid}) at {service.url}; log {service.log_file}")


@superset_app.command("stop")
def stop() -> None:
    """Stop the Superset that `citybrain superset start` started."""
    service = _superset()
    typer.echo("Superset stopped" if service.stop() else "Superset was not running")


@superset_app.command("status")
def status() -> None:
    """Is Superset running and healthy?"""
    service = _superset()
    pid = service.running_pid()
    healthy = service.healthy()
    typer.echo(f"pid {pid or '-'}, {service.url}: {'healthy' if healthy else 'not answering'}")
    if not healthy:
        raise typer.Exit(1)


@dashboards_app.command("publish")
def publish_command() -> None:
    """Copy the marts into the read-only snapshot Superset reads (after a raw `sqlmesh plan`)."""
    from dashboards.snapshot import publish

    settings = load()
    published = publish(
        settings.warehouse_path, settings.published_path, reference_dir=settings.reference_path
    )
    for table, rows in published.table_rows.items():
        typer.echo(f"{table}: {rows} rows")
    typer.echo(f"published {published.path}")


def _bundle(action, assets: str | None):
    """Run ``action`` (import_bundle or export_bundle) on the configured Superset."""
    from dashboards.bundle import ASSETS_DIR, BundleError
    from dashboards.service import SupersetError

    settings = load()
    folder = Path(assets) if assets else ASSETS_DIR
    try:
        return action(_superset(), published_path=settings.published_path, assets_dir=folder)
    except (BundleError, SupersetError) as exc:
        _fail(exc)


@dashboards_app.command("import")
def import_command(
    assets: str = typer.Option(None, help="bundle folder (default: dashboards/assets)"),
) -> None:
    """Import the asset bundle into Superset; overwrites by UUID, so importing twice is a no-op."""
    from dashboards.bundle import import_bundle

    _bundle(import_bundle, assets)
    typer.echo(f"imported {assets or 'dashboards/assets'} (reads {load().published_path})")


@dashboards_app.command("export")
def export_command(
    assets: str = typer.Option(None, help="bundle folder (default: dashboards/assets)"),
) -> None:
    """Export every Superset asset back into the bundle, normalised for `git diff`."""
    from dashboards.bundle import export_bundle

    files = _bundle(export_bundle, assets)
    typer.echo(
        f"exported {len(files)} files into {assets or 'dashboards/assets'}; git diff shows changes"
    )


@dashboards_app.command("check")
def check_command(
    screenshots: str = typer.Option("logs/dashboards", help="where to save screenshots"),
) -> None:
    """Open every dashboard in headless Chromium; fail if a chart errs or shows no data."""
    from dashboards.check import check_all

    service = _superset()
    reports = check_all(service, Path(screenshots))
    failed = False
    for report in reports:
        typer.echo(f"{report.title}: {len(report.charts)} charts, screenshot {report.screenshot}")
        for chart in report.failures:
            failed = True
            typer.secho(f"  {chart.title}: {chart.problem}", fg="red")
    if failed:
        raise typer.Exit(1)
