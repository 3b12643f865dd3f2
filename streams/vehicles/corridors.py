"""Muck-transport permits → corridors (buffered routes) in an STRtree, and fix checks.

A muck-transport permit (:mod:`citybrain.contracts.permit`) covers the
vehicles whose plates it lists, on its route (a WGS-84 LINESTRING) buffered
by ``buffer_m`` metres on each side (default 100 m), during its local
(Asia/Shanghai) ``time_windows`` such as ``"22:00-05:00"`` (a window may
cross midnight; no windows means all day), between ``valid_from`` and
``valid_to``, while its status is ``active``.

Geometry is buffered and queried in a local equirectangular plane in metres
centred on the corridors (error well under 1 % across a county); points are
found with one bulk STRtree query per batch, never by scanning corridors.
Local time is UTC+8: China has kept no daylight saving time since 1991.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from citybrain.contracts.permit import TIME_WINDOW
from citybrain.geo import EARTH_RADIUS_M

CORRIDOR_BUFFER_M = 100.0
LOCAL_OFFSET_S = 8 * 3600  # Asia/Shanghai
MINUTES_PER_DAY = 1440
MUCK_TRANSPORT = "muck_transport"


@dataclass(frozen=True)
class Corridor:
    """One permitted corridor: permit, plates, local minute windows, validity (epoch s)."""

    permit_id: str
    holder: str
    plates: frozenset[str]
    windows_min: tuple[tuple[int, int], ...]  # (start, end) local minutes; may cross midnight
    valid_from_s: float
    valid_to_s: float
    route_wkt: str


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """``"22:00-05:00,12:00-13:00"`` → ((1320, 300), (720, 780)); "" → all day.

    An end of ``23:59`` means the end of the day (the contract has no 24:00).
    """
    windows = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        if not TIME_WINDOW.match(part):
            raise ValueError(f"time window {part!r} is not HH:MM-HH:MM")
        start, end = (int(h) * 60 + int(m) for h, m in (t.split(":") for t in part.split("-")))
        windows.append((start, MINUTES_PER_DAY if end == MINUTES_PER_DAY - 1 else end))
    return tuple(windows) or ((0, MINUTES_PER_DAY),)


def window_mask(windows_min: Sequence[tuple[int, int]]) -> np.ndarray:
    """Boolean array of the 1440 local minutes of a day, True inside any window."""
    mask = np.zeros(MINUTES_PER_DAY, dtype=bool)
    for start, end in windows_min:
        if start <= end:
            mask[start:end] = True
        else:
            mask[start:] = True
            mask[:end] = True
    return mask


def local_minute(at_s: np.ndarray) -> np.ndarray:
    """Local (Asia/Shanghai) minute of the day of epoch seconds."""
    return ((np.asarray(at_s, dtype=np.int64) + LOCAL_OFFSET_S) % 86_400) // 60


def _epoch_s(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def corridor_of_permit(permit: Mapping[str, Any]) -> Corridor | None:
    """The corridor of an active muck-transport route permit; None for any other permit.

    Raises ValueError (with the reason) for a muck-transport permit that cannot
    be a corridor: bad WKT, time windows or validity instants.
    """
    geometry = str(permit.get("geometry_wkt") or "")
    if permit.get("permit_type") != MUCK_TRANSPORT or permit.get("status") != "active":
        return None
    if not geometry.upper().startswith(("LINESTRING", "MULTILINESTRING")):
        return None
    try:
        line = shapely.from_wkt(geometry)
        windows = parse_windows(str(permit.get("time_windows") or ""))
        valid_from_s, valid_to_s = _epoch_s(permit["valid_from"]), _epoch_s(permit["valid_to"])
    except (shapely.errors.GEOSException, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"permit {permit.get('permit_id')!r}: {exc}") from exc
    if line.is_empty:
        raise ValueError(f"permit {permit.get('permit_id')!r}: empty route")
    plates = (s.strip() for s in str(permit.get("plates") or "").split(","))
    return Corridor(
        permit_id=str(permit.get("permit_id")),
        holder=str(permit.get("holder") or ""),
        plates=frozenset(p for p in plates if p),
        windows_min=windows,
        valid_from_s=valid_from_s,
        valid_to_s=valid_to_s,
        route_wkt=geometry,
    )


def corridors_of_permits(permits: Iterable[Mapping[str, Any]]) -> list[Corridor]:
    """Corridors of the active muck-transport route permits; unusable ones are left out."""
    found = []
    for permit in permits:
        try:
            corridor = corridor_of_permit(permit)
        except ValueError:
            continue
        if corridor is not None:
            found.append(corridor)
    return found


def unusable_permits(permits: Iterable[Mapping[str, Any]]) -> list[str]:
    """Why each muck-transport permit left out of the corridors was left out."""
    reasons = []
    for permit in permits:
        try:
            corridor_of_permit(permit)
        except ValueError as exc:
            reasons.append(str(exc))
    return reasons


@dataclass(frozen=True)
class Plane:
    """Local equirectangular plane in metres around (lat0, lng0)."""

    lat0: float
    lng0: float

    def xy(self, *, lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metres east and north of the origin."""
        k = math.pi / 180 * EARTH_RADIUS_M
        x = (np.asarray(lng, dtype=float) - self.lng0) * k * math.cos(math.radians(self.lat0))
        return x, (np.asarray(lat, dtype=float) - self.lat0) * k

    def project(self, geometry: shapely.Geometry) -> shapely.Geometry:
        """A WGS-84 geometry (x = lng, y = lat) in this plane."""
        return shapely.transform(
            geometry, lambda c: np.column_stack(self.xy(lat=c[:, 1], lng=c[:, 0]))
        )


