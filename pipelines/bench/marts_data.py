"""A synthetic year of incidents and cases, in the shape of the marts the dashboards query.

Everything is generated inside DuckDB from ``range()`` and ``hash()`` (no
Python loop over rows), so ten million incidents take seconds, and the same
arguments give the same data. Written into the connection's
database:

* ``raw.incidents`` — one row per incident, which is also one case: UTC
  ``event_at``, H3 res-9 cell, category, video or citizen, and the case's
  state, department and clocks. The baseline queries read this table.
* ``dims.h3_cells``, ``dims.categories``, ``dims.departments``, ``dims.grids``
  — as :mod:`dashboards.snapshot` publishes them for Superset.
* ``marts.hotspot_counts_by_cell_hour``, ``marts.incident_counts_by_cell_day``,
  ``marts.incident_counts_by_local_hour``,
  ``marts.incident_category_pareto_by_period``, ``marts.case_state_by_case`` —
  the columns and grains of the SQLMesh models of the same names, each sorted
  by its time column as incremental loads leave them.

Shape: cells are the H3 res-9 rings around the demo county centre, hotter
towards the centre; categories follow a steep Pareto; local hours lean
towards the evening. Days are Asia/Shanghai local (UTC+8, no DST).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import h3
import pyarrow as pa

from citybrain.categories import CATEGORIES, VIDEO_CATEGORIES
from dashboards.snapshot import cell_rows

CENTRE_LAT, CENTRE_LNG = 30.25, 120.15  # the demo county (CITYBRAIN_AREA_BOUNDS default)
LOCAL_OFFSET_H = 8  # Asia/Shanghai
YEAR_START_LOCAL = datetime(2025, 7, 1)  # local midnight; the year runs 365 days from here
DEPARTMENTS = 12
STREETS = (
    "文新街道",
    "古荡街道",
    "西溪街道",
    "翠苑街道",
    "北山街道",
    "灵隐街道",
    "蒋村街道",
    "留下街道",
)
CELLS_PER_GRID = 20


def year_start_at() -> datetime:
    """UTC instant of the first local midnight of the synthetic year."""
    return (YEAR_START_LOCAL - timedelta(hours=LOCAL_OFFSET_H)).replace(tzinfo=UTC)


def ring_cells(*, rings: int) -> list[str]:
    """H3 res-9 cells around the centre, ring by ring (index 0 is the centre cell)."""
    centre = h3.latlng_to_cell(CENTRE_LAT, CENTRE_LNG, 9)
    return [c for k in range(rings + 1) for c in sorted(h3.grid_ring(centre, k))]


def _uniform(salt: int) -> str:
    """SQL for a deterministic uniform [0, 1) draw per row ``i`` (one stream per salt)."""
    return f"((hash(i * 16 + {salt}) % 1000003) / 1000003.0)"


def write_dimensions(con: duckdb.DuckDBPyConnection, *, rings: int) -> int:
    """Create ``dims.*`` and ``raw.cells`` (cell index → cell); return the cell count."""
    cells = ring_cells(rings=rings)
    shapes = cell_rows(cells)  # sorted by cell id: (cell, res, lat, lng, geojson, ring)
    by_cell = {row[0]: row for row in shapes}
    columns = ("h3_cell", "h3_resolution", "centre_lat", "centre_lng", "boundary_geojson")
    cell_table = pa.table(
        {
            **{name: [by_cell[c][k] for c in cells] for k, name in enumerate(columns)},
            "boundary_ring_lnglat": [by_cell[c][5] for c in cells],
            "grid_code": [f"G{i // CELLS_PER_GRID:04d}" for i in range(len(cells))],
            "street": [STREETS[i // CELLS_PER_GRID % len(STREETS)] for i in range(len(cells))],
            "cell_index": list(range(len(cells))),
            "h3_res8": [h3.cell_to_parent(c, 8) for c in cells],
            "h3_res7": [h3.cell_to_parent(c, 7) for c in cells],
        }
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS dims")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.register("cell_table", cell_table)
    con.execute(
        "CREATE TABLE dims.h3_cells AS SELECT h3_cell, h3_resolution::INT AS h3_resolution, "
        "centre_lat, centre_lng, boundary_geojson, boundary_ring_lnglat, grid_code, street "
        "FROM cell_table"
    )
    con.execute(
        "CREATE TABLE raw.cells AS SELECT cell_index::INT AS cell_index, h3_cell, centre_lat, "
        "centre_lng, grid_code, street, h3_res8, h3_res7 FROM cell_table"
    )
    con.unregister("cell_table")
    con.execute(
        "CREATE TABLE dims.categories (category TEXT PRIMARY KEY, category_name_zh TEXT, "
        "is_video_category BOOLEAN, category_index INT)"
    )
    con.executemany(
        "INSERT INTO dims.categories VALUES (?, ?, ?, ?)",
        [
            (code, name, code in VIDEO_CATEGORIES, i)
            for i, (code, name) in enumerate(CATEGORIES.items())
        ],
    )
    con.execute(
        f"""CREATE TABLE dims.departments AS
            SELECT printf('D%02d', i) AS department_id, printf('处置部门 %02d', i) AS name
            FROM range({DEPARTMENTS}) t(i)"""
    )
    con.execute(
        "CREATE TABLE dims.grids AS SELECT grid_code, ANY_VALUE(street) AS street "
        "FROM dims.h3_cells GROUP BY grid_code"
    )
    return len(cells)


def write_incidents(
    con: duckdb.DuckDBPyConnection, *, incidents: int, days: int, cells: int
) -> None:
    """Create ``raw.incidents``: ``incidents`` rows over ``days`` local days."""
    start = year_start_at().strftime("%Y-%m-%d %H:%M:%S")
    n_categories = len(CATEGORIES)
    con.execute(
        f"""CREATE TABLE raw.incidents AS
        WITH draws AS (
          SELECT i,
            floor({_uniform(0)} * {days})::BIGINT AS day_index,
            floor(24 * pow({_uniform(1)}, 0.7))::BIGINT AS local_hour, /* evening-heavy */
            floor({_uniform(2)} * 3600)::BIGINT AS second_of_hour,
            floor({cells} * pow({_uniform(3)}, 3))::INT AS cell_index, /* hot centre */
            floor({n_categories} * pow({_uniform(4)}, 2.5))::INT AS category_index, /* Pareto */
            {_uniform(5)} AS u_state,
            {_uniform(6)} AS u_video,
            floor({_uniform(7)} * 72)::BIGINT AS handling_h
          FROM range({incidents}) t(i)
        ), timed AS (
          SELECT *, TIMESTAMP '{start}'
            + to_seconds(day_index * 86400 + local_hour * 3600 + second_of_hour) AS event_at
          FROM draws
        )
        SELECT
          timed.i AS incident_id,
          printf('C%09d', timed.i) AS case_id,
          timed.event_at,
          cells.h3_cell AS h3_res9,
          categories.category,
          (categories.is_video_category AND u_video < 0.6) AS is_video,
          CASE WHEN u_state < 0.80 THEN 'closed' WHEN u_state < 0.88 THEN 'dispatched'
               WHEN u_state < 0.93 THEN 'handled' WHEN u_state < 0.97 THEN 'registered'
               ELSE 'cancelled' END AS state,
          printf('D%02d', timed.i % {DEPARTMENTS}) AS department_id,
          cells.grid_code,
          cells.centre_lat AS lat,
          cells.centre_lng AS lng,
          timed.handling_h
        FROM timed
        JOIN raw.cells AS cells USING (cell_index)
        JOIN dims.categories AS categories USING (category_index)
        ORDER BY timed.event_at"""
    )


def write_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``marts.*`` tables from ``raw.incidents`` (model columns and grains)."""
    local = f"INTERVAL {LOCAL_OFFSET_H} HOUR"
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        """CREATE TABLE marts.hotspot_counts_by_cell_hour AS
        SELECT h3_res9::TEXT AS h3_res9, category::TEXT AS category,
          date_trunc('hour', event_at)::TIMESTAMP AS hour_start_at,
          SUM(is_video::INT)::BIGINT AS video_detection_count,
          SUM((NOT is_video)::INT)::BIGINT AS citizen_report_count,
          COUNT(*)::BIGINT AS event_count
        FROM raw.incidents GROUP BY ALL ORDER BY hour_start_at"""
    )
    con.execute(
        f"""CREATE TABLE marts.incident_counts_by_cell_day AS
        WITH days AS (
          SELECT h3_res9, category, CAST(hour_start_at + {local} AS DATE) AS incident_date_local,
            SUM(video_detection_count) AS video_detection_count,
            SUM(citizen_report_count) AS citizen_report_count, SUM(event_count) AS incident_count
          FROM marts.hotspot_counts_by_cell_hour GROUP BY ALL
        )
        SELECT days.incident_date_local::DATE AS incident_date_local,
          ISODOW(days.incident_date_local)::INT AS day_of_week_local,
          days.h3_res9::TEXT AS h3_res9,
          cells.h3_res8::TEXT AS h3_res8, cells.h3_res7::TEXT AS h3_res7,
          cells.centre_lat::DOUBLE AS cell_centre_lat, cells.centre_lng::DOUBLE AS cell_centre_lng,
          cells.grid_code::TEXT AS grid_code, cells.street::TEXT AS street_name,
          NULL::TEXT AS community_name,
          days.category::TEXT AS category, categories.category_name_zh::TEXT AS category_name_zh,
          days.video_detection_count::BIGINT AS video_detection_count,
          days.citizen_report_count::BIGINT AS citizen_report_count,
          days.incident_count::BIGINT AS incident_count
        FROM days
        JOIN raw.cells AS cells ON cells.h3_cell = days.h3_res9
        JOIN dims.categories AS categories USING (category)
        ORDER BY incident_date_local"""
    )
    con.execute(
        f"""CREATE TABLE marts.incident_counts_by_local_hour AS
        SELECT CAST(hour_start_at + {local} AS DATE)::DATE AS incident_date_local,
          ISODOW(CAST(hour_start_at + {local} AS DATE))::INT AS day_of_week_local,
          HOUR(hour_start_at + {local})::INT AS hour_of_day_local,
          category::TEXT AS category,
          ANY_VALUE(categories.category_name_zh)::TEXT AS category_name_zh,
          SUM(video_detection_count)::BIGINT AS video_detection_count,
          SUM(citizen_report_count)::BIGINT AS citizen_report_count,
          SUM(event_count)::BIGINT AS incident_count,
          COUNT(DISTINCT h3_res9)::BIGINT AS cell_count
        FROM marts.hotspot_counts_by_cell_hour
        JOIN dims.categories AS categories USING (category)
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 3"""
    )
    con.execute(PARETO_SQL)
    con.execute(
        f"""CREATE TABLE marts.case_state_by_case AS
        WITH cases AS (
        SELECT case_id::TEXT AS case_id, state::TEXT AS state,
          (3 + (state = 'closed')::INT * 4)::INT AS case_version,
          (3 + (state = 'closed')::INT * 4)::BIGINT AS event_count,
          department_id::TEXT AS department_id,
          (state IN ('dispatched', 'handled'))::BOOLEAN AS is_held_by_department,
          category::TEXT AS category,
          (CASE WHEN is_video THEN 'video' ELSE 'citizen' END)::TEXT AS source,
          grid_code::TEXT AS grid_code, NULL::TEXT AS requested_urgency,
          lat::DOUBLE AS lat, lng::DOUBLE AS lng,
          event_at::TIMESTAMP AS reported_at,
          (event_at + INTERVAL 1 HOUR)::TIMESTAMP AS first_dispatched_at,
          (event_at + INTERVAL 1 HOUR)::TIMESTAMP AS department_dispatched_at,
          (event_at + INTERVAL 1 HOUR)::TIMESTAMP AS last_dispatched_at,
          {_handled_at()}::TIMESTAMP AS last_handled_at,
          (event_at + INTERVAL 25 HOUR)::TIMESTAMP AS handling_deadline_at,
          ({_handled_at()} <= event_at + INTERVAL 25 HOUR)::BOOLEAN AS is_handled_on_time,
          {_deadline_at()}::TIMESTAMP AS deadline_at,
          {_closed_at()}::TIMESTAMP AS closed_at,
          {_ended_at()}::TIMESTAMP AS ended_at,
          {updated_at_sql()}::TIMESTAMP AS updated_at,
          (state <> 'registered')::INT AS dispatch_count, 0::INT AS rework_count,
          0::INT AS return_count, 0::INT AS postponement_count,
          (handling_h > 24 AND state IN ('dispatched', 'handled'))::INT AS overdue_mark_count,
          0::INT AS linked_signal_count
        FROM raw.incidents
        ), as_of AS (SELECT MAX(updated_at) AS as_of_at FROM cases)
        SELECT cases.*, categories.category_name_zh::TEXT AS category_name_zh,
          departments.name::TEXT AS department_name, grids.street::TEXT AS street_name,
          (cases.ended_at IS NULL)::BOOLEAN AS is_open,
          (cases.ended_at IS NULL AND COALESCE(cases.deadline_at < as_of.as_of_at, FALSE))::BOOLEAN
            AS is_overdue,
          as_of.as_of_at::TIMESTAMP AS as_of_at
        FROM cases CROSS JOIN as_of
        LEFT JOIN dims.categories AS categories ON categories.category = cases.category
        LEFT JOIN dims.departments AS departments
          ON departments.department_id = cases.department_id
        LEFT JOIN dims.grids AS grids ON grids.grid_code = cases.grid_code
        ORDER BY reported_at"""
    )


