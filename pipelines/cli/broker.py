"""``citybrain broker ...`` and ``citybrain topics ...``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

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
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run a launcher action; a BrokerError is printed (no traceback) and exits with 1."""
    from pipelines.broker import BrokerError

    try:
        return action()
    except BrokerError as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _local_broker():
    from pipelines.broker import LocalBroker

    return LocalBroker(load())


@broker_app.command("fetch")
def broker_fetch() -> None:
    """Fetch Kafka's jars from Maven Central into the cache (no-op when cached)."""
    from pipelines.broker import ensure_jars

    console.print(f"Kafka jars: {_run(lambda: ensure_jars(load()))}")


@broker_app.command("start")
def broker_start() -> None:
    """Start the local broker (or report the running one) and print its address."""
    address = _run(_local_broker().start)
    console.print(f"Kafka is up at [bold]{address}[/bold]")


@broker_app.command("stop")
def broker_stop() -> None:
    """Stop the local broker."""
    stopped = _run(_local_broker().stop)
    console.print("Kafka stopped" if stopped else "Kafka was not running")


@broker_app.command("restart")
def broker_restart() -> None:
    """Restart the local broker on the same address with the same data."""
    console.print(f"Kafka is up at [bold]{_run(_local_broker().restart)}[/bold]")


@broker_app.command("status")
def broker_status() -> None:
    """Say whether the local broker runs, and where (exit code 1 when it does not)."""
    status = _local_broker().status()
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
    specs = registry(settings.app_id)
    created = asyncio.run(create_topics(settings.broker, specs))
    for name in created:
        console.print(f"created {name}")
    console.print(
        f"{len(created)} created, {len(specs) - len(created)} already existed on {settings.broker}"
    )


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
