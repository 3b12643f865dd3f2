"""The fetch-and-snap steps the SQLMesh Python models share.

The road-damage models snap reports and cases to reference.roads (both through
``road_snapped_frames``), the exposed-garbage mart finds each report's nearest bin of
reference.garbage_bins; the report models read citizen reports of one category in the run's
window. All but ``road_snapped_frames`` are pure (frames in, frames out); it reads through the
model's context. Models import this module inside ``execute`` (SQLMesh would otherwise
serialise it into the snapshot) and keep their ``context.var`` calls themselves: SQLMesh finds
the variables a Python model reads in its own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import pandas as pd

from warehouse.snapping import nearest_points, nearest_segments

ROADS_COLUMNS = "road_segment_id, line_wkt"
BINS_COLUMNS = "bin_id, lat, lng"


def citizen_reports_sql(table: str, *, category: str, start: datetime, end: datetime) -> str:
    """The query for the citizen reports of ``category`` reported in [start, end] of ``table``."""
    return (
        "SELECT report_id, reported_at, lat, lng, h3_res9"
        f" FROM {table}"
        f" WHERE category = '{category}'"
        f" AND reported_at BETWEEN '{start:%Y-%m-%d %H:%M:%S.%f}' AND '{end:%Y-%m-%d %H:%M:%S.%f}'"
    )


def snap_to_roads(points: pd.DataFrame, roads: pd.DataFrame, *, snap_m: float) -> pd.DataFrame:
    """``points`` (lat, lng) with their nearest segment of ``roads`` (road_segment_id, line_wkt).

    Adds nearest_road_segment_id and nearest_segment_distance_m (to 0.1 m), and, where that
    distance is within ``snap_m``, road_segment_id and along_segment_m (null further away).
    """
    ids, distance_m, along_m = nearest_segments(
        lats=points["lat"].tolist(),
        lngs=points["lng"].tolist(),
        segments=list(zip(roads["road_segment_id"], roads["line_wkt"], strict=True)),
    )
    out = points.assign(
        nearest_road_segment_id=ids,
        nearest_segment_distance_m=distance_m.round(1),
    )
    snapped = out["nearest_segment_distance_m"] <= snap_m
    out["road_segment_id"] = out["nearest_road_segment_id"].where(snapped, None)
    out["along_segment_m"] = pd.Series(along_m.round(1), index=out.index).where(snapped, None)
    return out


def road_snapped_frames(
    context: Any, points_sql: str, *, snap_m: float, columns: Iterable[str]
) -> Iterator[pd.DataFrame]:
    """The rows of ``points_sql`` (with lat, lng) snapped to reference.roads, as ``columns``.

    ``context`` is the model's SQLMesh ExecutionContext (``fetchdf``, ``resolve_table``);
    ``snap_m`` as in ``snap_to_roads``. Yields one frame, or nothing when the query has no rows
    (SQLMesh's way to say "no rows").
    """
    points = context.fetchdf(points_sql)
    if points.empty:
        return
    roads = context.fetchdf(
        f"SELECT {ROADS_COLUMNS} FROM {context.resolve_table('reference.roads')}"
    )
    yield snap_to_roads(points, roads, snap_m=snap_m)[list(columns)]


def nearest_bins(points: pd.DataFrame, bins: pd.DataFrame, *, within_m: float) -> pd.DataFrame:
    """``points`` (lat, lng) with their nearest of ``bins`` (bin_id, lat, lng).

    Adds nearest_bin_id, nearest_bin_distance_m (to 0.1 m; null with no bins) and
    bins_within_count, the bins within ``within_m`` (int32).
    """
    ids, distance_m, within = nearest_points(
        lats=points["lat"].tolist(),
        lngs=points["lng"].tolist(),
        target_ids=bins["bin_id"].tolist(),
        target_lats=bins["lat"].tolist(),
        target_lngs=bins["lng"].tolist(),
        within_m=within_m,
    )
    return points.assign(
        nearest_bin_id=ids,
        nearest_bin_distance_m=distance_m.round(1),
        bins_within_count=within.astype("int32"),
    )
