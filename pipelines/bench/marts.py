"""Benchmark: the dashboards' queries over a synthetic year of marts, p95 per query.

A temporary DuckDB file gets a synthetic year (:mod:`pipelines.bench.marts_data`:
``incidents`` incidents, each also a case). Each query is the SQL Superset
sends for a chart: the chart's grouping and metric around its dataset's SQL,
read from ``dashboards/assets/datasets/citybrain_marts/*.yaml`` (so the bench
follows the dashboards), or a direct query of a mart where no dataset reads
it yet. Every query runs once to warm up, then ``repeats`` times; the figure
is the p95 wall-clock time in ms against :data:`TARGET_P95_MS`.

Baseline, in the same process and the same file: the same question answered
from ``raw.incidents`` (one row per incident, joined to the same ``dims``),
i.e. what the dashboards would cost without the marts. ``ratio`` is baseline
p95 / mart p95, and ``agrees_with_baseline`` says both gave the same rows.
The case mart keeps the grain of its source (one row per case), so its
ratios sit near 1 by construction: its work is folding case events, which
this bench does not generate.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import yaml

from pipelines.bench.marts_data import LOCAL_OFFSET_H, YEAR_START_LOCAL, build, updated_at_sql

TARGET_P95_MS = 300.0
DATASETS_DIR = (
    Path(__file__).resolve().parents[2] / "dashboards" / "assets" / "datasets" / "citybrain_marts"
)


def dataset_sql(name: str) -> str:
    """The SQL of a Superset virtual dataset, as the dashboards bundle holds it."""
    return yaml.safe_load((DATASETS_DIR / f"{name}.yaml").read_text())["sql"]


@dataclass(frozen=True)
class Query:
    """One dashboard question: the SQL the dashboard runs and its raw-table baseline."""

    name: str
    chart: str  # the Superset chart (or the mart) it stands for
    sql: str
    baseline_sql: str


def queries(*, days: int) -> list[Query]:
    """The dashboards' typical queries over a synthetic year of ``days`` local days."""
    hotspots = f"({dataset_sql('hotspot_incidents_by_cell_hour')}) AS virtual_table"
    cell_days = f"({dataset_sql('incident_counts_by_cell_day')}) AS virtual_table"
    local_hours = f"({dataset_sql('incident_counts_by_local_hour')}) AS virtual_table"
    today = f"({dataset_sql('overview_incidents_today')}) AS virtual_table"
    cases = f"({dataset_sql('case_states')}) AS virtual_table"
    pareto = f"({dataset_sql('incident_category_pareto_latest')}) AS virtual_table"
    end_local = YEAR_START_LOCAL + timedelta(days=days)
    week_ago = f"TIMESTAMP '{end_local - timedelta(days=7):%Y-%m-%d %H:%M:%S}'"
    month_ago = f"DATE '{end_local - timedelta(days=30):%Y-%m-%d}'"
    local = f"(i.event_at + INTERVAL {LOCAL_OFFSET_H} HOUR)"
    raw = "raw.incidents AS i LEFT JOIN dims.h3_cells AS h ON h.h3_cell = i.h3_res9"
    raw_cat = f"{raw} LEFT JOIN dims.categories AS c ON c.category = i.category"
    return [
        Query(
            "incidents_today",
            "overview_incidents",
            f"SELECT SUM(event_count) AS incidents FROM {today}",
            f"SELECT COUNT(*) AS incidents FROM raw.incidents AS i WHERE CAST({local} AS DATE) = "
            f"(SELECT CAST(MAX(event_at) + INTERVAL {LOCAL_OFFSET_H} HOUR AS DATE) "
            "FROM raw.incidents)",
        ),
        Query(
            "incidents_by_street",
            "hotspot_by_street",
            f"SELECT street, SUM(incident_count) AS incidents FROM {cell_days} "
            "GROUP BY street ORDER BY incidents DESC, street LIMIT 50",
            f"SELECT h.street, COUNT(*) AS incidents FROM {raw} "
            "GROUP BY h.street ORDER BY incidents DESC, h.street LIMIT 50",
        ),
        Query(
            "incidents_hour_weekday_heatmap",
            "hotspot_hour_weekday_heatmap",
            "SELECT day_of_week_local, hour_of_day_local, SUM(incident_count) AS incidents "
            f"FROM {local_hours} GROUP BY 1, 2",
            f"SELECT ['一', '二', '三', '四', '五', '六', '日'][EXTRACT(isodow FROM {local})], "
            f"EXTRACT(hour FROM {local}), COUNT(*) FROM raw.incidents AS i GROUP BY 1, 2",
        ),
        Query(
            "top_cells",
            "hotspot_top_cells",
            "SELECT street, grid_code, h3_res9, category_name_zh, SUM(incident_count) AS incidents "
            f"FROM {cell_days} GROUP BY 1, 2, 3, 4 ORDER BY incidents DESC, 3, 4 LIMIT 20",
            "SELECT h.street, h.grid_code, i.h3_res9, c.category_name_zh, COUNT(*) AS incidents "
            f"FROM {raw_cat} GROUP BY 1, 2, 3, 4 ORDER BY incidents DESC, 3, 4 LIMIT 20",
        ),
        Query(
            "category_trend_hourly_last_7_days",
            "hotspot_trend_by_category",
            "SELECT date_trunc('hour', hour_start_local) AS hour_start_local, category_name_zh, "
            f"SUM(event_count) AS incidents FROM {hotspots} "
            f"WHERE hour_start_local >= {week_ago} GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 10000",
            f"SELECT date_trunc('hour', {local}), c.category_name_zh, COUNT(*) FROM {raw_cat} "
            f"WHERE {local} >= {week_ago} GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 10000",
        ),
        Query(
            "top_cells_last_30_days",
            "marts.incident_counts_by_cell_day",
            "SELECT h3_res9, street_name, SUM(incident_count) AS incidents "
            f"FROM marts.incident_counts_by_cell_day WHERE incident_date_local >= {month_ago} "
            "GROUP BY 1, 2 ORDER BY incidents DESC, 1 LIMIT 20",
            f"SELECT i.h3_res9, h.street, COUNT(*) AS incidents FROM {raw} "
            f"WHERE CAST({local} AS DATE) >= {month_ago} "
            "GROUP BY 1, 2 ORDER BY incidents DESC, 1 LIMIT 20",
        ),
        Query(
            "local_hour_heatmap_by_category",
            "marts.incident_counts_by_local_hour",
            "SELECT day_of_week_local, hour_of_day_local, category, SUM(incident_count) "
            "FROM marts.incident_counts_by_local_hour GROUP BY 1, 2, 3",
            f"SELECT ISODOW({local}), HOUR({local}), i.category, COUNT(*) "
            "FROM raw.incidents AS i GROUP BY 1, 2, 3",
        ),
        Query(
            "pareto_latest_month",
            "incident_pareto_latest_month",
            "SELECT category_rank, category_name_zh, incident_count, incident_share, "
            f"cumulative_incident_share, is_vital_few FROM {pareto} "
            "WHERE period_grain = 'month' LIMIT 100",
            _raw_pareto_latest_month(local),
        ),
        Query(
            "cases_by_category_and_source",
            "cases_by_category",
            f"SELECT category_name_zh, source, COUNT(*) AS cases FROM {cases} "
            "GROUP BY 1, 2 ORDER BY cases DESC, 1, 2 LIMIT 50",
            "SELECT c.category_name_zh, CASE WHEN i.is_video THEN 'video' ELSE 'citizen' END, "
            f"COUNT(*) AS cases FROM {raw_cat} GROUP BY 1, 2 ORDER BY cases DESC, 1, 2 LIMIT 50",
        ),
        Query(
            "cases_by_street",
            "cases_by_street",
            f"SELECT street, COUNT(*) AS cases FROM {cases} "
            "GROUP BY street ORDER BY cases DESC, street LIMIT 50",
            "SELECT g.street, COUNT(*) AS cases FROM raw.incidents AS i "
            "LEFT JOIN dims.grids AS g ON g.grid_code = i.grid_code "
            "GROUP BY g.street ORDER BY cases DESC, g.street LIMIT 50",
        ),
        Query(
            "cases_open_overdue_closed",
            "overview_cases, overview_overdue, cases_closed",
            "SELECT SUM(CASE WHEN is_open THEN 1 ELSE 0 END) AS open_cases, "
            "SUM(CASE WHEN is_overdue THEN 1 ELSE 0 END) AS overdue_cases, "
            f"SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed_cases FROM {cases}",
            "SELECT SUM(CASE WHEN state NOT IN ('closed', 'cancelled') THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN state IN ('dispatched', 'handled') "
            "AND event_at + INTERVAL 25 HOUR < "
            f"(SELECT MAX({updated_at_sql()}) FROM raw.incidents) THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) FROM raw.incidents",
        ),
        Query(
            "cases_reported_hourly_last_7_days",
            "cases_reported_hourly",
            "SELECT date_trunc('hour', reported_local) AS reported_local, source, COUNT(*) "
            f"FROM {cases} WHERE reported_local >= {week_ago} GROUP BY 1, 2 ORDER BY 1, 2",
            f"SELECT date_trunc('hour', {local}), "
            "CASE WHEN i.is_video THEN 'video' ELSE 'citizen' END, COUNT(*) "
            f"FROM raw.incidents AS i WHERE {local} >= {week_ago} GROUP BY 1, 2 ORDER BY 1, 2",
        ),
    ]


