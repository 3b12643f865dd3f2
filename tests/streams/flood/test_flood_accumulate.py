import random

import pytest

from streams.flood import accumulate


def five_minute_rain(amounts_mm, *, first_minute=5):
    return [("rain_period_mm", first_minute + 5 * i, mm, 300) for i, mm in enumerate(amounts_mm)]


def test_windows_slide_with_the_latest_report(feed):
    state = feed(five_minute_rain([1.0] * 36))  # 3 h of 1 mm per 5 min
    totals = accumulate.accumulations(state)
    assert totals == {
        "rain_5min_mm": 1.0,
        "rain_1h_mm": 12.0,
        "rain_3h_mm": 36.0,
        "rain_6h_mm": 36.0,
        "rain_12h_mm": 36.0,
        "rain_24h_mm": 36.0,
    }
    later = feed([("rain_period_mm", 5 + 5 * 36 + 55, 0.0, 300)], state)  # 1 h later, dry
    assert accumulate.accumulations(later)["rain_1h_mm"] == 0.0
    assert accumulate.accumulations(later)["rain_3h_mm"] == 24.0


def test_a_report_straddling_a_window_edge_counts_for_the_part_inside(feed, at):
    state = feed([("rain_period_mm", 60, 12.0, 3600), ("rain_period_mm", 90, 3.0, 1800)])
    assert accumulate.rain_watermark(state) == at(90)
    # 1 h window (30, 90]: half of the hourly 12 mm plus the 3 mm
    assert accumulate.accumulations(state)["rain_1h_mm"] == 9.0
    assert accumulate.accumulations(state)["rain_5min_mm"] == 0.5


def test_late_readings_within_24_hours_land_where_they_belong(feed):
    rnd = random.Random(7)
    readings = five_minute_rain([round(rnd.uniform(0, 4), 1) for _ in range(200)])
    in_order = feed(readings)
    shuffled = readings[:]
    rnd.shuffle(shuffled)
    assert accumulate.accumulations(feed(shuffled)) == accumulate.accumulations(in_order)
    assert feed(shuffled)["rain"] == in_order["rain"]


def test_missing_readings_count_as_no_rain_and_show_in_coverage(feed):
    readings = five_minute_rain([2.0] * 12)
    del readings[3:6]  # 15 minutes lost
    state = feed(readings)
    assert accumulate.accumulations(state)["rain_1h_mm"] == 18.0
    assert accumulate.covered_s(state, window_s=3600) == 3600 - 900
    assert accumulate.covered_s(state, window_s=3 * 3600) == 3600 - 900


def test_rain_rate_is_the_mean_over_the_last_30_minutes(feed):
    state = feed(five_minute_rain([0.0] * 6 + [2.0] * 6))
    assert accumulate.rain_rate_mm_per_h(state) == pytest.approx(24.0)
    assert accumulate.rain_rate_mm_per_h(state, window_s=3600) == pytest.approx(12.0)


def test_water_level_rise_is_a_least_squares_slope_over_30_minutes(feed, at):
    noise = [0.004, -0.003, 0.002, -0.004, 0.003, -0.002, 0.0]
    rising = [("water_level_m", 5 * i, 3.0 + 0.05 * i + noise[i]) for i in range(7)]
    state = feed([("water_level_m", -60, 9.0), *rising])  # an hour-old spike outside the window
    current = accumulate.series(state, element="water_level_m")
    assert current.at == at(30)
    assert current.value_m == pytest.approx(3.3)
    assert current.rise_m_per_h == pytest.approx(0.6, abs=0.02)


def test_no_rise_until_samples_span_ten_minutes(feed):
    state = feed([("waterlogging_depth_m", 0, 0.05), ("waterlogging_depth_m", 5, 0.08)])
    assert accumulate.series(state, element="waterlogging_depth_m").rise_m_per_h is None
    state = feed([("waterlogging_depth_m", 10, 0.11)], state)
    current = accumulate.series(state, element="waterlogging_depth_m")
    assert current.rise_m_per_h == pytest.approx(0.36)


def test_measures_name_every_current_value(feed):
    state = feed(
        [
            *five_minute_rain([1.0] * 3),
            ("water_level_m", 0, 3.0),
            ("water_level_m", 15, 3.1),
            ("waterlogging_depth_m", 15, 0.12),
        ]
    )
    values = accumulate.measures(state)
    assert values["rain_1h_mm"] == 3.0
    assert values["water_level_m"] == 3.1
    assert values["water_level_rise_m_per_h"] == pytest.approx(0.4)
    assert values["waterlogging_depth_m"] == 0.12
    assert "waterlogging_rise_m_per_h" not in values
    assert accumulate.measures(feed([])) == {}
