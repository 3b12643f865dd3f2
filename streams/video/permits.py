"""Permit cross-checks of a due video episode against the ``permits`` reference table.

:meth:`PermitChecks.check` answers, for one category at one place and time,
whether the detection is covered by a permit (``legal``) or is an alert, and
with which ``level`` (the rule's own word on the alert):

- ``illegal_small_ads``: an active, valid ``outdoor_ad`` permit within
  ``ad_m`` (default 30 m) covers the ad (``permitted_ad``); otherwise the
  alert is ``unpermitted_ad``;
- ``illegal_parking``: a valid ``parking`` permit within ``parking_m``
  (default 15 m) whose local time windows (Asia/Shanghai; empty: all day)
  hold the time covers the car (``permitted_parking``); otherwise
  ``no_parking``;
- ``piled_materials``: inside a ``construction_site`` permit's polygon, a
  valid permit covers the site's materials (``permitted_site``); a site whose
  permits are all expired, suspended or revoked is ``construction_without_permit``;
  piles elsewhere are ``piled_materials``;
- every other category is ``persistent`` (no permit can make it legal here).

Valid means status ``active`` and ``valid_from <= t <= valid_to``. A permit
row that cannot be used (bad geometry or windows) is left out and reported
in :attr:`PermitChecks.unusable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from streams.vehicles.corridors import LOCAL_OFFSET_S, parse_windows
from streams.video.rules import PermitRadii

LEGAL = "legal"
ALERT = "alert"
M_PER_DEG_LAT = 111_195.0


def _epoch_s(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True, slots=True)
class PermitPlace:
    """The parts of one permit the checks need."""

    permit_id: str
    permit_type: str
    status: str
    valid_from_s: float
    valid_to_s: float
    windows_min: tuple[tuple[int, int], ...]
    lat: float
    lng: float
    area: BaseGeometry | None

    def valid_at(self, at_s: float) -> bool:
        """Active and inside its validity at epoch second ``at_s``."""
        return self.status == "active" and self.valid_from_s <= at_s <= self.valid_to_s

    def open_at(self, at_s: float) -> bool:
        """Its local time windows hold ``at_s``."""
        minute = int((at_s + LOCAL_OFFSET_S) % 86_400 // 60)
        return any(
            (start <= minute < end) if start <= end else (minute >= start or minute < end)
            for start, end in self.windows_min
        )


def distance_m(*, lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance in metres (exact enough below a few km)."""
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    dx = (lng2 - lng1) * M_PER_DEG_LAT * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


class PermitChecks:
    """Ad, parking and construction-site permits, ready to check detections against."""

    TYPES = ("outdoor_ad", "parking", "construction_site")

    def __init__(
        self, permits: Iterable[Mapping[str, Any]], *, radii: PermitRadii | None = None
    ) -> None:
        self.radii = radii or PermitRadii()
        self.by_type: dict[str, list[PermitPlace]] = {t: [] for t in self.TYPES}
        self.unusable: list[str] = []
        for row in permits:
            if row.get("permit_type") not in self.TYPES:
                continue
            try:
                self.by_type[row["permit_type"]].append(self._place(row))
            except (KeyError, ValueError, TypeError, shapely.errors.GEOSException) as exc:
                self.unusable.append(f"{row.get('permit_id')}: {exc}")

    @staticmethod
    def _place(row: Mapping[str, Any]) -> PermitPlace:
        area = None
        if row["permit_type"] == "construction_site":
            area = shapely.from_wkt(row["geometry_wkt"])
            if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty:
                raise ValueError("a construction site needs a polygon")
            shapely.prepare(area)
        return PermitPlace(
            permit_id=str(row["permit_id"]),
            permit_type=row["permit_type"],
            status=str(row["status"]),
            valid_from_s=_epoch_s(row["valid_from"]),
            valid_to_s=_epoch_s(row["valid_to"]),
            windows_min=parse_windows(row.get("time_windows") or ""),
            lat=float(row["lat"]),
            lng=float(row["lng"]),
            area=area,
        )

    def _near(self, kind: str, *, lat: float, lng: float, within_m: float) -> list[PermitPlace]:
        return [
            p
            for p in self.by_type[kind]
            if distance_m(lat1=lat, lng1=lng, lat2=p.lat, lng2=p.lng) <= within_m
        ]

    def check(
        self, category: str, *, lat: float, lng: float, at_s: float
    ) -> tuple[str, str, list[str]]:
        """(``legal`` | ``alert``, level, ids of the permits that decided it)."""
        if category == "illegal_small_ads":
            near = self._near("outdoor_ad", lat=lat, lng=lng, within_m=self.radii.ad_m)
            valid = [p.permit_id for p in near if p.valid_at(at_s)]
            return (LEGAL, "permitted_ad", valid) if valid else (ALERT, "unpermitted_ad", [])
        if category == "illegal_parking":
            near = self._near("parking", lat=lat, lng=lng, within_m=self.radii.parking_m)
            valid = [p.permit_id for p in near if p.valid_at(at_s) and p.open_at(at_s)]
            return (LEGAL, "permitted_parking", valid) if valid else (ALERT, "no_parking", [])
        if category == "piled_materials":
            point = shapely.Point(lng, lat)
            sites = [p for p in self.by_type["construction_site"] if p.area.contains(point)]
            if not sites:
                return ALERT, "piled_materials", []
            valid = [p.permit_id for p in sites if p.valid_at(at_s)]
            if valid:
                return LEGAL, "permitted_site", valid
            return ALERT, "construction_without_permit", [p.permit_id for p in sites]
        return ALERT, "persistent", []
