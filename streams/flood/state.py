"""One station's stored readings: the JSON table value and how a reading changes it.

The state is one JSON value per station (a faust Table keyed by station id,
co-partitioned with ``hydro.readings``), replaced on every reading, never mutated::

    {"rain": [[end_s, period_s, mm], ...],  # rain reports, sorted, last 24 h
     "level": [[at_s, m], ...],              # water level samples, sorted, last 2 h
     "depth": [[at_s, m], ...],              # waterlogging depth samples, sorted, last 2 h
     "seen_s": int | None}                   # latest event time of any reading

Times are whole epoch seconds. Rain is kept as the reports themselves rather
than as 5-minute bucket sums: a redelivered or corrected report then replaces
its own entry (no separate set of seen event ids is needed), and any window
can be summed exactly (see :mod:`streams.flood.accumulate`). A 5-minute gauge
keeps at most 288 rain entries, an hourly one 24.

Duplicates: a reading is identified by (element, observed time), not by its
event id (a redelivery or a re-sent SL 651 frame may carry a new id for the
same observation). The same identity again is ``duplicate`` when the value is
equal and ``corrected`` (replaced, last write wins) when not: it never adds. A
rain report whose span ``(end - period, end]`` overlaps a stored report of
another (end, period) is ``overlap`` and not counted (a station sending both
PN05 and P1 would otherwise count its rain twice).

Lateness: a rain report ending within 24 h of the latest rain report is
placed where it belongs; an older one is ``too_late``. Level and depth samples
older than 2 h before their latest sample are ``too_late`` (they no longer
change the current value or its rate of rise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

RAIN_KEEP_S = 24 * 3600
SERIES_KEEP_S = 2 * 3600
SERIES = {"water_level_m": "level", "waterlogging_depth_m": "depth"}
DEFAULT_SILENCE_S = 1200  # four missed 5-minute reports


class Outcome(StrEnum):
    """What a reading did to the state."""

    COUNTED = "counted"
    DUPLICATE = "duplicate"
    CORRECTED = "corrected"
    OVERLAP = "overlap"
    TOO_LATE = "too_late"
    IGNORED = "ignored"  # an element this domain does not use (e.g. rain_accumulated_mm)


@dataclass(frozen=True, slots=True)
class Added:
    """The station's new state and what the reading did."""

    state: dict[str, Any]
    outcome: Outcome


def empty_state() -> dict[str, Any]:
    """The state of a station that has reported nothing."""
    return {"rain": [], "level": [], "depth": [], "seen_s": None}


def epoch_s(moment: datetime) -> int:
    """Whole epoch seconds of a tz-aware instant."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: event times must carry a zone")
    return int(moment.timestamp())


def _slot(element: str, at_s: int, value: float, period_s: int | None):
    """(state key, stored entry, retention s) of a reading; None for an unused element."""
    if element == "rain_period_mm":
        if not period_s or period_s <= 0:
            raise ValueError("rain_period_mm needs a positive period_s")
        return "rain", [at_s, int(period_s), float(value)], RAIN_KEEP_S
    if element in SERIES:
        return SERIES[element], [at_s, float(value)], SERIES_KEEP_S
    return None


def _overlaps(rows: list[list], entry: list) -> bool:
    """True when a rain report's span meets a stored report of another (end, period)."""
    end, period = entry[0], entry[1]
    return any(r[:2] != entry[:2] and r[0] - r[1] < end and end - period < r[0] for r in rows)


def add_reading(
    state: Mapping[str, Any] | None,
    *,
    element: str,
    observed_at: datetime,
    value: float,
    period_s: int | None = None,
) -> Added:
    """Apply one ``hydro.readings`` row (``period_s`` is required for rain)."""
    old = dict(state or empty_state())
    at_s = epoch_s(observed_at)
    slot = _slot(element, at_s, value, period_s)
    if slot is None:
        return Added(old, Outcome.IGNORED)
    key, entry, keep_s = slot
    rows = old[key]
    latest = rows[-1][0] if rows else at_s
    if at_s <= latest - keep_s:
        return Added(old, Outcome.TOO_LATE)
    if entry in rows:
        return Added(old, Outcome.DUPLICATE)
    if key == "rain" and _overlaps(rows, entry):
        return Added(old, Outcome.OVERLAP)
    newest = max(latest, at_s)
    kept = sorted([r for r in rows if r[0] != at_s and r[0] > newest - keep_s] + [entry])
    new = {**old, key: kept, "seen_s": max(old["seen_s"] or at_s, at_s)}
    corrected = any(r[0] == at_s for r in rows)
    return Added(new, Outcome.CORRECTED if corrected else Outcome.COUNTED)


def is_silent(
    state: Mapping[str, Any] | None, *, now: datetime, silence_s: int = DEFAULT_SILENCE_S
) -> bool:
    """True when no reading observed in the ``silence_s`` before ``now`` (event time) arrived."""
    seen = (state or {}).get("seen_s")
    return seen is None or epoch_s(now) - seen >= silence_s
