"""``citybrain demo``: the whole spine on one machine, end to end.

Starts the local broker, creates the topics, starts a stream worker and the
landing sink, replays the demo county's day, waits until both have caught
up, runs the SQLMesh plan and summarises what happened.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta

import duckdb

from citybrain.contracts import SOURCE_TOPICS
from citybrain.settings import Settings
from citybrain.topics import registry
from citybrain.topics import rejected as rejected_topic
from dashboards.serve import serve
from pipelines import processes
from pipelines.broker import LocalBroker
from pipelines.desk import work_the_day
from pipelines.lag import wait_caught_up
from pipelines.plan import run_plan
from pipelines.replay import ReplayStats, replay
from pipelines.scenarios.demo_county import Scenario
from pipelines.scenarios.demo_county.reference import export as export_reference
from pipelines.topics_admin import create_topics
from streams.cases import wire
from streams.sink.agents import LANDED_TOPICS, SINK_APP_SUFFIX
from warehouse.landing import view_name


@dataclass(frozen=True)
class DemoSummary:
    """What the demo did and where its results are."""

    replay: ReplayStats
    rejected: int
    cells: int
    top_hotspots: list[tuple]
    warehouse_path: str
    plan_s: float
    flood_alerts: list[tuple] = ()
    case_states: list[tuple] = ()
    superset_url: str | None = None
    superset_login: tuple[str, str] | None = None


def consumer_groups(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Consumer groups to wait for, in dependency order: workers, then the sink."""
    return {settings.app_id: SOURCE_TOPICS, settings.app_id + SINK_APP_SUFFIX: LANDED_TOPICS}


def summarise(settings: Settings, stats: ReplayStats, plan_s: float) -> DemoSummary:
    """Read the summary figures from the warehouse (read-only)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rejected = sum(  # from the landing: the current hour is not yet in staging
            con.execute(f"SELECT COUNT(*) FROM {view_name(rejected_topic(t))}").fetchone()[0]
            for t in SOURCE_TOPICS
        )
        cells = con.execute(
            "SELECT COUNT(DISTINCT h3_res9) FROM marts.hotspot_counts_by_cell_hour"
        ).fetchone()[0]
        top = con.execute("""
            SELECT h3_res9, category, SUM(event_count) AS incidents
            FROM marts.hotspot_counts_by_cell_hour
            GROUP BY h3_res9, category ORDER BY incidents DESC, h3_res9 LIMIT 5
        """).fetchall()
        flood = con.execute("""
            SELECT level, COUNT(DISTINCT alert_id) AS alerts FROM staging.stg_alerts
            WHERE source = 'flood' AND msg_type IN ('Alert', 'Update')
            GROUP BY level ORDER BY MIN(CASE level WHEN 'blue' THEN 1 WHEN 'yellow' THEN 2
              WHEN 'orange' THEN 3 WHEN 'red' THEN 4 ELSE 5 END)
        """).fetchall()
        cases = con.execute(
            "SELECT state, COUNT(*) FROM marts.case_state_by_case GROUP BY state ORDER BY 2 DESC"
        ).fetchall()
    return DemoSummary(
        stats, rejected, cells, top, str(settings.warehouse_path), plan_s, flood, cases
    )


def run_demo(
    settings: Settings,
    scenario: Scenario,
    *,
    speed: float | None,
    on_progress=None,
    log=print,
    dashboards: bool = True,
    desk: bool = True,
) -> DemoSummary:
    """Run the demo; leaves the broker and Superset running and stops the worker and sink."""
    address = LocalBroker(settings).start()
    settings = replace(settings, broker=address)
    log(f"Kafka at {address}")
    created = asyncio.run(create_topics(address, registry(settings.app_id)))
    log(f"topics: {len(created)} created")
    export_reference(scenario, settings.reference_path)
    log(f"reference tables in {settings.reference_path}")
    log_dir = settings.home / "logs"
    children = [
        processes.start("worker", settings, log_dir=log_dir),
        processes.start("sink", settings, log_dir=log_dir),
    ]
    try:
        stats = asyncio.run(
            replay(scenario.messages, bootstrap=address, speed=speed, on_progress=on_progress)
        )
        log(
            f"replayed {stats.messages} messages in {stats.elapsed_s:.1f}s; "
            "waiting for the worker and the sink to catch up"
        )
        asyncio.run(wait_caught_up(address, consumer_groups(settings), timeout_s=600))
        if desk:
            cases_groups = {settings.app_id: (wire.ALERTS, wire.PLACES, wire.COMMANDS)}
            asyncio.run(wait_caught_up(address, cases_groups, timeout_s=600))
            sent = asyncio.run(work_the_day(settings, scenario, bootstrap=address))
            log(f"duty desk: {sent} commands (call takers, dispatchers, departments, supervisors)")
            asyncio.run(wait_caught_up(address, cases_groups, timeout_s=600))
            asyncio.run(wait_caught_up(address, consumer_groups(settings), timeout_s=600))
        for child in children:
            if not child.alive():
                raise RuntimeError(f"{child.name} died:\n{child.log_tail()}")
    finally:
        for child in children:
            child.stop()
    day_start = scenario.day - timedelta(days=1)  # the local day starts the UTC day before
    result = run_plan(
        settings,
        start=day_start.isoformat(),
        end=(scenario.day + timedelta(days=1)).isoformat(),
        restate=True,
    )
    summary = summarise(settings, stats, result.elapsed_s)
    if dashboards:
        service = serve(settings, log=log)
        if service is not None:
            summary = replace(
                summary,
                superset_url=f"{service.url}/dashboard/list/",
                superset_login=(service.admin_user, service.admin_password),
            )
    return summary
