"""``citybrain reference ...``: the reference tables the workers load."""

from __future__ import annotations

import typer

from citybrain.settings import load
from pipelines.cli import app

reference_app = typer.Typer(
    help="Grids, departments, cameras, vehicles, stations, permits, zones, roads, garbage bins.",
    no_args_is_help=True,
)
app.add_typer(reference_app, name="reference")


@reference_app.command("export")
def export_command(
    scenario: str = typer.Option("demo-county", help="the scenario whose tables to write"),
) -> None:
    """Write a scenario's reference tables into CITYBRAIN_REFERENCE_DIR."""
    if scenario != "demo-county":
        raise typer.BadParameter(f"unknown scenario {scenario!r}; known: demo-county")
    from pipelines.scenarios.demo_county import build
    from pipelines.scenarios.demo_county.reference import export

    settings = load()
    for path in export(build(scale=0.01), settings.reference_path):
        typer.echo(f"wrote {path}")


@reference_app.command("permits")
def permits_command() -> None:
    """Snapshot the compacted permits topic into CITYBRAIN_REFERENCE_DIR/permits.json.

    The vehicles worker re-reads the file before its next batch: run this after
    ``citybrain permits load`` (or on a schedule) to bring permit changes to it.
    """
    import asyncio

    from pipelines.permits_snapshot import snapshot

    settings = load()
    path, count, invalid = asyncio.run(snapshot(settings.broker, settings.reference_path))
    typer.echo(f"wrote {path}: {count} permit(s); {invalid} invalid record(s) left out")
