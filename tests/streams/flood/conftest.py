"""Factories for the flood tests: instants, readings fed into a station's state, stations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streams.flood import state as station_state
from streams.flood.levels import DepthThresholds, RainThresholds, WaterLevelThresholds
from streams.flood.stations import StationConfig

T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai


def minutes(n: float) -> datetime:
    """T0 plus ``n`` minutes."""
    return T0 + timedelta(minutes=n)


@pytest.fixture
def at() -> Callable[[float], datetime]:
    """``at(n)``: the instant ``n`` minutes after T0."""
    return minutes


@pytest.fixture
def feed() -> Callable[..., dict[str, Any]]:
    """``feed(readings, state=None)``: apply (element, minute, value[, period_s]) tuples."""

    def apply(readings: Iterable[tuple], state: dict[str, Any] | None = None) -> dict[str, Any]:
        for element, minute, value, *period in readings:
            state = station_state.add_reading(
                state,
                element=element,
                observed_at=minutes(minute),
                value=value,
                period_s=period[0] if period else None,
            ).state
        return state or station_state.empty_state()

    return apply


@pytest.fixture
def station() -> Callable[..., StationConfig]:
    """``station(**changes)``: a station watching all three hazards with default thresholds."""

    def make(**changes: Any) -> StationConfig:
        base = {
            "station_id": "0010100001",
            "name": "解放路下穿",
            "lat": 30.25,
            "lng": 120.15,
            "rain": RainThresholds(),
            "water_level": WaterLevelThresholds(warning_level_m=4.2, guaranteed_level_m=5.0),
            "waterlogging": DepthThresholds(),
        }
        return StationConfig(**{**base, **changes})

    return make
