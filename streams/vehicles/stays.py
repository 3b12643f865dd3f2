"""Stay points: where a vehicle stayed within ``radius_m`` for at least ``min_duration_s``.

The classic algorithm of Li et al. (2008, GeoLife): from an anchor fix, extend
over the following fixes while each stays within ``radius_m`` (default 100 m)
of the anchor; when the extent lasts at least ``min_duration_s`` (default
600 s) it is a stay point at the mean position of its fixes, and the search
continues after it; otherwise the next fix becomes the anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streams.vehicles.tracks import Fix, distance_m

STAY_RADIUS_M = 100.0
STAY_MIN_DURATION_S = 600.0


@dataclass(frozen=True, slots=True)
class Stay:
    """A stay: mean WGS-84 position, first and last epoch seconds, fix count."""

    lat: float
    lng: float
    arrived_s: float
    left_s: float
    fix_count: int

    @property
    def duration_s(self) -> float:
        """Seconds from the first to the last fix of the stay."""
        return self.left_s - self.arrived_s


def stay_points(
    fixes: Sequence[Fix],
    *,
    radius_m: float = STAY_RADIUS_M,
    min_duration_s: float = STAY_MIN_DURATION_S,
) -> list[Stay]:
    """Stay points of a time-ordered track."""
    stays = []
    i, n = 0, len(fixes)
    while i < n:
        j = i + 1
        while j < n and distance_m(fixes[i], fixes[j]) <= radius_m:
            j += 1
        members = fixes[i:j]
        if members[-1].at_s - members[0].at_s >= min_duration_s:
            stays.append(
                Stay(
                    lat=sum(f.lat for f in members) / len(members),
                    lng=sum(f.lng for f in members) / len(members),
                    arrived_s=members[0].at_s,
                    left_s=members[-1].at_s,
                    fix_count=len(members),
                )
            )
            i = j
        else:
            i += 1
    return stays
