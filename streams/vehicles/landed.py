"""One vehicle's landed fixes over a time range, read from the ``gps.fixes`` Parquet landing.

Playback reads the landing (:mod:`warehouse.landing`), never the DuckDB
warehouse: SQLMesh holds the warehouse file's lock while it writes, and a
DuckDB file open for writing cannot be opened by another process. The
landing's files are immutable once renamed into place, so reading them from
the stream worker is safe at any time, and they cover every day that landed
(a faust Table of recent fixes would cover only what the worker kept).
Only the UTC hour directories the range touches are read, filtered to one
vehicle; fixes not landed yet (the sink batches for about a second) are
not seen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from citybrain.contracts import gps
from warehouse.landing import hour_dir


class LandingUnreadable(Exception):
    """A landing file could not be read (the reason is the message)."""


COLUMNS = ("event_id", "event_at", "vehicle_id", "lat", "lng", "speed_kmh", "heading_deg")


def hour_dirs(landing_dir: Path, *, start: datetime, end: datetime) -> list[Path]:
    """The ``gps.fixes`` UTC hour directories holding instants in [start, end]."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    dirs = []
    while hour <= end:
        dirs.append(hour_dir(landing_dir, gps.TOPIC, hour))
        hour += timedelta(hours=1)
    return dirs


def vehicle_fixes(
    landing_dir: Path, *, vehicle_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Landed fixes of ``vehicle_id`` with ``start <= event_at <= end`` (file order).

    Raises :class:`LandingUnreadable` when a file of the range cannot be read.
    """
    files = [
        str(path)
        for directory in hour_dirs(landing_dir, start=start, end=end)
        if directory.is_dir()
        for path in sorted(directory.glob("*.parquet"))
    ]
    if not files:
        return []
    try:
        frame = (
            pl.scan_parquet(files)
            .select(COLUMNS)
            .filter(
                (pl.col("vehicle_id") == vehicle_id)
                & (pl.col("event_at") >= start)
                & (pl.col("event_at") <= end)
            )
            .collect()
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise LandingUnreadable(f"gps.fixes landing {start:%Y-%m-%dT%H} ...: {exc}") from exc
    return frame.to_dicts()
