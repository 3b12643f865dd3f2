import random
from datetime import date

import pytest

from citybrain.contracts.base import utc_timestamp
from pipelines.scenarios.demo_county import hydro_events
from streams.flood import accumulate, lifecycle, nowcast, signals
from streams.flood import state as station_state
from streams.flood.levels import Level, RainThresholds, WaterLevelThresholds
from streams.flood.stations import station_config

RAIN = RainThresholds().rules()
RIVER = WaterLevelThresholds(warning_level_m=4.2, guaranteed_level_m=5.0).rules()


def test_constant_rain_rate_crosses_when_the_missing_millimetres_have_fallen(feed, at):
    state = feed([("rain_period_mm", m, 5.0, 300) for m in (5, 10, 15, 20)])  # 20 mm in 20 min
    forecast = nowcast.rain_forecast(state, RAIN)
    assert forecast.level_now is Level.NONE
    assert forecast.rate == pytest.approx(40.0)  # 20 mm in the last 30 min
    # 30 mm more at 40 mm/h: 45 min; the 12 h, 6 h and 3 h totals all reach 50 mm together
    assert [(c.level, c.at) for c in forecast.crossings] == [
        (Level.BLUE, at(65)),
        (Level.YELLOW, at(65)),
        (Level.ORANGE, at(65)),
    ]
    assert forecast.next_crossing.level is Level.BLUE
    assert forecast.expected_level is Level.ORANGE  # red needs 80 mm more: 2 h away


def test_rain_leaving_the_window_is_subtracted(feed):
    only_orange = RainThresholds(blue_12h_mm=1e3, yellow_6h_mm=1e3, red_3h_mm=1e3).rules()
    burst = [("rain_period_mm", 5, 30.0, 300)]
    drizzle = [("rain_period_mm", m, 0.5, 300) for m in range(10, 180, 5)]  # 6 mm/h
    state = feed(burst + drizzle)
    three_hours = accumulate.accumulations(state)["rain_3h_mm"]
    assert three_hours == 47.0
    naive_min = (50.0 - three_hours) / 6.0 * 60  # 30 min if nothing left the window
    assert naive_min == 30.0
    assert nowcast.rain_forecast(state, only_orange).crossings == ()


def test_no_rain_no_crossing(feed):
    state = feed([("rain_period_mm", m, 0.0, 300) for m in range(5, 65, 5)])
    assert nowcast.rain_forecast(state, RAIN).crossings == ()
    assert nowcast.rain_forecast(feed([]), RAIN).at is None


def test_rising_water_level_crosses_by_linear_extrapolation(feed, at):
    state = feed(
        [("water_level_m", 0, 3.8), ("water_level_m", 15, 3.9), ("water_level_m", 30, 4.0)]
    )
    forecast = nowcast.forecast(state, RIVER, hazard="water_level")
    assert forecast.level_now is Level.BLUE
    assert forecast.rate == pytest.approx(0.4)
    # 0.2 m to the 4.2 m warning level at 0.4 m/h: 30 min after the latest sample
    assert [(c.level, c.at) for c in forecast.crossings] == [(Level.YELLOW, at(60))]
    shorter = nowcast.forecast(state, RIVER, hazard="water_level", horizon_s=1200)
    assert shorter.crossings == ()


def test_falling_or_flat_levels_do_not_cross(feed):
    falling = feed([("waterlogging_depth_m", 0, 0.18), ("waterlogging_depth_m", 15, 0.15)])
    rules = station_config(
        {"station_id": "x", "name": "x", "kind": "waterlogging", "lat": 30.0, "lng": 120.0}
    ).rules("waterlogging")
    assert nowcast.forecast(falling, rules, hazard="waterlogging").crossings == ()
    single = feed([("waterlogging_depth_m", 0, 0.18)])
    assert nowcast.forecast(single, rules, hazard="waterlogging").rate is None
    assert nowcast.forecast(single, rules, hazard="waterlogging").crossings == ()


def lead_minutes(readings, station):
    """Minutes from the first message announcing each level to its first observed crossing."""
    state, alert, warned, observed = None, None, {}, {}
    hazard = station.hazards[0]
    for doc in readings:
        state = station_state.add_reading(
            state,
            element=doc["element"],
            observed_at=utc_timestamp(doc["event_at"]),
            value=doc["value"],
            period_s=doc.get("period_s"),
        ).state
        signal = signals.signal(state, station=station, hazard=hazard)
        step = lifecycle.step(alert, signal)
        alert = step.state
        if step.message and step.message["msg_type"] != "Cancel":
            warned.setdefault(Level[step.message["level"].upper()], signal.at)
        if signal.level:
            observed.setdefault(signal.level, signal.at)
    return {
        level: (observed[level] - warned[level]).total_seconds() / 60
        for level in observed
        if level in warned
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_county_underpass_is_warned_before_it_floods(seed):
    """The demo county's afternoon storm, 5-minute reports (seeds 0-2 measured: yellow
    25-40 min and red 15-20 min before the depth was observed)."""
    row = {"station_id": "0000000010", "kind": "waterlogging", "name": "下穿1"}
    row |= {"lat": 30.25, "lng": 120.15}
    readings = hydro_events.readings(random.Random(seed), day=date(2026, 7, 15), stations=[row])
    lead = lead_minutes(
        [doc for _, doc in sorted(readings, key=lambda r: r[0])], station_config(row)
    )
    assert set(lead) == {Level.YELLOW, Level.RED}
    assert lead[Level.YELLOW] >= 20
    assert lead[Level.RED] >= 10
