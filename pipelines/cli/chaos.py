"""``citybrain chaos``: crash the workers and the broker during the demo day; compare outputs."""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path

import typer

from citybrain.settings import load
from pipelines.cli import app


def human_line(report: dict) -> str:
    """One run as a line of text."""
    if report.get("clean"):
        total = report["timings_s"].get("total")
        if report.get("read_from"):
            return f"clean run: read from {report['read_from']}, rows {report['rows']}"
        return f"clean run: {report['messages']} messages, rows {report['rows']}, {total}s"
    if "error" in report:
        return f"run {report['run']}: FAILED {report['error'][-500:]}"
    kills = ", ".join(f"{k['process']}@{k['at_s']}s/{k['at_message']}" for k in report["kills"])
    sections = " ".join(f"{s}={v['status']}" for s, v in report["outputs"].items())
    verdict = "MATCH" if report["matched"] else "MISMATCH"
    if not report["matched"] and report.get("matched_apart_from_case_grouping"):
        verdict += " (case grouping only)"
    restarts = len(report["broker_restart"] or ())
    exits = len(report["unexpected_exits"])
    return (
        f"run {report['run']} (seed {report['seed']}): {verdict} {sections}; "
        f"{len(report['kills'])} kills [{kills}]; broker restarts {restarts}; "
        f"unexpected exits {exits}; {report['timings_s'].get('total')}s"
        + grouping_note(report.get("case_grouping"))
    )


def grouping_note(grouping: dict | None) -> str:
    """How case grouping differed, when it did (``pipelines.chaos.grouping``)."""
    if not grouping or not (grouping["other_opener"] or grouping["sets_only_in_run"]):
        return ""
    sources = ", ".join(f"{k} {v}" for k, v in grouping["opener_sources"].items())
    return (
        f"; case grouping: {grouping['other_opener']} of {grouping['signal_cases']} cases "
        f"opened by another signal ({sources}; up to {grouping['opener_gap_min']['max']} min "
        f"apart), {grouping['sets_only_in_run']} grouped otherwise"
    )


@app.command()
def chaos(
    runs: int = typer.Option(20, min=0, help="fault runs after the clean run"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON document at the end"),
    seed: int = typer.Option(1, help="seed of the fault plans"),
    workers: int = typer.Option(1, min=1, max=2, help="stream workers sharing the partitions"),
    kills_per_run: int = typer.Option(20, min=0, help="SIGKILLs per run (worker, sometimes sink)"),
    scale: float = typer.Option(0.4, help="event-rate multiplier of the demo county's day"),
    clean_runs: int = typer.Option(1, min=1, help="clean runs; repeats are compared to the first"),
    broker_restart: bool = typer.Option(True, help="restart the broker mid-stream in every run"),
    workdir: str = typer.Option("", help="where the runs' homes go (default: a temp dir)"),
    keep: bool = typer.Option(False, help="keep each run's home (logs, landing, warehouse)"),
    reference: str = typer.Option(
        "", help="clean run's outputs: read if the file exists, else run and write there"
    ),
) -> None:
    """Replay the demo day under SIGKILLs and a broker restart; every output must match."""
    from pipelines.chaos.series import run_series

    # SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C, so each run's ``finally`` stops its
    # workers, sink and broker instead of leaving them running without a parent
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="citybrain-chaos-"))
    log = (lambda _: None) if as_json else (lambda text: print(text, flush=True))
    reports = []
    for report in run_series(
        load(),
        runs=runs,
        seed=seed,
        workers=workers,
        kills=kills_per_run,
        scale=scale,
        workdir=root,
        clean_runs=clean_runs,
        broker_restart=broker_restart,
        keep=keep,
        reference=Path(reference) if reference else None,
        log=log,
    ):
        reports.append(report)
        print(json.dumps(report), file=sys.stderr, flush=True) if as_json else log(
            human_line(report)
        )
    faulty = [r for r in reports if not r.get("clean")]
    failed = [r["run"] for r in faulty if not r.get("matched")]
    beyond_grouping = [r["run"] for r in faulty if not r.get("matched_apart_from_case_grouping")]
    if as_json:
        summary = {
            "runs": reports,
            "all_matched": not failed,
            "all_matched_apart_from_case_grouping": not beyond_grouping,
        }
        print(json.dumps(summary, indent=1))
    else:
        print("all runs matched" if not failed else f"runs that did not match: {failed}")
        if failed:
            print(f"runs with differences beyond case grouping: {beyond_grouping}")
    raise typer.Exit(1 if failed else 0)
