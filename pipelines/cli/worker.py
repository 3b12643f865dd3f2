"""``citybrain worker`` and ``citybrain sink``: run the faust processes."""

from __future__ import annotations

import asyncio

import typer

from citybrain.settings import Settings, load
from pipelines.cli import app


def _broker_answers(settings: Settings) -> None:
    """Wait for the broker (a worker started during its restart waits instead of dying)."""
    from streams.broker_wait import BrokerUnreachable, wait_for_broker

    try:
        asyncio.run(wait_for_broker(settings.broker))
    except BrokerUnreachable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def worker(loglevel: str = typer.Option("warning", help="faust log level")) -> None:
    """Run a stream worker (intake validation, hotspot counting)."""
    from streams.main import run, stream_app

    settings = load()
    _broker_answers(settings)
    run(stream_app(settings), loglevel=loglevel)


@app.command()
def sink(loglevel: str = typer.Option("warning", help="faust log level")) -> None:
    """Run the landing sink (all topics → hourly Parquet)."""
    from streams.main import run, sink_app

    settings = load()
    _broker_answers(settings)
    run(sink_app(settings), loglevel=loglevel)
