"""Forbidden zones: polygons some vehicle types may not enter, at all times or in local windows.

A zone is a row of the reference table ``zones`` (:mod:`citybrain.reference`):
``zone_id``, ``kind`` (e.g. ``school``, ``old_town``), ``name``,
``polygon_wkt`` (a WGS-84 POLYGON or MULTIPOLYGON, x = lng, y = lat),
optional ``time_windows`` (local Asia/Shanghai ``"07:00-09:00,16:00-18:00"``,
as permits; empty means always) and optional ``vehicle_types``
(comma-separated; default ``muck_truck``: 渣土车禁行区).

Polygons are projected to a local plane in metres and held in an STRtree;
:meth:`ZoneIndex.breaking` answers a whole batch with one bulk query, never
by scanning zones. A row that cannot be a zone is left out, and
:func:`unusable_zones` says why, for the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from streams.vehicles.corridors import (
    MINUTES_PER_DAY,
    Plane,
    local_minute,
    parse_windows,
    window_mask,
)

DEFAULT_VEHICLE_TYPES = frozenset({"muck_truck"})


@dataclass(frozen=True)
class Zone:
    """One forbidden zone: id, kind, name, local minute windows, vehicle types, WKT."""

    zone_id: str
    kind: str
    name: str
    windows_min: tuple[tuple[int, int], ...]
    vehicle_types: frozenset[str]
    polygon_wkt: str


def zone_of_row(row: Mapping[str, Any]) -> Zone:
    """The zone of a reference row; ValueError with the reason when it cannot be one."""
    zone_id = str(row.get("zone_id") or "").strip()
    if not zone_id:
        raise ValueError("zone without zone_id")
    wkt = str(row.get("polygon_wkt") or "")
    if not wkt.upper().startswith(("POLYGON", "MULTIPOLYGON")):
        raise ValueError(f"zone {zone_id!r}: polygon_wkt is not a POLYGON or MULTIPOLYGON")
    try:
        polygon = shapely.from_wkt(wkt)
        windows = parse_windows(str(row.get("time_windows") or ""))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise ValueError(f"zone {zone_id!r}: {exc}") from exc
    if polygon.is_empty or not polygon.is_valid:
        raise ValueError(f"zone {zone_id!r}: empty or invalid polygon")
    types = frozenset(t.strip() for t in str(row.get("vehicle_types") or "").split(",") if t)
    return Zone(
        zone_id=zone_id,
        kind=str(row.get("kind") or ""),
        name=str(row.get("name") or ""),
        windows_min=windows,
        vehicle_types=types or DEFAULT_VEHICLE_TYPES,
        polygon_wkt=wkt,
    )


def zones_of_rows(rows: Iterable[Mapping[str, Any]]) -> list[Zone]:
    """The usable zones of the reference rows."""
    found = []
    for row in rows:
        try:
            found.append(zone_of_row(row))
        except ValueError:
            continue
    return found


def unusable_zones(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Why each row left out of the zones was left out."""
    reasons = []
    for row in rows:
        try:
            zone_of_row(row)
        except ValueError as exc:
            reasons.append(str(exc))
    return reasons


class ZoneIndex:
    """Zones in an STRtree of polygons in a local plane, with their windows and vehicle types."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)
        shapes = [shapely.from_wkt(z.polygon_wkt) for z in self.zones]
        if shapes:
            xmin, ymin, xmax, ymax = shapely.total_bounds(shapes)
            self.plane = Plane(lat0=(ymin + ymax) / 2, lng0=(xmin + xmax) / 2)
        else:
            self.plane = Plane(lat0=0.0, lng0=0.0)
        self.polygons = [self.plane.project(s) for s in shapes]
        shapely.prepare(self.polygons)
        self.tree = STRtree(self.polygons)
        self.windows = np.array(
            [window_mask(z.windows_min) for z in self.zones], dtype=bool
        ).reshape(-1, MINUTES_PER_DAY)

    def active(
        self, *, vehicle_types: Sequence[str], at_s: np.ndarray, lat: np.ndarray, lng: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(fix index, zone index) of every zone forbidden to each fix's vehicle type then."""
        if not self.zones or not len(at_s):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        x, y = self.plane.xy(lat=lat, lng=lng)
        fix, zone = self.tree.query(shapely.points(x, y), predicate="intersects")
        minute = local_minute(np.asarray(at_s, dtype=float))
        forbidden = np.array(
            [
                vehicle_types[f] in self.zones[z].vehicle_types
                for f, z in zip(fix, zone, strict=True)
            ],
            dtype=bool,
        ).reshape(-1)
        now = self.windows[zone, minute[fix]] if len(fix) else np.zeros(0, dtype=bool)
        keep = forbidden & now
        return fix[keep], zone[keep]

    def breaking(
        self, *, vehicle_types: Sequence[str], at_s: np.ndarray, lat: np.ndarray, lng: np.ndarray
    ) -> np.ndarray:
        """True for each fix inside a zone forbidden to its vehicle type at that instant."""
        fix, _ = self.active(vehicle_types=vehicle_types, at_s=at_s, lat=lat, lng=lng)
        out = np.zeros(len(at_s), dtype=bool)
        out[fix] = True
        return out

    def zones_at(self, *, vehicle_type: str, at_s: float, lat: float, lng: float) -> list[Zone]:
        """The zones one fix breaks (an alert's evidence), by zone id."""
        _, zone = self.active(
            vehicle_types=[vehicle_type],
            at_s=np.array([at_s]),
            lat=np.array([lat]),
            lng=np.array([lng]),
        )
        return sorted((self.zones[z] for z in set(zone.tolist())), key=lambda z: z.zone_id)
