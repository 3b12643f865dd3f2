"""Nearest road segment and nearest point for WGS-84 points, in metres (numpy, no GIS engine).

Distances are equirectangular: longitude and latitude are scaled to metres
around each point's own latitude (``M_PER_DEG_LAT`` per degree of latitude,
times cos(latitude) for longitude). Within a county (a few km) the error is
well under a metre, far below a report's position error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

M_PER_DEG_LAT = 111_195.0
ROAD_SNAP_M = 50.0  # a road-damage report further than this from every segment is off-road


def line_points(line_wkt: str) -> list[tuple[float, float]]:
    """(lat, lng) vertices of a WKT LINESTRING (x = lng, y = lat)."""
    if not line_wkt.strip().upper().startswith("LINESTRING"):
        raise ValueError(f"not a LINESTRING: {line_wkt[:40]!r}")
    body = line_wkt[line_wkt.index("(") + 1 : line_wkt.rindex(")")]
    return [(float(y), float(x)) for x, y in (p.split() for p in body.split(","))]


def nearest_segments(
    *, lats: Sequence[float], lngs: Sequence[float], segments: Sequence[tuple[str, str]]
) -> tuple[list[str | None], np.ndarray, np.ndarray]:
    """For each point: (segment id, distance_m, along_m) of the nearest segment.

    ``segments`` are (segment id, WKT LINESTRING). ``along_m`` is how far along
    the segment (from its first vertex) the point's projection lies. With no
    segments every id is None and the distances are NaN.
    """
    lat = np.asarray(lats, dtype=float)[:, None]
    lng = np.asarray(lngs, dtype=float)[:, None]
    ids, ax, ay, bx, by, before = [], [], [], [], [], []
    for segment_id, wkt in segments:
        points = line_points(wkt)
        walked = 0.0
        for (lat1, lng1), (lat2, lng2) in pairwise(points):
            ids.append(segment_id)
            ay.append(lat1)
            ax.append(lng1)
            by.append(lat2)
            bx.append(lng2)
            before.append(walked)
            kx = M_PER_DEG_LAT * math.cos(math.radians((lat1 + lat2) / 2))
            walked += math.hypot((lng2 - lng1) * kx, (lat2 - lat1) * M_PER_DEG_LAT)
    if not ids or lat.size == 0:
        n = lat.shape[0]
        return [None] * n, np.full(n, np.nan), np.full(n, np.nan)
    kx = M_PER_DEG_LAT * np.cos(np.radians(lat))  # per point, metres per degree of longitude
    px, py = np.zeros_like(lat), np.zeros_like(lat)
    x1 = (np.asarray(ax)[None, :] - lng) * kx
    y1 = (np.asarray(ay)[None, :] - lat) * M_PER_DEG_LAT
    x2 = (np.asarray(bx)[None, :] - lng) * kx
    y2 = (np.asarray(by)[None, :] - lat) * M_PER_DEG_LAT
    dx, dy = x2 - x1, y2 - y1
    length2 = dx**2 + dy**2
    safe2 = np.where(length2 > 0, length2, 1.0)
    t = np.where(length2 > 0, ((px - x1) * dx + (py - y1) * dy) / safe2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    distance = np.hypot(x1 + t * dx - px, y1 + t * dy - py)
    best = distance.argmin(axis=1)
    rows = np.arange(lat.shape[0])
    along = np.asarray(before)[best] + t[rows, best] * np.sqrt(length2[rows, best])
    return [ids[k] for k in best], distance[rows, best], along


def nearest_points(
    *,
    lats: Sequence[float],
    lngs: Sequence[float],
    target_ids: Sequence[str],
    target_lats: Sequence[float],
    target_lngs: Sequence[float],
) -> tuple[list[str | None], np.ndarray]:
    """For each point: (id, distance_m) of the nearest target; None and NaN with no targets."""
    lat = np.asarray(lats, dtype=float)[:, None]
    lng = np.asarray(lngs, dtype=float)[:, None]
    if len(target_ids) == 0 or lat.size == 0:
        return [None] * lat.shape[0], np.full(lat.shape[0], np.nan)
    t_lat = np.asarray(target_lats, dtype=float)[None, :]
    t_lng = np.asarray(target_lngs, dtype=float)[None, :]
    kx = M_PER_DEG_LAT * np.cos(np.radians((lat + t_lat) / 2))
    distance = np.hypot((t_lng - lng) * kx, (t_lat - lat) * M_PER_DEG_LAT)
    best = distance.argmin(axis=1)
    return [target_ids[k] for k in best], distance[np.arange(lat.shape[0]), best]
