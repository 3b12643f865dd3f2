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
    valid_any = np.zeros(n, dtype=bool)
    window_any = np.zeros(n, dtype=bool)
    codes = np.full(n, -1, dtype=np.int64)
    allowed_keys = []
    ncorr = max(len(index.corridors), 1)
    by_plate: dict[str, list[int]] = {}
    for i, plate in enumerate(plates):
        by_plate.setdefault(plate, []).append(i)
    for code, (plate, rows) in enumerate(by_plate.items()):
        mine = index.by_plate.get(plate)
        if not mine:
            continue
        rows_a, mine_a = np.asarray(rows), np.asarray(mine)
        codes[rows_a] = code
        allowed_keys.append(code * ncorr + mine_a)
        t = at_s[rows_a][:, None]
        valid = (index.valid_from_s[mine_a] <= t) & (t <= index.valid_to_s[mine_a])
        in_window = valid & index.windows[mine_a][:, minute[rows_a]].T
        valid_any[rows_a] = valid.any(axis=1)
        window_any[rows_a] = in_window.any(axis=1)
    on_route = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(moving & window_any)
    if len(candidates) and allowed_keys:
        p, c = index.containing(lat=np.asarray(lat)[candidates], lng=np.asarray(lng)[candidates])
        p = candidates[p]
        t = at_s[p]
        ok = np.isin(codes[p] * ncorr + c, np.concatenate(allowed_keys))
        ok &= (index.valid_from_s[c] <= t) & (t <= index.valid_to_s[c])
        ok &= index.windows[c, minute[p]]
        on_route[p[ok]] = True
    out: list[str | None] = []
    for i in range(n):
        if not moving[i]:
            out.append(None)
        elif not valid_any[i]:
            out.append(NO_PERMIT)
        elif not window_any[i]:
            out.append(OUTSIDE_WINDOW)
        elif not on_route[i]:
            out.append(OFF_ROUTE)
        else:
            out.append(None)
    return out
