"""``citybrain replay``: publish a scenario's day into Kafka."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from citybrain.settings import load
from pipelines.cli import app

console = Console()


def parse_speed(speed: str) -> float | None:
    """'max' → None (as fast as possible); otherwise a positive multiple of real time."""
    if speed == "max":
        return None
    value = float(speed)
    if value <= 0:
        raise typer.BadParameter("speed must be 'max' or a positive number")
    return value


@app.command()
def replay(
    scenario: str = typer.Option("demo-county", help="scenario to replay"),
    speed: str = typer.Option("max", help="N× real time, or 'max'"),
    seed: int = typer.Option(20260715, help="scenario seed"),
    scale: float = typer.Option(1.0, help="event-rate multiplier"),
) -> None:
    """Publish a scenario's day to Kafka with a progress bar."""
    from pipelines.replay import replay as run_replay
    from pipelines.scenarios import SCENARIOS

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"unknown scenario {scenario!r}; known: {sorted(SCENARIOS)}")
    settings = load()
    built = SCENARIOS[scenario](seed=seed, scale=scale)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"replaying {scenario} to {settings.broker}", total=len(built.messages))
        stats = asyncio.run(
            run_replay(
                built.messages,
                bootstrap=settings.broker,
                speed=parse_speed(speed),
                on_progress=lambda n: bar.update(task, completed=n),
            )
        )
    table = Table("topic", "messages")
    for topic, count in sorted(stats.per_topic.items()):
        table.add_row(topic, str(count))
    console.print(table)
    console.print(
        f"{stats.valid} valid + {stats.invalid} malformed in {stats.elapsed_s:.1f}s "
        f"({stats.messages_per_s:,.0f} msg/s)"
    )
