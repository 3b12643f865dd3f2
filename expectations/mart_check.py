"""Run the mart suites over the published snapshot (:mod:`dashboards.snapshot`).

The snapshot is the read-only copy of the marts that Superset reads, so a
check never waits for, or blocks, a plan holding the warehouse. Each mart is
one batch (optionally a range of its time column); a failing row is named by
its key columns, and the "file" of a finding is ``<snapshot file>:<mart>``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from expectations.common import FILE_COLUMN
from expectations.findings import findings_of
from expectations.gx_context import checkpoints
from expectations.marts import CHECKED_MARTS, mart_module

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
KEY_COLUMN = "event_id"  # the column findings name rows by; for marts, the row's key
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [KEY_COLUMN, FILE_COLUMN],
}


def mart_suite(mart: str) -> Any:
    """A fresh GX suite named as the mart, holding its expectations."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=mart, expectations=mart_module(mart).expectations())


@lru_cache(maxsize=1)
def context() -> Any:
    """The process's ephemeral GX context with a checkpoint per checked mart."""
    return checkpoints("marts", CHECKED_MARTS, mart_suite, result_format=RESULT_FORMAT)


def parameters(
    *, area_bounds: tuple[float, float, float, float], now_at: datetime, clock_skew_s: int
) -> dict[str, Any]:
    """Suite parameters (see :mod:`expectations.marts.common`); marts hold naive UTC times."""
    south, west, north, east = area_bounds
    latest = now_at + timedelta(seconds=clock_skew_s)
    local_day = latest.astimezone(LOCAL_TZ).date()
    return {
        "south_deg": south,
        "west_deg": west,
        "north_deg": north,
        "east_deg": east,
        "latest_utc_at": pd.Timestamp(latest).tz_convert("UTC").tz_localize(None),
        "latest_local_day": pd.Timestamp(local_day),
    }


def row_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """``col=value, …`` naming each row by its key columns."""
    parts = [c + "=" + frame[c].astype(str) for c in columns]
    keys = parts[0]
    for part in parts[1:]:
        keys = keys + ", " + part
    return keys


def read_mart(
    snapshot: Path, mart: str, *, from_date: date | None = None, to_date: date | None = None
) -> pd.DataFrame | None:
    """A mart's rows in the range of its time column (None: not in the snapshot)."""
    module = mart_module(mart)
    schema, table = mart.split(".")
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        found = con.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
            [schema, table, module.TIME_COLUMN],
        ).fetchone()
        if found is None:
            return None
        bounds, values = [], []
        if from_date:
            bounds.append(f'"{module.TIME_COLUMN}" >= ?')
            values.append(from_date)
        if to_date:
            bounds.append(f'"{module.TIME_COLUMN}" < ?')
            values.append(to_date + timedelta(days=1))
        where = (" WHERE " + " AND ".join(bounds)) if bounds else ""
        frame = con.execute(f'SELECT * FROM "{schema}"."{table}"{where}', values).df()
    finally:
        con.close()
    # DATE columns arrive as Python dates; GX compares them with Timestamp parameters
    for column in frame.select_dtypes(include="object").columns:
        if frame[column].map(lambda v: isinstance(v, date) and not isinstance(v, datetime)).any():
            frame[column] = pd.to_datetime(frame[column])
    frame[KEY_COLUMN] = row_keys(frame, module.KEY_COLUMNS) if len(frame) else pd.Series(dtype=str)
    frame[FILE_COLUMN] = f"{snapshot.name}:{mart}"
    return frame


def check_marts(
    snapshot: Path,
    *,
    area_bounds: tuple[float, float, float, float],
    now_at: datetime,
    marts: tuple[str, ...] = CHECKED_MARTS,
    from_date: date | None = None,
    to_date: date | None = None,
    clock_skew_s: int = 300,
    max_ids: int = 10,
):
    """Validate the marts of the snapshot; a :class:`~expectations.checkpoint.CheckResult`."""
    from expectations.checkpoint import CheckResult

    outcome = CheckResult()
    if not Path(snapshot).exists():
        return outcome
    ctx = context()
    params = parameters(area_bounds=area_bounds, now_at=now_at, clock_skew_s=clock_skew_s)
    for mart in marts:
        frame = read_mart(Path(snapshot), mart, from_date=from_date, to_date=to_date)
        if frame is None or frame.empty:
            continue
        run = ctx.checkpoints.get(mart).run(
            batch_parameters={"dataframe": frame}, expectation_parameters=params
        )
        for result in run.run_results.values():
            outcome.findings += findings_of(
                result, topic=mart, hour_path=mart, batch_rows=len(frame), max_ids=max_ids
            )
        outcome.batches += 1
        outcome.files += 1
        outcome.rows += len(frame)
    return outcome
