import pytest

from streams.flood.levels import (
    DepthThresholds,
    Level,
    RainThresholds,
    WaterLevelThresholds,
    assess,
)
from streams.flood.stations import station_config

RAIN = RainThresholds().rules()
RIVER = WaterLevelThresholds(warning_level_m=4.2, guaranteed_level_m=5.0).rules()
DEPTH = DepthThresholds().rules()


def rain(h12=0.0, h6=0.0, h3=0.0):
    return {"rain_12h_mm": h12, "rain_6h_mm": h6, "rain_3h_mm": h3}


@pytest.mark.parametrize(
    ("values", "level"),
    [
        (rain(49.9, 49.9, 49.9), Level.NONE),
        (rain(50.0, 20.0, 10.0), Level.BLUE),  # ≥ 50 mm in 12 h
        (rain(80.0, 49.9, 49.9), Level.BLUE),
        (rain(80.0, 50.0, 30.0), Level.YELLOW),  # ≥ 50 mm in 6 h
        (rain(80.0, 70.0, 50.0), Level.ORANGE),  # ≥ 50 mm in 3 h
        (rain(120.0, 110.0, 99.9), Level.ORANGE),
        (rain(120.0, 110.0, 100.0), Level.RED),  # ≥ 100 mm in 3 h
    ],
)
def test_cma_rainstorm_signal_boundaries(values, level):
    assert assess(values, RAIN).level is level


@pytest.mark.parametrize(
    ("level_m", "level"),
    [
        (3.89, Level.NONE),
        (3.9, Level.BLUE),  # within 0.3 m of the warning level
        (4.19, Level.BLUE),
        (4.2, Level.YELLOW),  # warning level 警戒水位
        (4.99, Level.YELLOW),
        (5.0, Level.ORANGE),  # guaranteed level 保证水位
        (9.0, Level.ORANGE),  # no highest-on-record level configured: no red
    ],
)
def test_water_level_boundaries(level_m, level):
    assert assess({"water_level_m": level_m}, RIVER).level is level


def test_red_water_level_only_with_a_highest_level_on_record():
    rules = WaterLevelThresholds(4.2, 5.0, highest_level_m=5.6).rules()
    assert assess({"water_level_m": 5.59}, rules).level is Level.ORANGE
    assert assess({"water_level_m": 5.6}, rules).level is Level.RED


@pytest.mark.parametrize(
    ("depth_m", "level"),
    [
        (0.0, Level.NONE),
        (0.199, Level.NONE),
        (0.2, Level.YELLOW),  # Beijing gauge yellow line, 20 cm
        (0.269, Level.YELLOW),
        (0.27, Level.RED),  # red line, 27 cm: road closed
        (0.8, Level.RED),
    ],
)
def test_waterlogging_depth_boundaries(depth_m, level):
    assert assess({"waterlogging_depth_m": depth_m}, DEPTH).level is level


def test_optional_depth_levels_can_be_configured():
    rules = DepthThresholds(blue_m=0.15, orange_m=0.25).rules()
    assert [r.level for r in rules] == [Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED]
    assert assess({"waterlogging_depth_m": 0.15}, rules).level is Level.BLUE
    assert assess({"waterlogging_depth_m": 0.25}, rules).level is Level.ORANGE


def test_hold_level_keeps_a_level_until_the_value_is_a_margin_below():
    just_below = assess(rain(80.0, 70.0, 45.1), RAIN)
    assert just_below.level is Level.YELLOW
    assert just_below.hold_level is Level.ORANGE  # 50 mm − 5 mm margin
    assert assess(rain(80.0, 70.0, 44.9), RAIN).hold_level is Level.YELLOW
    assert assess({"waterlogging_depth_m": 0.171}, DEPTH).hold_level is Level.YELLOW
    assert assess({"waterlogging_depth_m": 0.169}, DEPTH).hold_level is Level.NONE


def test_the_trigger_is_the_rule_that_set_the_level():
    judged = assess(rain(80.0, 70.0, 55.0), RAIN)
    assert (judged.trigger.measure, judged.trigger.threshold) == ("rain_3h_mm", 50.0)
    assert assess({}, RAIN).trigger is None
    assert assess({}, RAIN).level is Level.NONE


def test_station_config_from_a_demo_county_station_row():
    row = {
        "station_id": "0000000007",
        "kind": "water_level",
        "name": "城关街道水位站1",
        "lat": 30.251,
        "lng": 120.152,
        "warning_level_m": 4.2,
        "guaranteed_level_m": 5.0,
    }
    config = station_config(row)
    assert config.hazards == ("water_level",)
    assert config.water_level.warning_level_m == 4.2
    assert (config.lat, config.lng) == (30.251, 120.152)
    gauge = station_config({**row, "kind": "rain", "warning_level_m": None})
    assert gauge.hazards == ("rainstorm",)
    assert gauge.area_radius_km == 5.0
