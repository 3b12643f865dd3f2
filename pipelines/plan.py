"""Run the SQLMesh project non-interactively (``citybrain plan``).

Runs the same ``sqlmesh plan`` a data engineer runs, as a subprocess with
this process's settings in ``CITYBRAIN_*``: the DuckDB file is locked only
while it runs, and nothing of SQLMesh stays loaded in a worker or the demo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from citybrain.settings import Settings
from dashboards.snapshot import Published, publish
from pipelines.processes import settings_env

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESTATED = ("staging.*", "marts.*")
MARTS = ("marts.hotspot_counts_by_cell_hour", "marts.hotspot_stream_counts_by_cell_hour")


class PlanFailed(RuntimeError):
    """sqlmesh plan exited non-zero; the message holds its output."""


@dataclass(frozen=True)
class PlanResult:
    """What a plan run did: elapsed seconds, mart row counts, SQLMesh's output, the snapshot."""

    elapsed_s: float
    mart_rows: dict[str, int]
    output: str
    published: Published | None = None


def plan_command(*, start: str | None, end: str | None, restate: bool) -> list[str]:
    """The sqlmesh command line for a non-interactive plan of prod."""
    sqlmesh = str(Path(sys.executable).with_name("sqlmesh"))
    command = [sqlmesh, "--paths", str(PROJECT_ROOT), "plan", "--auto-apply", "--no-prompts"]
    if restate:
        for selector in RESTATED:
            command += ["--restate-model", selector]
    if start:
        command += ["--start", start]
    if end:
        command += ["--end", end]
    return command


def mart_rows(warehouse_path: Path) -> dict[str, int]:
    """Row counts of the marts (read-only; call when no plan is running)."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return {m: con.execute(f"SELECT COUNT(*) FROM {m}").fetchone()[0] for m in MARTS}


def run_plan(
    settings: Settings,
    *,
    start: str | None = None,
    end: str | None = None,
    restate: bool = False,
    timeout_s: float = 900,
) -> PlanResult:
    """Plan and apply prod; ``restate`` then recomputes staging and marts for [start, end].

    Then publishes the marts' read-only snapshot for Superset (``dashboards.snapshot``).

    A plain plan always runs first: it creates prod on a new warehouse (which
    SQLMesh requires before a restatement) and applies any model change.
    """
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_env(settings)}
    began = time.monotonic()
    commands = [plan_command(start=None, end=None, restate=False)]
    if restate:
        commands.append(plan_command(start=start, end=end, restate=True))
    output = ""
    for command in commands:
        result = subprocess.run(
            command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout_s
        )
        output += result.stdout + result.stderr
        if result.returncode != 0:
            raise PlanFailed(f"sqlmesh plan failed (exit {result.returncode}):\n{output[-4000:]}")
    rows = mart_rows(settings.warehouse_path)
    published = publish(
        settings.warehouse_path, settings.published_path, reference_dir=settings.reference_path
    )
    return PlanResult(time.monotonic() - began, rows, output, published)