def _handled_at() -> str:
    return "CASE WHEN state IN ('closed', 'handled') THEN event_at + to_hours(1 + handling_h) END"


def _deadline_at() -> str:
    return "CASE WHEN state IN ('dispatched', 'handled') THEN event_at + INTERVAL 25 HOUR END"


def _closed_at() -> str:
    return "CASE WHEN state = 'closed' THEN event_at + to_hours(2 + handling_h) END"


def _ended_at() -> str:
    return (
        "CASE WHEN state = 'closed' THEN event_at + to_hours(2 + handling_h) "
        "WHEN state = 'cancelled' THEN event_at + INTERVAL 30 MINUTE END"
    )


def updated_at_sql() -> str:
    """SQL of a case's latest event time from a ``raw.incidents`` row."""
    return f"COALESCE({_ended_at()}, {_handled_at()}, event_at + INTERVAL 1 HOUR)"


PARETO_SQL = """CREATE TABLE marts.incident_category_pareto_by_period AS
WITH grains AS (
  SELECT 'day' AS period_grain, INTERVAL 1 DAY AS step
  UNION ALL SELECT 'week', INTERVAL 7 DAY
  UNION ALL SELECT 'month', INTERVAL 1 MONTH
), counts AS (
  SELECT grains.period_grain, grains.step,
    date_trunc(grains.period_grain, incident_date_local)::DATE AS period_start_date_local,
    category, SUM(incident_count) AS incident_count
  FROM marts.incident_counts_by_cell_day CROSS JOIN grains
  GROUP BY ALL
), bounds AS (
  SELECT MIN(incident_date_local) AS first_date, MAX(incident_date_local) AS last_date
  FROM marts.incident_counts_by_cell_day
), ranked AS (
  SELECT *,
    ROW_NUMBER() OVER period_order AS category_rank,
    SUM(incident_count) OVER (PARTITION BY period_grain, period_start_date_local)
      AS period_incident_count,
    SUM(incident_count) OVER (period_order ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      AS cumulative_incident_count
  FROM counts
  WINDOW period_order AS (
    PARTITION BY period_grain, period_start_date_local ORDER BY incident_count DESC, category
  )
)
SELECT
  ranked.period_grain::TEXT AS period_grain,
  ranked.period_start_date_local::DATE AS period_start_date_local,
  (ranked.period_start_date_local + ranked.step - INTERVAL 1 DAY)::DATE AS period_end_date_local,
  (ranked.period_start_date_local >= bounds.first_date
    AND ranked.period_start_date_local + ranked.step - INTERVAL 1 DAY <= bounds.last_date
  )::BOOLEAN AS is_period_complete,
  ranked.category::TEXT AS category,
  categories.category_name_zh::TEXT AS category_name_zh,
  ranked.incident_count::BIGINT AS incident_count,
  ranked.period_incident_count::BIGINT AS period_incident_count,
  (ranked.incident_count / ranked.period_incident_count)::DOUBLE AS incident_share,
  (ranked.cumulative_incident_count / ranked.period_incident_count)::DOUBLE
    AS cumulative_incident_share,
  ranked.category_rank::INT AS category_rank,
  ((ranked.cumulative_incident_count - ranked.incident_count)
    < 0.8 * ranked.period_incident_count)::BOOLEAN AS is_vital_few
FROM ranked CROSS JOIN bounds
JOIN dims.categories AS categories USING (category)
ORDER BY period_grain, period_start_date_local, category_rank"""


def build(
    con: duckdb.DuckDBPyConnection, *, incidents: int, days: int = 365, rings: int = 25
) -> dict[str, int]:
    """Write the synthetic year into ``con``; return the row count of every table."""
    cells = write_dimensions(con, rings=rings)
    write_incidents(con, incidents=incidents, days=days, cells=cells)
    write_marts(con)
    tables = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('raw', 'dims', 'marts') ORDER BY 1"
    ).fetchall()
    return {name: con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for (name,) in tables}
