"""What a run produced, read from its warehouse after the SQLMesh plan.

Every section is ``{table: [row, ...]}`` with each row a canonical JSON text
(sorted keys, values as text), so two runs compare as multisets of rows:
a lost row and a duplicated row both show.

Left out, because they are facts of one delivery and not of the data:
``_partition``, ``_offset`` and ``_landed_at`` of every landing row (which
Kafka partition/offset the landed copy came from: a record re-sent by a
restarted worker lands from its first copy, at another offset; and the sink's
wall clock) — see :data:`DELIVERY_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import orjson

from citybrain.topics import DEAD_LETTERS
from warehouse.landing import META_COLUMNS, landed_topics, view_name

DELIVERY_COLUMNS: tuple[str, ...] = tuple(META_COLUMNS)  # _partition, _offset, _landed_at
# Columns that hold when something was processed, not what: they differ between two clean runs.
PROCESSING_TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    # a dead letter's event_at is the moment the worker rejected the record (the record
    # has no trustworthy time of its own); the rejected bytes, reason, source offset stay
    **{view_name(d.name): ("event_at",) for d in DEAD_LETTERS},
    # a window is closed by the watermark of the batch that passes its end: which batch
    # that is depends on how deliveries were cut into batches; counts and bounds stay
    "landing.hotspots": ("closed_at",),
    # a case's events are numbered in the order the engine applies them: signals linked
    # to one case from two partitions arrive in either order; the event id is case:version
    "landing.cases_events": ("event_id", "version"),
}
SECTIONS = ("landing", "marts", "hotspots", "cases", "case_signals", "alerts")
Outputs = dict[str, dict[str, list[str]]]

HOTSPOTS_SQL = """
    SELECT source_topic, window_s, window_start_at, h3_res9, category,
           SUM(event_count) AS event_count, COUNT(*) AS window_rows
    FROM landing.hotspots
    GROUP BY ALL
"""
CASES_SQL = "SELECT * FROM marts.case_state_by_case"
# Every signal (alert or citizen report) the case engine placed: in how many cases and by how
# many report/link events. Exactly once each, whichever case it joined: this holds even where
# case grouping depends on arrival order (see pipelines.chaos.lineage).
CASE_SIGNALS_SQL = """
    SELECT json_extract_string(payload_json, '$.signal_id') AS signal_id,
           json_extract_string(payload_json, '$.category') AS category,
           json_extract_string(payload_json, '$.source') AS source,
           COUNT(DISTINCT case_id) AS cases, COUNT(*) AS placing_events
    FROM landing.cases_events
    WHERE command IN ('report', 'link')
    GROUP BY ALL
"""
# Each case's signals and the one that opened it, for the grouping diagnosis
# (pipelines.chaos.grouping): not a section, so no verdict rests on it.
CASE_GROUPS_SQL = """
    SELECT case_id,
           to_json(list_sort(list(json_extract_string(payload_json, '$.signal_id'))))::VARCHAR
               AS signal_ids,
           max(json_extract_string(payload_json, '$.signal_id')) FILTER (command = 'report')
               AS opened_by,
           max(json_extract_string(payload_json, '$.source')) FILTER (command = 'report')
               AS opener_source,
           max(json_extract_string(payload_json, '$.signal.at')) FILTER (command = 'report')
               AS opener_at
    FROM landing.cases_events
    WHERE command IN ('report', 'link')
      AND json_extract_string(payload_json, '$.signal_id') IS NOT NULL  -- not a patrol's case
    GROUP BY case_id
"""
CASE_GROUPS = "case_groups"
CASE_GROUPS_TABLE = "landing.cases_events by case"
ALERTS_SQL = "SELECT * EXCLUDE (_partition, _offset, _landed_at) FROM landing.alerts"


FLOAT_DIGITS = 12  # a float aggregate's last bits depend on the order rows were summed in


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.{FLOAT_DIGITS}g}"
    return str(value)


def canonical_row(columns: Sequence[str], values: Iterable[Any]) -> str:
    """One row as JSON text with sorted keys; every value as its text (None stays null).

    Floats are written to 12 significant digits: a mean over the same rows summed in another
    order differs in its last bits (5.7e-14 m on a mean distance of 340 m), which is not a
    different output.
    """
    doc = {c: _text(v) for c, v in zip(columns, values, strict=True)}
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()


def canonical_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Rows as sorted canonical texts (a multiset, in a stable order)."""
    return sorted(canonical_row(columns, r) for r in rows)


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return canonical_rows(columns, cursor.fetchall())


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table or view of the ``marts`` schema, by name."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "ORDER BY table_name"
    ).fetchall()
    return [f"marts.{name}" for (name,) in rows]


def extract(
    warehouse_path: Path, *, excluded: Mapping[str, Sequence[str]] = PROCESSING_TIME_COLUMNS
) -> Outputs:
    """Read every section from the warehouse (read-only).

    ``excluded`` maps a table (``landing.hotspots``, ``marts.x``) to further
    columns to leave out, each for a reason given where the map is defined.
    """
    out: Outputs = {s: {} for s in (*SECTIONS, CASE_GROUPS)}
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        for topic in landed_topics():
            view = view_name(topic)
            drop = ", ".join((*DELIVERY_COLUMNS, *excluded.get(view, ())))
            out["landing"][view] = _query(con, f"SELECT * EXCLUDE ({drop}) FROM {view}")
        for table in mart_tables(con):
            drop = excluded.get(table, ())
            select = f"* EXCLUDE ({', '.join(drop)})" if drop else "*"
            out["marts"][table] = _query(con, f"SELECT {select} FROM {table}")
        out["hotspots"]["landing.hotspots by window"] = _query(con, HOTSPOTS_SQL)
        out["cases"]["marts.case_state_by_case"] = _query(con, CASES_SQL)
        out["case_signals"]["landing.cases_events by signal"] = _query(con, CASE_SIGNALS_SQL)
        out["alerts"]["landing.alerts"] = _query(con, ALERTS_SQL)
        out[CASE_GROUPS][CASE_GROUPS_TABLE] = _query(con, CASE_GROUPS_SQL)
    return out


def case_groups(outputs: Outputs) -> list[str]:
    """The case-group rows of ``outputs`` (none in a reference written before they were read)."""
    return outputs.get(CASE_GROUPS, {}).get(CASE_GROUPS_TABLE, [])
