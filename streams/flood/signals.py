"""From a station's stored readings to the signal its alert lifecycle steps on.

The flood agent's per-reading work is: :func:`streams.flood.state.add_reading`,
then for each hazard the station watches, :func:`signal` and
:func:`streams.flood.lifecycle.step`, then publish the message (if any) and
its CAP rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.flood import accumulate, nowcast
from streams.flood.levels import RAINSTORM, RIVER, WATERLOGGING, assess
from streams.flood.lifecycle import Signal
from streams.flood.stations import StationConfig

MEASURE_PREFIX = {RAINSTORM: "rain_", RIVER: "water_level_", WATERLOGGING: "waterlogging_"}


def signal(
    state: Mapping[str, Any],
    *,
    station: StationConfig,
    hazard: str,
    horizon_s: int = nowcast.HORIZON_S,
) -> Signal | None:
    """Observed, held and expected levels of one hazard; None before its first report.

    The expected level is the *next* level above the observed one when the
    nowcast expects it within ``horizon_s``: a forecast raises an alert by one
    level at a time, never straight from a trickle to red.
    """
    rules = station.rules(hazard)
    expected = nowcast.forecast(state, rules, hazard=hazard, horizon_s=horizon_s)
    if expected.at is None:
        return None
    values = {
        name: value
        for name, value in accumulate.measures(state).items()
        if name.startswith(MEASURE_PREFIX[hazard])
    }
    judged = assess(values, rules)
    ahead = expected.next_crossing
    return Signal(
        station=station,
        hazard=hazard,
        at=expected.at,
        level=judged.level,
        hold_level=judged.hold_level,
        trigger=judged.trigger,
        values=values,
        forecast_level=judged.level if ahead is None else ahead.level,
        forecast_at=None if ahead is None else ahead.at,
        forecast_measure=None if ahead is None else ahead.measure,
    )