class CorridorIndex:
    """Corridors in an STRtree, with per-corridor windows, validity and plates."""

    def __init__(self, corridors: Sequence[Corridor], *, buffer_m: float = CORRIDOR_BUFFER_M):
        self.corridors = list(corridors)
        lines = [shapely.from_wkt(c.route_wkt) for c in self.corridors]
        if lines:
            xmin, ymin, xmax, ymax = shapely.total_bounds(lines)
            self.plane = Plane(lat0=(ymin + ymax) / 2, lng0=(xmin + xmax) / 2)
        else:
            self.plane = Plane(lat0=0.0, lng0=0.0)
        self.polygons = [shapely.buffer(self.plane.project(g), buffer_m) for g in lines]
        shapely.prepare(self.polygons)
        self.tree = STRtree(self.polygons)
        self.windows = np.array(
            [window_mask(c.windows_min) for c in self.corridors], dtype=bool
        ).reshape(-1, MINUTES_PER_DAY)
        self.valid_from_s = np.array([c.valid_from_s for c in self.corridors], dtype=float)
        self.valid_to_s = np.array([c.valid_to_s for c in self.corridors], dtype=float)
        self.by_plate: dict[str, list[int]] = {}
        for i, c in enumerate(self.corridors):
            for plate in c.plates:
                self.by_plate.setdefault(plate, []).append(i)
        # the same as flat arrays: plate code -> its corridors at plate_corridors[start:start+count]
        self.plate_code = {plate: code for code, plate in enumerate(self.by_plate)}
        self.plate_count = np.array([len(v) for v in self.by_plate.values()], dtype=np.int64)
        self.plate_start = np.cumsum(self.plate_count) - self.plate_count
        self.plate_corridors = np.array(
            [i for v in self.by_plate.values() for i in v], dtype=np.int64
        )

    def plate_pairs(self, plates: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(fix index, corridor index) pairs of every corridor permitted to each fix's plate."""
        codes = np.array([self.plate_code.get(p, -1) for p in plates], dtype=np.int64)
        known = codes >= 0
        counts = np.zeros(len(codes), dtype=np.int64)
        counts[known] = self.plate_count[codes[known]]
        fix = np.repeat(np.arange(len(plates)), counts)
        within = np.arange(len(fix)) - np.repeat(np.cumsum(counts) - counts, counts)
        return fix, self.plate_corridors[self.plate_start[codes[fix]] + within]

    def containing(self, *, lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, corridor index) pairs of every corridor containing each point."""
        x, y = self.plane.xy(lat=lat, lng=lng)
        pairs = self.tree.query(shapely.points(x, y), predicate="intersects")
        return pairs[0], pairs[1]
