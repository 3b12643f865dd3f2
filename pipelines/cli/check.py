"""``citybrain check``: the data-quality checkpoint (Great Expectations).

Checks every landed topic's hour partitions (sources, derived topics, dead
letters) and the main marts of the published snapshot. Exit status: 0 when
everything checked meets its suite, 1 when any expectation failed (each
failure names the expectation, the file or mart, and the failing rows), 3 when
nothing matched the selection (2 is a usage error).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citybrain.settings import load
from pipelines.cli import app


class Scope(StrEnum):
    """What ``citybrain check`` looks at."""

    ALL = "all"
    LANDING = "landing"
    MARTS = "marts"


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD") from None


def _chosen(given: list[str] | None, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    chosen = tuple(given) if given else known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise typer.BadParameter(f"no suite for {what} {unknown}; known: {list(known)}")
    return chosen


@app.command("check")
def check_command(
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", help="landed topic to check (repeatable); default: all"),
    ] = None,
    mart: Annotated[
        list[str] | None,
        typer.Option("--mart", "-m", help="mart to check, schema.table (repeatable); default: all"),
    ] = None,
    scope: Annotated[Scope, typer.Option(help="the landing, the marts, or both")] = Scope.ALL,
    from_day: str = typer.Option(None, "--from", help="first date YYYY-MM-DD (inclusive)"),
    to_day: str = typer.Option(None, "--to", help="last date YYYY-MM-DD (inclusive)"),
    landing: Annotated[
        Path | None, typer.Option(help="landing root; default CITYBRAIN_LANDING_DIR")
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="published marts snapshot; default beside the warehouse")
    ] = None,
    clock_skew_s: int = typer.Option(300, help="seconds an event may lie ahead of our clock"),
    max_ids: int = typer.Option(10, help="row ids listed per failing file and expectation"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Validate the landed topics and the main marts against their expectation suites."""
    from expectations import CHECKED_TOPICS
    from expectations.checkpoint import CheckResult, check
    from expectations.findings import as_json as report_json
    from expectations.findings import render
    from expectations.mart_check import check_marts
    from expectations.marts import CHECKED_MARTS

    topics = _chosen(topic, CHECKED_TOPICS, "topics")
    marts = _chosen(mart, CHECKED_MARTS, "marts")
    if topic and not mart and scope is Scope.ALL:
        scope = Scope.LANDING
    if mart and not topic and scope is Scope.ALL:
        scope = Scope.MARTS
    settings = load()
    root = landing or settings.landing_dir
    published = snapshot or settings.published_path
    window = {"from_date": _day(from_day), "to_date": _day(to_day)}
    common = {
        "area_bounds": settings.area_bounds,
        "now_at": datetime.now(UTC),
        "clock_skew_s": clock_skew_s,
        "max_ids": max_ids,
    }
    lands, marted = CheckResult(), CheckResult()
    if scope in (Scope.ALL, Scope.LANDING):
        lands = check(root, topics=topics, **window, **common)
    if scope in (Scope.ALL, Scope.MARTS):
        marted = check_marts(published, marts=marts, **window, **common)
    if as_json:
        report = {
            "passed": not (lands.findings or marted.findings),
            "landing": report_json(
                lands.findings, batches=lands.batches, files=lands.files, rows=lands.rows
            ),
            "marts": report_json(
                marted.findings, batches=marted.batches, files=marted.files, rows=marted.rows
            ),
        }
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        if scope is not Scope.MARTS:
            typer.echo(
                render(lands.findings, batches=lands.batches, files=lands.files, rows=lands.rows)
            )
        if scope is not Scope.LANDING and not published.exists():
            typer.echo(f"citybrain check marts: no published snapshot at {published}")
        elif scope is not Scope.LANDING:
            checked = f"{marted.batches} marts, {marted.rows} rows, {published.name}"
            typer.echo(
                render(
                    marted.findings,
                    batches=marted.batches,
                    files=marted.files,
                    rows=marted.rows,
                    label="citybrain check marts",
                    checked=checked,
                )
            )
    if not (lands.batches or marted.batches):
        typer.echo(
            f"nothing to check: no landing files under {root} and no marts in "
            f"{published} in that range",
            err=True,
        )
        raise typer.Exit(3)
    if lands.findings or marted.findings:
        raise typer.Exit(1)
