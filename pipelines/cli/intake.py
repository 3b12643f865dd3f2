"""``citybrain intake``: the Open311 / 12345 report intake and the 12345 batch loader."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from citybrain.settings import load
from pipelines.cli import app

intake_app = typer.Typer(help="Citizen and 12345-hotline reports.", no_args_is_help=True)
app.add_typer(intake_app, name="intake")
console = Console()
EXPORT_PATH = typer.Argument(..., exists=True, dir_okay=False, help="CSV, JSON or XLSX export")
API_KEYS_FILE = typer.Option(
    None, "--api-keys", exists=True, dir_okay=False, help="file of POST API keys, one a line"
)


def _api_keys(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@intake_app.command("serve")
def serve(
    port: int = typer.Option(8311, help="HTTP port to listen on"),
    host: str = typer.Option("0.0.0.0", help="address to bind"),
    api_keys_file: Path = API_KEYS_FILE,
    max_reports: int = typer.Option(100_000, help="reports held for GET requests (newest)"),
) -> None:
    """Serve Open311 GeoReport v2 (/open311/v2/) and the 12345 webhook and batch doors."""
    from aiohttp import web

    from connectors.report_kafka import kafka_intake_app
    from streams.web_limits import limit_requests, server_options

    settings = load()
    keys = _api_keys(api_keys_file)
    if not keys:
        console.print("[yellow]no --api-keys: anyone who reaches the port may POST[/yellow]")
    south, west, north, east = settings.area_bounds
    console.print(
        f"report intake on {host}:{port} → {settings.broker}; "
        f"service area lat {south}..{north}, lng {west}..{east} (CITYBRAIN_AREA_BOUNDS)"
    )
    intake = kafka_intake_app(
        bootstrap=settings.broker,
        bounds=settings.area_bounds,
        api_keys=keys,
        max_reports=max_reports,
        body_timeout_s=settings.http_body_timeout_s,
    )
    limit_requests(intake, settings)
    web.run_app(
        intake,
        host=host,
        port=port,
        print=None,
        **server_options(settings),
    )


@intake_app.command("load")
def load_export(
    path: Path = EXPORT_PATH,
    kind: str = typer.Option(None, "--format", help="csv, json or xlsx (default: sniffed)"),
) -> None:
    """Publish a 12345 export to reports.citizen; refused rows go to reports.citizen.rejected."""
    from connectors.hotline12345 import ExportError, read_export, reports_from_records
    from connectors.report_intake import refusal_dead_letter
    from connectors.report_kafka import KafkaSink

    settings = load()
    try:
        records, first_row = read_export(path.read_bytes(), kind=kind)
    except ExportError as exc:
        console.print(f"[red]{path}: {exc.reason}[/red]")
        raise typer.Exit(2) from None
    rows, refused = reports_from_records(
        records, loaded_at=datetime.now(UTC), bounds=settings.area_bounds, first_row=first_row
    )

    async def publish() -> None:
        sink = KafkaSink(settings.broker, source=f"12345-load:{path.name}")
        await sink.start()
        try:
            await sink.publish(rows, [refusal_dead_letter(r) for r in refused])
        finally:
            await sink.stop()

    asyncio.run(publish())
    for refusal in refused[:20]:
        console.print(f"[yellow]row {refusal.row}: {refusal.reason}[/yellow]")
    console.print(f"published {len(rows)} report(s); refused {len(refused)} row(s)")
    if refused:
        raise typer.Exit(2)
