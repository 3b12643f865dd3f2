"""``citybrain bench ...``: measured performance, printed as JSON."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import typer

from citybrain.settings import Settings, load
from pipelines.cli import app

bench_app = typer.Typer(
    help="Benchmarks: against a real local Kafka, or in process.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@contextmanager
def bench_home(*, create_topics: bool = True, **env: str) -> Iterator[Settings]:
    """Settings of a temporary citybrain home with its own local broker (stopped afterwards).

    The registry's topics are created unless ``create_topics`` is False (a
    benchmark that declares its own). ``env`` adds ``CITYBRAIN_*`` variables.
    """
    from citybrain.topics import registry
    from pipelines.broker import LocalBroker
    from pipelines.topics_admin import create_topics as create

    base = load()
    with tempfile.TemporaryDirectory(prefix="citybrain-bench-") as home:
        settings = load(
            {
                "HOME": home,
                "CITYBRAIN_HOME": home,
                "CITYBRAIN_CACHE_DIR": str(base.cache_dir),
                **env,
            }
        )
        broker = LocalBroker(settings)
        address = broker.start()
        try:
            if create_topics:
                asyncio.run(create(address, registry(settings.app_id)))
            yield replace(settings, broker=address)
        finally:
            broker.stop()


@bench_app.command("hotspots")
def hotspots(
    events: int = typer.Option(100_000, help="events to run through each agent"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Hotspot agent vs a naive per-event faust agent, same events, same broker."""
    from pipelines.bench.hotspots import bench

    with bench_home() as settings:
        result = asyncio.run(bench(settings, n_events=events))
    if not as_json:
        typer.echo(f"naive agent   {result['naive_events_per_s']:>12,.0f} events/s")
        typer.echo(f"hotspot agent {result['hotspot_events_per_s']:>12,.0f} events/s")
        typer.echo(f"ratio         {result['ratio']:>12}x")
    typer.echo(json.dumps(result))


