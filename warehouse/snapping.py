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
CHUNK_POINTS = 2_000  # points per distance matrix: 2,000 x 10,000 bins is 160 MB of float64


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
    pieces = (np.asarray(ax), np.asarray(ay), np.asarray(bx), np.asarray(by), np.asarray(before))
    best_ids: list[str | None] = []
    distances, alongs = [], []
    for start in range(0, lat.shape[0], CHUNK_POINTS):
        part = slice(start, start + CHUNK_POINTS)
        best, distance_m, along_m = _nearest_piece(lat[part], lng[part], *pieces)
        best_ids += [ids[k] for k in best]
        distances.append(distance_m)
        alongs.append(along_m)
    return best_ids, np.concatenate(distances), np.concatenate(alongs)


def _nearest_piece(lat, lng, ax, ay, bx, by, before):
    """(index of the nearest leg, distance_m, along_m) for a column of points."""
    kx = M_PER_DEG_LAT * np.cos(np.radians(lat))  # per point, metres per degree of longitude
    x1 = (ax[None, :] - lng) * kx
    y1 = (ay[None, :] - lat) * M_PER_DEG_LAT
    x2 = (bx[None, :] - lng) * kx
    y2 = (by[None, :] - lat) * M_PER_DEG_LAT
    dx, dy = x2 - x1, y2 - y1
    length2 = dx**2 + dy**2
    safe2 = np.where(length2 > 0, length2, 1.0)
    t = np.clip(np.where(length2 > 0, -(x1 * dx + y1 * dy) / safe2, 0.0), 0.0, 1.0)
    distance = np.hypot(x1 + t * dx, y1 + t * dy)
    best = distance.argmin(axis=1)
    rows = np.arange(lat.shape[0])
    along = before[best] + t[rows, best] * np.sqrt(length2[rows, best])
    return best, distance[rows, best], along


def nearest_points(
    *,
    lats: Sequence[float],
    lngs: Sequence[float],
    target_ids: Sequence[str],
    target_lats: Sequence[float],
    target_lngs: Sequence[float],
    within_m: float = 100.0,
) -> tuple[list[str | None], np.ndarray, np.ndarray]:
    """For each point: (id, distance_m) of the nearest target and the targets within ``within_m``.

    With no targets the ids are None, the distances NaN and the counts 0. Points are
    taken :data:`CHUNK_POINTS` at a time so memory stays bounded.
    """
    n = len(lats)
    ids: list[str | None] = [None] * n
    nearest_m = np.full(n, np.nan)
    counts = np.zeros(n, dtype=np.int64)
    if len(target_ids) == 0 or n == 0:
        return ids, nearest_m, counts
    t_lat = np.asarray(target_lats, dtype=float)[None, :]
    t_lng = np.asarray(target_lngs, dtype=float)[None, :]
    all_lat, all_lng = np.asarray(lats, dtype=float), np.asarray(lngs, dtype=float)
    for start in range(0, n, CHUNK_POINTS):
        part = slice(start, start + CHUNK_POINTS)
        lat, lng = all_lat[part, None], all_lng[part, None]
        kx = M_PER_DEG_LAT * np.cos(np.radians((lat + t_lat) / 2))
        distance = np.hypot((t_lng - lng) * kx, (t_lat - lat) * M_PER_DEG_LAT)
        best = distance.argmin(axis=1)
        ids[part] = [target_ids[k] for k in best]
        nearest_m[part] = distance[np.arange(lat.shape[0]), best]
        counts[part] = (distance <= within_m).sum(axis=1)
    return ids, nearest_m, counts
