"""Track building: one vehicle's fixes in time order, with implausible ones dropped.

A fix is kept or dropped against the last *kept* fix of the same vehicle:

- ``duplicate``: same instant as the last kept fix (a redelivery or a terminal
  that re-sent its report);
- ``out_of_order``: earlier than the last kept fix (the stream never reorders,
  so a late fix is dropped rather than inserted);
- ``implausible_jump``: reaching it from the last kept fix would need more
  than ``max_speed_kmh`` (default 150 km/h) over more than ``min_jump_m``
  (default 200 m; GPS noise of a standing vehicle is not a jump).

Distances are great-circle metres (haversine on the WGS-84 mean radius).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from citybrain.geo import haversine_m

MAX_SPEED_KMH = 150.0
MIN_JUMP_M = 200.0

KEPT = "kept"
DUPLICATE = "duplicate"
OUT_OF_ORDER = "out_of_order"
IMPLAUSIBLE_JUMP = "implausible_jump"


@dataclass(frozen=True, slots=True)
class Fix:
    """One position of one vehicle: epoch seconds, WGS-84 lat/lng, reported speed."""

    at_s: float
    lat: float
    lng: float
    speed_kmh: float = 0.0


def distance_m(a: Fix, b: Fix) -> float:
    """Great-circle metres between two fixes."""
    return haversine_m(lat1=a.lat, lng1=a.lng, lat2=b.lat, lng2=b.lng)


def verdict(
    last: Fix | None,
    fix: Fix,
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
    min_jump_m: float = MIN_JUMP_M,
) -> str:
    """KEPT, or the reason to drop ``fix`` after the last kept fix ``last``."""
    if last is None:
        return KEPT
    if fix.at_s == last.at_s:
        return DUPLICATE
    if fix.at_s < last.at_s:
        return OUT_OF_ORDER
    metres = distance_m(last, fix)
    if metres > min_jump_m and metres / (fix.at_s - last.at_s) * 3.6 > max_speed_kmh:
        return IMPLAUSIBLE_JUMP
    return KEPT


@dataclass(frozen=True)
class Track:
    """Kept fixes in time order and the dropped ones with their reasons."""

    fixes: tuple[Fix, ...]
    dropped: tuple[tuple[Fix, str], ...]

    @property
    def distance_m(self) -> float:
        """Length of the track in metres (sum of consecutive great-circle legs)."""
        return path_length_m(self.fixes)


def build_track(
    fixes: Iterable[Fix],
    *,
    max_speed_kmh: float = MAX_SPEED_KMH,
    min_jump_m: float = MIN_JUMP_M,
) -> Track:
    """The track of fixes in arrival order (the order the stream sees them)."""
    kept: list[Fix] = []
    dropped: list[tuple[Fix, str]] = []
    for fix in fixes:
        reason = verdict(
            kept[-1] if kept else None, fix, max_speed_kmh=max_speed_kmh, min_jump_m=min_jump_m
        )
        if reason == KEPT:
            kept.append(fix)
        else:
            dropped.append((fix, reason))
    return Track(tuple(kept), tuple(dropped))


def path_length_m(fixes: Sequence[Fix]) -> float:
    """Sum of great-circle metres between consecutive fixes."""
    return sum(distance_m(a, b) for a, b in pairwise(fixes))
