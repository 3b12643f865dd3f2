"""``citybrain soak``: broker, worker and sink under the looped demo day, memory over time."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from pipelines.cli import app

console = Console(width=400)
progress = Console(stderr=True, width=400)  # the series while --json keeps stdout for JSON


def _line(sample) -> str:
    rss = "  ".join(
        f"{name} {v:7.1f}" if v is not None else f"{name}    gone"
        for name, v in sorted(sample.rss_mib.items())
    )
    lag = "  ".join(f"{k} {v if v is not None else '-'}" for k, v in sorted(sample.lag.items()))
    tables = "  ".join(
        f"{t} {sample.table_keys.get(t, 0)}/{sample.table_bytes.get(t, 0) / 1024:.0f}K"
        for t in sorted(sample.table_bytes)
    )
    return f"{sample.t_s:7.0f}s {sample.messages:9d} msgs | RSS MiB {rss} | lag {lag} | {tables}"


@app.command()
def soak(
    minutes: float = typer.Option(30.0, help="how long to publish"),
    rate_x: float = typer.Option(10.0, "--rate-x", help="× the demo county's real-time rate"),
    sample_s: float = typer.Option(60.0, "--sample-s", help="seconds between samples"),
    start_hour: float = typer.Option(
        0.0, "--start-hour", help="local hour of the county's day the replay starts at (0-23)"
    ),
    desk: bool = typer.Option(
        True, "--desk/--no-desk", help="people work the cases to their end as the day goes on"
    ),
    retire_after_h: float = typer.Option(
        1.0,
        "--retire-after-h",
        help="event-time hours after their day that ended cases, then their tombstones, "
        "leave the worker's tables (the worker's own default is 720)",
    ),
    warmup_s: float = typer.Option(300.0, "--warmup-s", help="samples before this are not judged"),
    max_growth_mib: float = typer.Option(
        64.0, "--max-growth-mib", help="allowed RSS growth of the worker and sink after warm-up"
    ),
    broker_max_growth_mib: float = typer.Option(
        256.0, "--broker-max-growth-mib", help="allowed RSS growth of the broker's JVM"
    ),
    max_table_growth_kib: float = typer.Option(
        512.0, "--max-table-growth-kib", help="allowed growth of each faust table's bytes"
    ),
    home: str = typer.Option("", help="citybrain home for the soak (default: a temp dir)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON document at the end"),
) -> None:
    """Soak the stack at RATE_X × real time; exit 1 if memory or tables outgrow the bound."""
    from pipelines.soak.run import run_soak
    from pipelines.soak.verdict import Bound, judge

    if minutes <= 0 or rate_x <= 0 or sample_s <= 0:
        raise typer.BadParameter("--minutes, --rate-x and --sample-s must be positive")
    if not 0 <= start_hour < 24:
        raise typer.BadParameter("--start-hour must be in [0, 24)")
    if retire_after_h < 0:
        raise typer.BadParameter("--retire-after-h must not be negative")
    bound = Bound(
        warmup_s=warmup_s,
        rss_growth_mib={
            "worker": max_growth_mib,
            "sink": max_growth_mib,
            "broker": broker_max_growth_mib,
        },
        table_growth_kib=max_table_growth_kib,
    )
    own_home = not home
    home = Path(tempfile.mkdtemp(prefix="citybrain-soak-")) if own_home else Path(home)
    log = progress.print if as_json else console.print
    try:
        samples, published = run_soak(
            home,
            minutes=minutes,
            rate_x=rate_x,
            sample_s=sample_s,
            start_hour=start_hour,
            desk=desk,
            retire_after_h=retire_after_h,
            on_sample=lambda s: log(_line(s)),
            log=log,
        )
    finally:
        if own_home:
            shutil.rmtree(home, ignore_errors=True)
    verdict = judge(samples, bound)
    if as_json:
        doc = {
            "minutes": minutes,
            "rate_x": rate_x,
            "sample_s": sample_s,
            "start_hour": start_hour,
            "desk": desk,
            "retire_after_h": retire_after_h,
            "messages": published.messages,
            "desk_commands": published.desk_commands,
            "laps": round(published.laps, 3),
            "bound": {
                "warmup_s": bound.warmup_s,
                "rss_growth_mib": bound.rss_growth_mib,
                "table_growth_kib": bound.table_growth_kib,
            },
            "samples": [s.to_json() for s in samples],
            "verdict": verdict.to_json(),
        }
        print(json.dumps(doc, ensure_ascii=False))
    else:
        console.print(
            f"{published.messages} messages ({published.laps:.2f} days of the county) "
            f"at {rate_x:g}× real time; the duty desk sent {published.desk_commands} commands"
        )
        console.print(f"RSS growth after warm-up (MiB): {verdict.rss_growth_mib}")
        console.print(f"table growth after warm-up (KiB): {verdict.table_growth_kib}")
        for problem in verdict.broken:
            console.print(f"[red]{problem}[/red]")
        verdict_text = (
            "[green]within the bound[/green]" if verdict.ok else "[red]bound broken[/red]"
        )
        console.print(verdict_text)
    if not verdict.ok:
        raise typer.Exit(1)
