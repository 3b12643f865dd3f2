"""``citybrain check``: the landing's data-quality checkpoint (Great Expectations).

Exit status: 0 when every checked file meets its suite, 1 when any expectation
failed (each failure names the expectation, the file and the failing event
ids), 3 when no landing file matched the selection (2 is a usage error).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from citybrain.settings import load
from pipelines.cli import app


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD") from None


@app.command("check")
def check_command(
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", help="source topic to check (repeatable); default: all five"),
    ] = None,
    from_day: str = typer.Option(None, "--from", help="first UTC date YYYY-MM-DD (inclusive)"),
    to_day: str = typer.Option(None, "--to", help="last UTC date YYYY-MM-DD (inclusive)"),
    landing: Annotated[
        Path | None, typer.Option(help="landing root; default CITYBRAIN_LANDING_DIR")
    ] = None,
    clock_skew_s: int = typer.Option(300, help="seconds an event may lie ahead of our clock"),
    max_ids: int = typer.Option(10, help="event ids listed per failing file and expectation"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Validate the landed source topics against their expectation suites."""
    from expectations import CHECKED_TOPICS
    from expectations.checkpoint import check
    from expectations.findings import as_json as report_json
    from expectations.findings import render

    topics = tuple(topic) if topic else CHECKED_TOPICS
    unknown = sorted(set(topics) - set(CHECKED_TOPICS))
    if unknown:
        raise typer.BadParameter(f"no suite for {unknown}; checked topics: {list(CHECKED_TOPICS)}")
    settings = load()
    root = landing or settings.landing_dir
    result = check(
        root,
        area_bounds=settings.area_bounds,
        now_at=datetime.now(UTC),
        topics=topics,
        from_date=_day(from_day),
        to_date=_day(to_day),
        clock_skew_s=clock_skew_s,
        max_ids=max_ids,
    )
    counts = {"batches": result.batches, "files": result.files, "rows": result.rows}
    if as_json:
        typer.echo(json.dumps(report_json(result.findings, **counts), ensure_ascii=False))
    else:
        typer.echo(render(result.findings, **counts))
    if not result.batches:
        typer.echo(f"no landing files of {list(topics)} under {root} in that range", err=True)
        raise typer.Exit(3)
    if result.findings:
        raise typer.Exit(1)
