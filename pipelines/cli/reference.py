"""``citybrain reference ...``: the reference tables the workers load."""

from __future__ import annotations

import typer

from citybrain.settings import load
from pipelines.cli import app

reference_app = typer.Typer(
    help="Grids, departments, cameras, vehicles and stations (JSON files).", no_args_is_help=True
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
