"""``citybrain plan``: sqlmesh plan --auto-apply, non-interactively."""

from __future__ import annotations

import typer
from rich.console import Console

from citybrain.settings import load
from pipelines.cli import app

console = Console()


@app.command()
def plan(
    start: str = typer.Option(None, help="start of the range to plan (e.g. 2026-07-15)"),
    end: str = typer.Option(None, help="end of the range to plan"),
    restate: bool = typer.Option(False, help="recompute staging and marts for the range"),
    gateway: str = typer.Option(
        "duckdb", help="duckdb (the warehouse file) or postgres (CITYBRAIN_PG_* server)"
    ),
) -> None:
    """Build the warehouse from the landing: sqlmesh plan --auto-apply --no-prompts."""
    from pipelines.plan import GATEWAYS, PlanFailed, run_plan
    from warehouse.postgres import PostgresNotConfigured

    if gateway not in GATEWAYS:
        console.print(f"[red]--gateway must be one of {', '.join(GATEWAYS)}[/red]")
        raise typer.Exit(2)
    settings = load()
    try:
        result = run_plan(settings, start=start, end=end, restate=restate, gateway=gateway)
    except (PlanFailed, PostgresNotConfigured) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    for mart, rows in result.mart_rows.items():
        console.print(f"{mart}: {rows} rows")
    if gateway == "postgres":
        console.print(
            f"postgres gateway: {result.loaded_files} new landing file(s) loaded,"
            f" planned in {result.elapsed_s:.1f}s"
        )
        return
    console.print(f"warehouse {settings.warehouse_path} planned in {result.elapsed_s:.1f}s")
