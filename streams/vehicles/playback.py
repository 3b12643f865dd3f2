"""Track playback: a vehicle's fixes over a time range, cleaned and simplified to a tolerance.

Pure functions; the fixes come from the ``gps.fixes`` Parquet landing
(:mod:`streams.vehicles.landed`). A request names a vehicle, ``start`` and
``end`` (ISO-8601 instants with a zone offset, ``end`` after ``start``, at
most ``MAX_RANGE_S`` = 24 h apart: a day's playback) and an optional
``tolerance_m`` (default ``TOLERANCE_M`` = 10 m, 0 keeps every kept fix, at
most ``MAX_TOLERANCE_M`` = 1,000 m).

The landed fixes are ordered by event time, cleaned as the stream cleans
them (:func:`streams.vehicles.tracks.build_track`: duplicates and
impossible jumps dropped) and simplified with Douglas–Peucker in metres:
:func:`simplify_indexes` keeps the first and last fix and, recursively, the
fix farthest from the chord between two kept fixes while that distance
(to the *segment*, as GEOS computes it) exceeds the tolerance. Distances are
in a local equirectangular plane centred on the track (error well under 1 %
across a county).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from citybrain.geo import EARTH_RADIUS_M
from streams.vehicles.tracks import Fix, build_track, path_length_m

TOLERANCE_M = 10.0
MAX_TOLERANCE_M = 1_000.0
MAX_RANGE_S = 24 * 3600.0


def plane_xy(*, lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres east and north of the points' mean position (equirectangular)."""
    lat, lng = np.asarray(lat, dtype=float), np.asarray(lng, dtype=float)
    if not len(lat):
        return lat, lng
    lat0, lng0 = float(lat.mean()), float(lng.mean())
    k = math.pi / 180 * EARTH_RADIUS_M
    return (lng - lng0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def segment_distances_m(
    x: np.ndarray, y: np.ndarray, *, ax: float, ay: float, bx: float, by: float
) -> np.ndarray:
    """Metres from each point (x, y) to the segment a–b (to a when a == b)."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return np.hypot(x - ax, y - ay)
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2, 0.0, 1.0)
    return np.hypot(x - (ax + t * dx), y - (ay + t * dy))


def simplify_indexes(
    *, lat: Sequence[float], lng: Sequence[float], tolerance_m: float
) -> list[int]:
    """Indexes of the points Douglas–Peucker keeps at ``tolerance_m`` metres, ascending."""
    n = len(lat)
    if n <= 2 or tolerance_m <= 0:
        return list(range(n))
    x, y = plane_xy(lat=np.asarray(lat), lng=np.asarray(lng))
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        d = segment_distances_m(
            x[first + 1 : last],
            y[first + 1 : last],
            ax=x[first],
            ay=y[first],
            bx=x[last],
            by=y[last],
        )
        k = int(np.argmax(d))
        if d[k] > tolerance_m:
            split = first + 1 + k
            keep[split] = True
            stack += [(first, split), (split, last)]
    return np.flatnonzero(keep).tolist()


def parse_instant(text: str | None, *, name: str) -> datetime:
    """An ISO-8601 instant with a zone offset; ValueError naming the parameter otherwise."""
    if not text:
        raise ValueError(f"{name} is required (ISO-8601 with a zone, e.g. 2026-07-15T00:00:00Z)")
    if "T" in text:  # an unescaped "+08:00" arrives in a query string as " 08:00"
        text = text.replace(" ", "+")
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} {text!r} is not an ISO-8601 instant") from None
    if at.tzinfo is None:
        raise ValueError(f"{name} {text!r} has no zone offset (add Z or +08:00)")
    return at


def parse_request(query: Mapping[str, str]) -> dict[str, Any]:
    """``start``, ``end`` and ``tolerance_m`` from query parameters; ValueError with the reason."""
    start = parse_instant(query.get("start"), name="start")
    end = parse_instant(query.get("end"), name="end")
    if end <= start:
        raise ValueError("end must be after start")
    if (end - start).total_seconds() > MAX_RANGE_S:
        raise ValueError(f"the range may be at most {MAX_RANGE_S / 3600:g} hours")
    tolerance_m = TOLERANCE_M
    if (text := query.get("tolerance_m")) is not None:
        try:
            tolerance_m = float(text)
        except ValueError:
            raise ValueError("tolerance_m must be a number of metres") from None
        if not 0 <= tolerance_m <= MAX_TOLERANCE_M:  # also refuses NaN
            raise ValueError(f"tolerance_m must be between 0 and {MAX_TOLERANCE_M:g} metres")
    return {"start": start, "end": end, "tolerance_m": tolerance_m}


def playback(
    rows: Sequence[Mapping[str, Any]], *, tolerance_m: float = TOLERANCE_M
) -> dict[str, Any]:
    """Landed rows of one vehicle (any order) → counts, distance and the simplified points.

    ``fix_count`` rows landed, ``kept_count`` after cleaning, ``distance_m`` of
    the cleaned track, ``points`` the simplified ones in time order.
    """
    ordered = sorted(rows, key=lambda r: (r["event_at"], r["event_id"]))
    fixes = [
        Fix(at_s=r["event_at"].timestamp(), lat=r["lat"], lng=r["lng"], speed_kmh=r["speed_kmh"])
        for r in ordered
    ]
    by_fix = {id(f): r for f, r in zip(fixes, ordered, strict=True)}
    kept = build_track(fixes).fixes
    picked = simplify_indexes(
        lat=[f.lat for f in kept], lng=[f.lng for f in kept], tolerance_m=tolerance_m
    )
    points = []
    for i in picked:
        row = by_fix[id(kept[i])]
        points.append(
            {
                "fixed_at": row["event_at"].isoformat(),
                "lat": row["lat"],
                "lng": row["lng"],
                "speed_kmh": row["speed_kmh"],
                "heading_deg": row["heading_deg"],
            }
        )
    return {
        "fix_count": len(ordered),
        "kept_count": len(kept),
        "distance_m": round(path_length_m(kept), 1),
        "point_count": len(points),
        "points": points,
    }
