"""What a station's stored readings add up to: rain over sliding windows, level, depth.

Every value is as of the station's own latest report of that element (its
event-time watermark), so the result does not depend on when or in which order
readings arrived. Rain windows are ``(t - W, t]`` for W in 5 min, 1 h, 3 h,
6 h, 12 h and 24 h, where t is the end of the latest rain report; a report is
taken as uniform over its period, so a report straddling a window edge counts
for the part inside. Gaps count as no rain; :func:`covered_s` shows them.

The rain rate and the rate of rise of water level / depth are taken over the
last 30 minutes (RATE_WINDOW_S); the rise is a least-squares slope, which
keeps a few centimetres of gauge noise from swinging it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from streams.flood.state import SERIES

RAIN_WINDOWS_S: dict[str, int] = {
    "rain_5min_mm": 300,
    "rain_1h_mm": 3600,
    "rain_3h_mm": 3 * 3600,
    "rain_6h_mm": 6 * 3600,
    "rain_12h_mm": 12 * 3600,
    "rain_24h_mm": 24 * 3600,
}
RATE_WINDOW_S = 1800  # rain rate and rate of rise are taken over the last 30 min
RISE_MIN_SPAN_S = 600  # a rate of rise needs samples at least 10 min apart


@dataclass(frozen=True, slots=True)
class Series:
    """Latest sample of a level-like element (m) and its rise (m/h) over RATE_WINDOW_S."""

    at: datetime | None
    value_m: float | None
    rise_m_per_h: float | None


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def rain_between_mm(state: Mapping[str, Any], *, start_s: float, end_s: float) -> float:
    """Rain (mm) in ``(start_s, end_s]``, each report spread evenly over its period."""
    total = 0.0
    for end, period, mm in state["rain"]:
        overlap = min(end, end_s) - max(end - period, start_s)
        if overlap > 0:
            total += mm * overlap / period
    return round(total, 6)


def rain_watermark(state: Mapping[str, Any]) -> datetime | None:
    """End of the latest rain report: the instant accumulations are taken at."""
    return _at(state["rain"][-1][0]) if state["rain"] else None


def accumulations(state: Mapping[str, Any]) -> dict[str, float]:
    """Rain (mm) over each of RAIN_WINDOWS_S ending at the rain watermark; {} without rain."""
    if not state["rain"]:
        return {}
    t = state["rain"][-1][0]
    return {
        name: rain_between_mm(state, start_s=t - w, end_s=t) for name, w in RAIN_WINDOWS_S.items()
    }


def covered_s(state: Mapping[str, Any], *, window_s: int) -> int:
    """Seconds of the window ending at the rain watermark covered by a report (gaps show here)."""
    if not state["rain"]:
        return 0
    t = state["rain"][-1][0]
    return sum(max(0, min(e, t) - max(e - p, t - window_s)) for e, p, _ in state["rain"])


def rain_rate_mm_per_h(state: Mapping[str, Any], *, window_s: int = RATE_WINDOW_S) -> float:
    """Mean rain rate (mm/h) over the last ``window_s`` before the rain watermark."""
    if not state["rain"]:
        return 0.0
    t = state["rain"][-1][0]
    return rain_between_mm(state, start_s=t - window_s, end_s=t) * 3600 / window_s


def series(state: Mapping[str, Any], *, element: str, window_s: int = RATE_WINDOW_S) -> Series:
    """Latest water level or waterlogging depth and its rate of rise over ``window_s``.

    The rise is the least-squares slope of the samples within ``window_s`` of the
    latest one; None when they span less than RISE_MIN_SPAN_S.
    """
    rows = state[SERIES[element]]
    if not rows:
        return Series(None, None, None)
    t, value = rows[-1]
    recent = [(s, v) for s, v in rows if s >= t - window_s]
    if t - recent[0][0] < RISE_MIN_SPAN_S:
        return Series(_at(t), value, None)
    mean_s = sum(s for s, _ in recent) / len(recent)
    mean_v = sum(v for _, v in recent) / len(recent)
    num = sum((s - mean_s) * (v - mean_v) for s, v in recent)
    den = sum((s - mean_s) ** 2 for s, _ in recent)
    return Series(_at(t), value, round(num / den * 3600, 6))


def measures(state: Mapping[str, Any]) -> dict[str, float]:
    """Every current value of the station by measure name (what levels are judged on)."""
    values: dict[str, float] = dict(accumulations(state))
    if state["rain"]:
        values["rain_rate_mm_per_h"] = rain_rate_mm_per_h(state)
    for element, prefix in (
        ("water_level_m", "water_level"),
        ("waterlogging_depth_m", "waterlogging"),
    ):
        current = series(state, element=element)
        if current.value_m is not None:
            values[element] = current.value_m
        if current.rise_m_per_h is not None:
            values[f"{prefix}_rise_m_per_h"] = current.rise_m_per_h
    return values
