"""``citybrain status``: the broker, consumer lag per group, and the workers' counters."""

from __future__ import annotations

import asyncio
import urllib.request

import typer
from rich.console import Console
from rich.table import Table

from citybrain.contracts import SOURCE_TOPICS
from citybrain.settings import load
from pipelines.cli import app

console = Console()


@app.command()
def status() -> None:
    """Show whether Kafka answers, how far each consumer group lags, and worker metrics."""
    from pipelines.broker import answers
    from pipelines.lag import group_lag
    from streams.sink.agents import LANDED_TOPICS, SINK_APP_SUFFIX

    settings = load()
    if not answers(settings.broker):
        console.print(f"[red]Kafka does not answer at {settings.broker}[/red]")
        raise typer.Exit(1)
    console.print(f"Kafka answers at {settings.broker}")
    table = Table("consumer group", "topic", "lag (messages)")
    groups = {settings.app_id: SOURCE_TOPICS, settings.app_id + SINK_APP_SUFFIX: LANDED_TOPICS}
    for group, topics in groups.items():
        for topic, lag in sorted(asyncio.run(group_lag(settings.broker, group, topics)).items()):
            table.add_row(group, topic, str(lag))
    console.print(table)
    for name, port in (
        ("worker", settings.web_port),
        ("sink", settings.sink_web_port),
    ):
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                text = response.read().decode()
        except OSError:
            console.print(f"{name}: no answer at {url} (not running, paused or busy)")
            continue
        console.print(f"[bold]{name}[/bold] ({url})")
        for line in text.splitlines():
            if not line.startswith("#"):
                console.print(f"  {line}")
