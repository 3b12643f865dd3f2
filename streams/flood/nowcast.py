"""Will a station reach its next warning level within the hour, and when?

Method: persistence of the recent rate, extrapolated linearly from the time t
of the element's latest report, up to HORIZON_S (60 min).

- Rain: the rate r is the mean rain rate over the last 30 minutes (mm/h). For
  a rule over a window W, the accumulation at t + Δ is the rain already stored
  in (t + Δ − W, t] (so rain that will have left the window is subtracted
  exactly) plus r·Δ. It is evaluated every STEP_S (5 min) and the crossing time
  is interpolated linearly inside the first step that reaches the threshold.
- Water level and waterlogging depth: value + rise·Δ, with the least-squares
  rise over the last 30 minutes (m/h); the crossing is at (threshold − value) /
  rise when the rise is positive.

A forecast lists, for every level above the current one that is expected
within the horizon, the earliest crossing; levels only rise along one series,
so the first crossing is the next level's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.flood import accumulate
from streams.flood.levels import EPSILON, RAINSTORM, RIVER, WATERLOGGING, Level, Rule, assess
from streams.flood.state import epoch_s

HORIZON_S = 3600
STEP_S = 300
SERIES_MEASURES = {RIVER: "water_level_m", WATERLOGGING: "waterlogging_depth_m"}


@dataclass(frozen=True, slots=True)
class Crossing:
    """``measure`` is expected to reach ``level`` at ``at``."""

    level: Level
    measure: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Forecast:
    """Level now (as of ``at``), the rate used (mm/h or m/h) and the expected crossings."""

    at: datetime | None
    level_now: Level
    rate: float | None
    crossings: tuple[Crossing, ...]

    @property
    def next_crossing(self) -> Crossing | None:
        """The first level above the current one expected within the horizon, if any."""
        return self.crossings[0] if self.crossings else None

    @property
    def expected_level(self) -> Level:
        """The highest level expected within the horizon (at least the current one)."""
        return max((c.level for c in self.crossings), default=self.level_now)


def _first(crossings: list[Crossing]) -> tuple[Crossing, ...]:
    """The earliest crossing of each level, ordered by level."""
    best: dict[Level, Crossing] = {}
    for c in crossings:
        if c.level not in best or c.at < best[c.level].at:
            best[c.level] = c
    return tuple(best[level] for level in sorted(best))


def rain_forecast(
    state: Mapping[str, Any], rules: Sequence[Rule], *, horizon_s: int = HORIZON_S
) -> Forecast:
    """Expected rainstorm levels from the stored rain of one station."""
    if not state["rain"]:
        return Forecast(None, Level.NONE, None, ())
    t = state["rain"][-1][0]
    level_now = assess(accumulate.accumulations(state), rules).level
    rate = accumulate.rain_rate_mm_per_h(state)
    steps = [min(k * STEP_S, horizon_s) for k in range(1, -(-horizon_s // STEP_S) + 1)]
    found = []
    for rule in (r for r in rules if r.level > level_now and rate > 0):
        window_s = accumulate.RAIN_WINDOWS_S[rule.measure]
        before_s, before = 0, accumulate.rain_between_mm(state, start_s=t - window_s, end_s=t)
        for delta_s in steps:
            kept = accumulate.rain_between_mm(state, start_s=t + delta_s - window_s, end_s=t)
            value = kept + rate * delta_s / 3600
            if value >= rule.threshold - EPSILON:
                share = (rule.threshold - before) / (value - before) if value > before else 1.0
                at_s = before_s + max(0.0, min(1.0, share)) * (delta_s - before_s)
                found.append(Crossing(rule.level, rule.measure, _at(t, at_s)))
                break
            before_s, before = delta_s, value
    return Forecast(_at(t, 0), level_now, rate, _first(found))


def series_forecast(
    current: accumulate.Series,
    rules: Sequence[Rule],
    *,
    measure: str,
    horizon_s: int = HORIZON_S,
) -> Forecast:
    """Expected levels of a water level or waterlogging depth from its latest value and rise."""
    if current.value_m is None or current.at is None:
        return Forecast(None, Level.NONE, None, ())
    value, rise = current.value_m, current.rise_m_per_h
    level_now = assess({measure: value}, rules).level
    found = []
    for rule in (r for r in rules if r.level > level_now and rise and rise > 0):
        delta_s = (rule.threshold - value) / rise * 3600
        if 0 <= delta_s <= horizon_s:
            found.append(Crossing(rule.level, rule.measure, _at(epoch_s(current.at), delta_s)))
    return Forecast(current.at, level_now, rise, _first(found))


def forecast(
    state: Mapping[str, Any], rules: Sequence[Rule], *, hazard: str, horizon_s: int = HORIZON_S
) -> Forecast:
    """The forecast of one hazard of one station (rainstorm, water_level or waterlogging)."""
    if hazard == RAINSTORM:
        return rain_forecast(state, rules, horizon_s=horizon_s)
    measure = SERIES_MEASURES[hazard]
    current = accumulate.series(state, element=measure)
    return series_forecast(current, rules, measure=measure, horizon_s=horizon_s)


def _at(base_s: int, delta_s: float) -> datetime:
    return datetime.fromtimestamp(base_s, tz=UTC) + timedelta(seconds=round(delta_s))
