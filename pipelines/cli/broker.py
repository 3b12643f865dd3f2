"""``citybrain broker ...`` and ``citybrain topics ...``."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from citybrain.settings import load
from citybrain.topics import registry
from pipelines.cli import app

broker_app = typer.Typer(
    help="Run the local one-node Kafka (fetched with mvn).", no_args_is_help=True
)
topics_app = typer.Typer(help="Create and list the registry's topics.", no_args_is_help=True)
app.add_typer(broker_app, name="broker")
app.add_typer(topics_app, name="topics")
console = Console()


@broker_app.command("fetch")
def broker_fetch() -> None:
    """Fetch Kafka's jars from Maven Central into the cache (no-op when cached)."""
    from pipelines.broker import ensure_jars

    console.print(f"Kafka jars: {ensure_jars(load())}")


@broker_app.command("start")
def broker_start() -> None:
    """Start the local broker (or report the running one) and print its address."""
    from pipelines.broker import LocalBroker

    address = LocalBroker(load()).start()
    console.print(f"Kafka is up at [bold]{address}[/bold]")


@broker_app.command("stop")
def broker_stop() -> None:
    """Stop the local broker."""
    from pipelines.broker import LocalBroker

    stopped = LocalBroker(load()).stop()
    console.print("Kafka stopped" if stopped else "Kafka was not running")


@broker_app.command("restart")
def broker_restart() -> None:
    """Restart the local broker on the same address with the same data."""
    from pipelines.broker import LocalBroker

    console.print(f"Kafka is up at [bold]{LocalBroker(load()).restart()}[/bold]")


@broker_app.command("status")
def broker_status() -> None:
    """Say whether the local broker runs, and where."""
    from pipelines.broker import LocalBroker

    status = LocalBroker(load()).status()
    if status.running:
        console.print(f"running (pid {status.pid}) at {status.address}")
    else:
        console.print("not running")
        raise typer.Exit(1)


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic of the registry that is missing on the broker."""
    from pipelines.topics_admin import create_topics

    settings = load()
    created = asyncio.run(create_topics(settings.broker, registry(settings.app_id)))
    console.print(f"created {len(created)} topic(s) on {settings.broker}: {', '.join(created)}")


@topics_app.command("list")
def topics_list() -> None:
    """List the topics on the broker with their registry partition counts."""
    from pipelines.topics_admin import list_topics

    settings = load()
    declared = {s.name: s for s in registry(settings.app_id)}
    for name in sorted(asyncio.run(list_topics(settings.broker))):
        spec = declared.get(name)
        partitions, note = (spec.partitions, spec.description) if spec else ("?", "not declared")
        console.print(f"{name}\t{partitions}\t{note}")