def _raw_pareto_latest_month(local: str) -> str:
    return f"""WITH counts AS (
          SELECT i.category, date_trunc('month', CAST({local} AS DATE)) AS month_start,
            COUNT(*) AS n
          FROM raw.incidents AS i GROUP BY 1, 2
        ), latest AS (
          SELECT * FROM counts WHERE month_start = (SELECT MAX(month_start) FROM counts)
        ), ranked AS (
          SELECT *, ROW_NUMBER() OVER w AS category_rank, SUM(n) OVER () AS total,
            SUM(n) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative
          FROM latest WINDOW w AS (ORDER BY n DESC, category)
        )
        SELECT category_rank, c.category_name_zh, n, n / total, cumulative / total,
          (cumulative - n) < 0.8 * total
        FROM ranked LEFT JOIN dims.categories AS c USING (category)"""


def p95_ms(durations_ms: list[float]) -> float:
    """95th percentile (inclusive method) of wall-clock durations in ms."""
    if len(durations_ms) == 1:
        return durations_ms[0]
    return statistics.quantiles(durations_ms, n=20, method="inclusive")[-1]


def timed_ms(con: duckdb.DuckDBPyConnection, sql: str, *, repeats: int) -> tuple[list, list]:
    """Rows of ``sql`` and ``repeats`` wall-clock durations in ms (after one warm-up run)."""
    rows = con.execute(sql).fetchall()
    durations = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        con.execute(sql).fetchall()
        durations.append((time.perf_counter() - t0) * 1000)
    return rows, durations


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Equal as multisets of rows, floats compared to 9 decimals."""

    def norm(rows: list[tuple]) -> list[tuple]:
        cleaned = [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]
        return sorted(cleaned, key=repr)

    return norm(left) == norm(right)


def bench(
    *,
    incidents: int = 10_000_000,
    days: int = 365,
    repeats: int = 20,
    rings: int = 25,
    path: Path | None = None,
) -> dict:
    """Build the synthetic year in a temporary DuckDB file, time every query; a JSON dict."""
    with tempfile.TemporaryDirectory(prefix="citybrain-bench-marts-") as tmp:
        database = path or Path(tmp) / "synthetic_year.duckdb"
        with duckdb.connect(str(database)) as con:
            t0 = time.perf_counter()
            tables = build(con, incidents=incidents, days=days, rings=rings)
            build_s = time.perf_counter() - t0
            results = {}
            for query in queries(days=days):
                rows, mart_ms = timed_ms(con, query.sql, repeats=repeats)
                raw_rows, raw_ms = timed_ms(con, query.baseline_sql, repeats=repeats)
                mart_p95, raw_p95 = p95_ms(mart_ms), p95_ms(raw_ms)
                results[query.name] = {
                    "chart": query.chart,
                    "rows": len(rows),
                    "p50_ms": round(statistics.median(mart_ms), 1),
                    "p95_ms": round(mart_p95, 1),
                    "baseline_p95_ms": round(raw_p95, 1),
                    "ratio": round(raw_p95 / mart_p95, 2),
                    "meets_target": mart_p95 <= TARGET_P95_MS,
                    "agrees_with_baseline": same_rows(rows, raw_rows),
                }
            threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        size_mb = database.stat().st_size / 1e6
    worst = max(results.values(), key=lambda r: r["p95_ms"])
    return {
        "incidents": incidents,
        "cases": tables["marts.case_state_by_case"],
        "days": days,
        "table_rows": tables,
        "database_mb": round(size_mb, 1),
        "build_s": round(build_s, 1),
        "duckdb_threads": threads,
        "repeats": repeats,
        "target_p95_ms": TARGET_P95_MS,
        "baseline": "the same question answered from raw.incidents (no marts), same process",
        "queries": results,
        "max_p95_ms": worst["p95_ms"],
        "meets_target": all(r["meets_target"] for r in results.values()),
        "all_agree_with_baseline": all(r["agrees_with_baseline"] for r in results.values()),
    }


__all__ = ["TARGET_P95_MS", "Query", "bench", "p95_ms", "queries", "same_rows"]
