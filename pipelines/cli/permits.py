"""``citybrain permits load``: publish a permit export to the compacted permits topic."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from citybrain.settings import load
from pipelines.cli import app

permits_app = typer.Typer(help="Permit exports.", no_args_is_help=True)
app.add_typer(permits_app, name="permits")
console = Console()
EXPORT_PATH = typer.Argument(..., exists=True, help="CSV or XLSX export")


@permits_app.command("load")
def load_permits(
    path: Path = EXPORT_PATH,
    export_format: str = typer.Option(
        "citybrain", "--format", help="column layout: citybrain or sf-mobile-food"
    ),
) -> None:
    """Validate an export (geometry with shapely) and publish it keyed by permit id."""
    from aiokafka import AIOKafkaProducer

    from connectors.permits import FORMATS, Area, permit_messages, read_table

    if export_format not in FORMATS:
        raise typer.BadParameter(f"unknown format; known: {sorted(FORMATS)}")
    settings = load()
    messages, refused = permit_messages(
        read_table(path),
        mapping=FORMATS[export_format],
        area=Area(*settings.area_bounds),
        loaded_at=datetime.now(UTC),
    )

    async def publish() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=settings.broker, acks="all", enable_idempotence=True
        )
        await producer.start()
        try:
            for key, value in messages:
                await producer.send_and_wait("permits", value, key=key)
        finally:
            await producer.stop()

    asyncio.run(publish())
    for number, reason, _ in refused[:20]:
        console.print(f"[yellow]row {number}: {reason}[/yellow]")
    console.print(f"published {len(messages)} message(s); refused {len(refused)} row(s)")
    if refused:
        raise typer.Exit(2)
