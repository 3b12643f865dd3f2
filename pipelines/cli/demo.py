"""``citybrain demo``: broker, topics, worker, sink, replay, plan, summary."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress
from rich.table import Table

from citybrain.categories import CATEGORIES
from citybrain.settings import load
from pipelines.cli import app

console = Console()


@app.command()
def demo(
    speed: str = typer.Option("max", help="replay speed: N× real time, or 'max'"),
    scale: float = typer.Option(1.0, help="event-rate multiplier of the demo county"),
    seed: int = typer.Option(20260715, help="demo county seed"),
) -> None:
    """Run the demo county's day through Kafka, the workers and the warehouse."""
    from pipelines.cli.replay import parse_speed
    from pipelines.demo import run_demo
    from pipelines.scenarios.demo_county import build

    settings = load()
    scenario = build(seed=seed, scale=scale)
    console.print(f"demo county 云溪县, {scenario.day}: {len(scenario.messages)} messages")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("replaying", total=len(scenario.messages))
        summary = run_demo(
            settings,
            scenario,
            speed=parse_speed(speed),
            on_progress=lambda n: bar.update(task, completed=n),
            log=console.print,
        )
    stats = summary.replay
    console.print(
        f"\n[bold]events in[/bold]   {stats.valid} valid, {stats.invalid} malformed "
        f"({stats.messages_per_s:,.0f} msg/s replay)"
    )
    console.print(f"[bold]rejected[/bold]   {summary.rejected} in the dead-letter topics")
    console.print(f"[bold]cells[/bold]      {summary.cells} H3 res-9 cells with incidents")
    table = Table("H3 cell", "category", "incidents", title="top 5 hotspots")
    for cell, category, incidents in summary.top_hotspots:
        table.add_row(cell, f"{category} {CATEGORIES.get(category, '')}", str(incidents))
    console.print(table)
    console.print(
        f"[bold]warehouse[/bold]  {summary.warehouse_path} (SQLMesh plan {summary.plan_s:.1f}s)"
    )
    levels = ", ".join(f"{n} {level}" for level, n in summary.flood_alerts) or "none"
    console.print(f"[bold]flood[/bold]      warnings issued or raised: {levels}")
    states = ", ".join(f"{n} {state}" for state, n in summary.case_states) or "none"
    console.print(f"[bold]cases[/bold]      {states}")
    if summary.superset_url:
        user, password = summary.superset_login
        console.print(
            f"[bold]dashboards[/bold] {summary.superset_url}  login {user} / {password}\n"
            "           (password in $CITYBRAIN_HOME/superset/admin_password unless "
            "CITYBRAIN_SUPERSET_ADMIN_PASSWORD is set)"
        )
    console.print(
        "Kafka and Superset are still running: `citybrain broker stop` and "
        "`citybrain superset stop` stop them."
    )
