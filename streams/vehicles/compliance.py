"""Muck-truck compliance of fixes against permit corridors: which rule each fix breaks.

For a fix of a muck truck moving at ``moving_kmh`` or more (default 5 km/h;
a parked truck breaks nothing), the first rule it breaks, in this order:

- ``no_permit``: no permit listing its plate is valid at that instant;
- ``outside_window``: it has valid permits, but none whose local time window
  holds that minute (muck transport is a night job: 22:00–05:00 typically);
- ``off_route``: it is in a window, but not inside the corridor of any permit
  of its plate that is valid and in its window at that instant.

Otherwise the fix is compliant (``None``). :func:`check` is vectorised over a
batch: one STRtree query for all points, then array lookups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from streams.vehicles.corridors import CorridorIndex, local_minute

MOVING_KMH = 5.0
NO_PERMIT = "no_permit"
OUTSIDE_WINDOW = "outside_window"
OFF_ROUTE = "off_route"
KINDS = (NO_PERMIT, OUTSIDE_WINDOW, OFF_ROUTE)


def check(
    index: CorridorIndex,
    *,
    plates: Sequence[str],
    at_s: np.ndarray,
    lat: np.ndarray,
    lng: np.ndarray,
    speed_kmh: np.ndarray,
    moving_kmh: float = MOVING_KMH,
) -> list[str | None]:
    """The rule each fix breaks (None when compliant or not moving)."""
    n = len(plates)
    at_s = np.asarray(at_s, dtype=float)
    minute = local_minute(at_s)
    moving = np.asarray(speed_kmh, dtype=float) >= moving_kmh
    fix, corridor = index.plate_pairs(plates)
    t = at_s[fix]
    valid = (index.valid_from_s[corridor] <= t) & (t <= index.valid_to_s[corridor])
    in_window = valid & index.windows[corridor, minute[fix]]
    valid_any = np.bincount(fix[valid], minlength=n) > 0
    window_any = np.bincount(fix[in_window], minlength=n) > 0
    on_route = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(moving & window_any)
    if len(candidates):
        p, c = index.containing(lat=np.asarray(lat)[candidates], lng=np.asarray(lng)[candidates])
        p = candidates[p]
        ncorr = len(index.corridors)
        permitted = fix[in_window] * ncorr + corridor[in_window]
        on_route[p[np.isin(p * ncorr + c, permitted)]] = True
    out = np.full(n, None, dtype=object)
    out[moving & ~on_route] = OFF_ROUTE
    out[moving & ~window_any] = OUTSIDE_WINDOW
    out[moving & ~valid_any] = NO_PERMIT
    return out.tolist()
