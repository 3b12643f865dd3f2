"""Run the SQLMesh project non-interactively (``citybrain plan``).

Runs the same ``sqlmesh plan`` a data engineer runs, as a subprocess with
this process's settings in ``CITYBRAIN_*``: the DuckDB file is locked only
while it runs, and nothing of SQLMesh stays loaded in a worker or the demo.

``gateway="postgres"`` plans the same models on PostgreSQL (``CITYBRAIN_PG_*``,
or an explicit :class:`~warehouse.postgres.PgConnection`): the landing files
not loaded yet and the reference tables are copied in first
(:mod:`warehouse.pg_load`). Superset's snapshot is DuckDB's and is published
only on the duckdb gateway.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from citybrain.settings import Settings
from dashboards.snapshot import Published, publish
from pipelines.processes import settings_env
from warehouse.postgres import PgConnection

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESTATED = ("staging.*", "marts.*")
GATEWAYS = ("duckdb", "postgres")
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
    gateway: str = "duckdb"
    loaded_files: int = 0


def plan_command(
    *,
    start: str | None,
    end: str | None,
    restate: bool,
    gateway: str = "duckdb",
    tests: bool = True,
) -> list[str]:
    """The sqlmesh command line for a non-interactive plan of prod on a gateway.

    ``tests=False`` skips the project's unit tests, which every plan runs first
    otherwise (6 s here): for a restatement right after a plain plan of the same
    models, which has just run them.
    """
    sqlmesh = str(Path(sys.executable).with_name("sqlmesh"))
    command = [sqlmesh, "--paths", str(PROJECT_ROOT), "--gateway", gateway]
    command += ["plan", "--auto-apply", "--no-prompts"]
    if not tests:
        command.append("--skip-tests")
    if restate:
        for selector in RESTATED:
            command += ["--restate-model", selector]
    if start:
        command += ["--start", start]
    if end:
        command += ["--end", end]
    return command


def restatement_needed(*, warehouse_was_new: bool, end: str | None, today: date) -> bool:
    """Whether a restatement after the plain plan recomputes anything.

    On a warehouse the plain plan has just created it does not: that plan
    computed every interval up to now from the landing as it is, and the
    restatement would compute the same rows again (15 s on the demo day).
    Unless the range ends after today, in intervals the plain plan left for later.
    """
    if not warehouse_was_new:
        return True
    return end is not None and date.fromisoformat(end[:10]) > today


def mart_rows(warehouse_path: Path) -> dict[str, int]:
    """Row counts of the marts (read-only; call when no plan is running)."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        return {m: con.execute(f"SELECT COUNT(*) FROM {m}").fetchone()[0] for m in MARTS}


def pg_mart_rows(pg: PgConnection) -> dict[str, int]:
    """Row counts of the marts on the postgres gateway."""
    con = pg.connect()
    try:
        with con, con.cursor() as cur:
            counts = {}
            for mart in MARTS:
                cur.execute(f"SELECT COUNT(*) FROM {mart}")
                counts[mart] = cur.fetchone()[0]
            return counts
    finally:
        con.close()


def run_plan(
    settings: Settings,
    *,
    start: str | None = None,
    end: str | None = None,
    restate: bool = False,
    timeout_s: float = 900,
    gateway: str = "duckdb",
    pg: PgConnection | None = None,
) -> PlanResult:
    """Plan and apply prod; ``restate`` then recomputes staging and marts for [start, end].

    Then publishes the marts' read-only snapshot for Superset (``dashboards.snapshot``).

    A plain plan always runs first: it creates prod on a new warehouse (which
    SQLMesh requires before a restatement) and applies any model change, after
    the project's unit tests; the restatement then skips them. On a DuckDB
    warehouse this call created, the restatement is left out when the plain
    plan already computed its range (:func:`restatement_needed`).
    """
    if gateway not in GATEWAYS:
        raise ValueError(f"gateway must be one of {GATEWAYS}; got {gateway!r}")
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    new = gateway == "duckdb" and not settings.warehouse_path.exists()
    today = datetime.now(UTC).date()
    restate = restate and restatement_needed(warehouse_was_new=new, end=end, today=today)
    env = {**os.environ, **settings_env(settings)}
    began = time.monotonic()
    loaded_files = 0
    if gateway == "postgres":
        from warehouse.pg_load import load_all

        pg = pg or PgConnection.from_env(env)
        env.update(pg.env())
        report = load_all(
            pg, landing_dir=settings.landing_dir, reference_dir=settings.reference_path
        )
        loaded_files = sum(report.files.values())
    commands = [plan_command(start=None, end=None, restate=False, gateway=gateway)]
    if restate:
        restatement = plan_command(start=start, end=end, restate=True, gateway=gateway, tests=False)
        commands.append(restatement)
    output = ""
    for command in commands:
        result = subprocess.run(
            command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout_s
        )
        output += result.stdout + result.stderr
        if result.returncode != 0:
            raise PlanFailed(f"sqlmesh plan failed (exit {result.returncode}):\n{output[-4000:]}")
    if gateway == "postgres":
        rows = pg_mart_rows(pg)
        elapsed_s = time.monotonic() - began
        return PlanResult(elapsed_s, rows, output, None, gateway, loaded_files)
    rows = mart_rows(settings.warehouse_path)
    published = publish(
        settings.warehouse_path, settings.published_path, reference_dir=settings.reference_path
    )
    return PlanResult(time.monotonic() - began, rows, output, published)
