"""``citybrain worker`` and ``citybrain sink``: run the faust processes."""

from __future__ import annotations

import typer

from citybrain.settings import load
from pipelines.cli import app


@app.command()
def worker(loglevel: str = typer.Option("warning", help="faust log level")) -> None:
    """Run a stream worker (intake validation, hotspot counting)."""
    from streams.main import run, stream_app

    run(stream_app(load()), loglevel=loglevel)


@app.command()
def sink(loglevel: str = typer.Option("warning", help="faust log level")) -> None:
    """Run the landing sink (all topics → hourly Parquet)."""
    from streams.main import run, sink_app

    run(sink_app(load()), loglevel=loglevel)
