"""``citybrain gateway jt808``: the TCP gateways of field protocols."""

from __future__ import annotations

import asyncio
import secrets

import typer
from rich.console import Console

from citybrain.settings import Settings, load
from pipelines.cli import app

gateway_app = typer.Typer(help="TCP gateways for field devices.", no_args_is_help=True)
app.add_typer(gateway_app, name="gateway")
console = Console()


def gateway_limits(settings: Settings, *, idle_timeout_s: float | None = None) -> dict:
    """The connection limits of a gateway from the settings (``CITYBRAIN_GATEWAY_*``)."""
    return {
        "idle_timeout_s": idle_timeout_s or settings.gateway_idle_timeout_s,
        "max_connections": settings.gateway_max_connections,
        "frame_timeout_s": settings.gateway_frame_timeout_s,
        "max_garbage_bytes": settings.gateway_max_garbage_bytes,
    }


@gateway_app.command("jt808")
def jt808(
    port: int = typer.Option(8808, help="TCP port to listen on"),
    host: str = typer.Option("0.0.0.0", help="address to bind"),
    idle_timeout_s: float = typer.Option(
        None, help="close a connection silent this long (CITYBRAIN_GATEWAY_IDLE_TIMEOUT_S)"
    ),
) -> None:
    """Accept JT/T 808 (2013/2019) terminals and publish their fixes to gps.fixes."""
    from connectors.jt808.gateway import jt808_gateway

    settings = load()
    secret = settings.jt808_auth_secret
    if secret is None:
        secret = secrets.token_hex(32)
        console.print(
            "[yellow]CITYBRAIN_JT808_AUTH_SECRET is not set: using a random key, so "
            "terminals must register again after a restart[/yellow]"
        )

    async def serve() -> None:
        gateway = jt808_gateway(
            bootstrap=settings.broker,
            secret=secret.encode(),
            **gateway_limits(settings, idle_timeout_s=idle_timeout_s),
        )
        bound = await gateway.start(host=host, port=port)
        console.print(f"JT/T 808 gateway on {bound[0]}:{bound[1]} → {settings.broker}")
        try:
            await asyncio.Event().wait()
        finally:
            await gateway.stop()

    asyncio.run(serve())


@gateway_app.command("sl651")
def sl651(
    port: int = typer.Option(8651, help="TCP port to listen on"),
    host: str = typer.Option("0.0.0.0", help="address to bind"),
    stations_csv: str = typer.Option(
        None, "--stations", help="CSV with station_id,kind,lat,lng (default: the demo county)"
    ),
) -> None:
    """Accept SL 651-2014 stations (HEX mode) and publish their readings to hydro.readings."""
    import csv

    from connectors.sl651.gateway import sl651_gateway
    from connectors.sl651.session import load_stations

    settings = load()
    if stations_csv:
        with open(stations_csv, encoding="utf-8") as handle:
            stations = load_stations(list(csv.DictReader(handle)))
    else:
        from pipelines.scenarios.demo_county import build

        stations = load_stations(build(scale=0.01).stations)
        console.print("using the demo county's station registry (--stations to give yours)")

    async def serve() -> None:
        gateway = sl651_gateway(
            bootstrap=settings.broker, stations=stations, **gateway_limits(settings)
        )
        bound = await gateway.start(host=host, port=port)
        console.print(
            f"SL 651 gateway on {bound[0]}:{bound[1]} for {len(stations)} stations "
            f"→ {settings.broker}"
        )
        try:
            await asyncio.Event().wait()
        finally:
            await gateway.stop()

    asyncio.run(serve())