@bench_app.command("jt808")
def jt808(
    frames_count: int = typer.Option(100_000, "--frames", help="location frames to parse"),
    terminals: int = typer.Option(500, help="concurrent simulated terminals"),
    fixes_each: int = typer.Option(20, help="fixes each terminal reports"),
    hold: int = typer.Option(10_000, help="terminals held connected at once (0: skip)"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """JT/T 808 frames parsed per second, fixes delivered, terminals held at once."""
    from pipelines.bench.jt808 import bench

    with bench_home() as settings:
        result = bench(
            settings.broker,
            frames_count=frames_count,
            terminals=terminals,
            fixes_each=fixes_each,
            hold_terminals=hold,
        )
    if not as_json:
        typer.echo(f"parse    {result['parse_frames_per_s']:>12,.0f} frames/s")
        typer.echo(f"deliver  {result['delivered_fixes_per_s']:>12,.0f} fixes/s")
    typer.echo(json.dumps(result))


@bench_app.command("flood")
def flood(
    messages: int = typer.Option(300, help="alert messages to time"),
    stations: int = typer.Option(20, help="underpass stations the readings come from"),
    rate: float = typer.Option(100.0, help="readings produced per second"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Reading → flood alert on the live stream (p50/p99) vs the broker's own round trip."""
    from pipelines.bench.flood import bench
    from pipelines.broker import free_port

    with bench_home(CITYBRAIN_WEB_PORT=str(free_port())) as settings:
        result = asyncio.run(bench(settings, n_messages=messages, n_stations=stations, rate=rate))
    if not as_json:
        typer.echo(f"reading → alert p50 {result['flood_p50_ms']:>8.1f} ms")
        typer.echo(f"reading → alert p99 {result['flood_p99_ms']:>8.1f} ms")
        typer.echo(f"broker round trip p99 {result['baseline_roundtrip_p99_ms']:>6.1f} ms")
        typer.echo(f"ratio (p99)         {result['ratio_p99']:>8}x")
    typer.echo(json.dumps(result))


@bench_app.command("cases")
def cases(
    rate: float = typer.Option(1000.0, help="alerts produced per second"),
    seconds: float = typer.Option(20.0, help="how long to produce at that rate"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Alert → dispatched latency of the case engine (p50/p99) vs three bare faust hops."""
    from pipelines.bench.cases import bench

    with bench_home(create_topics=False) as settings:  # the bench declares its own topics
        result = asyncio.run(bench(settings, rate_per_s=rate, duration_s=seconds))
    if not as_json:
        typer.echo(f"alert → dispatched p50 {result['dispatch_p50_ms']:>8} ms")
        typer.echo(f"alert → dispatched p99 {result['dispatch_p99_ms']:>8} ms")
        typer.echo(f"three bare hops p99    {result['baseline_three_hops_p99_ms']:>8} ms")
        typer.echo(f"ratio (p99)            {result['ratio_p99']:>8}x")
    typer.echo(json.dumps(result))


@bench_app.command("vehicles")
def vehicles(
    corridors: int = typer.Option(1_000, help="muck-transport permit corridors"),
    fixes: int = typer.Option(200_000, help="fixes through the indexed check and the core"),
    naive_fixes: int = typer.Option(5_000, help="fixes through the naive scan (it is slow)"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Geofence checks of muck-truck fixes: STRtree-indexed vs a scan of every corridor."""
    from pipelines.bench.vehicles import bench

    result = bench(corridors=corridors, n_fixes=fixes, naive_fixes=naive_fixes)
    if not as_json:
        typer.echo(f"indexed check {result['indexed_fixes_per_s']:>12,.0f} fixes/s")
        typer.echo(f"naive scan    {result['naive_fixes_per_s']:>12,.0f} fixes/s")
        typer.echo(f"ratio         {result['ratio']:>12}x")
        typer.echo(f"whole core    {result['core_fixes_per_s']:>12,.0f} fixes/s")
    typer.echo(json.dumps(result))


@bench_app.command("video")
def video(
    cameras: int = typer.Option(50, help="cameras"),
    objects: int = typer.Option(12, help="objects in each camera's view"),
    messages: int = typer.Option(300_000, help="detection messages through the rules"),
    naive_messages: int = typer.Option(60_000, help="messages through the naive baseline"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Detection messages/s through the video rules vs a naive per-message recomputation."""
    from pipelines.bench.video import bench

    result = bench(
        cameras=cameras, objects=objects, n_messages=messages, naive_messages=naive_messages
    )
    if not as_json:
        typer.echo(f"rules         {result['rules_messages_per_s']:>12,.0f} messages/s")
        typer.echo(f"naive         {result['naive_messages_per_s']:>12,.0f} messages/s")
        typer.echo(f"ratio         {result['ratio']:>12}x")
        typer.echo(f"decode alone  {result['decode_messages_per_s']:>12,.0f} messages/s")
    typer.echo(json.dumps(result))


@bench_app.command("marts")
def marts(
    incidents: int = typer.Option(10_000_000, help="incidents (each also a case) in the year"),
    days: int = typer.Option(365, help="local days the incidents spread over"),
    repeats: int = typer.Option(20, help="timed runs of each query (after one warm-up)"),
    as_json: bool = typer.Option(False, "--json", help="print only the JSON result"),
) -> None:
    """Dashboard queries over a synthetic year of marts (p95 vs 300 ms) vs the raw table."""
    from pipelines.bench.marts import TARGET_P95_MS, bench

    result = bench(incidents=incidents, days=days, repeats=repeats)
    if not as_json:
        typer.echo(f"{incidents:,} incidents over {days} days, built in {result['build_s']} s")
        for name, q in result["queries"].items():
            agree = "" if q["agrees_with_baseline"] else "  DISAGREES with baseline"
            typer.echo(
                f"{name:<36} p95 {q['p95_ms']:>8.1f} ms  raw {q['baseline_p95_ms']:>8.1f} ms"
                f"  ratio {q['ratio']:>5}x{agree}"
            )
        verdict = "meets" if result["meets_target"] else "misses"
        typer.echo(
            f"worst p95 {result['max_p95_ms']} ms: {verdict} the {TARGET_P95_MS:.0f} ms target"
        )
    typer.echo(json.dumps(result, ensure_ascii=False))
