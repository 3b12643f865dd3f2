import json
from datetime import datetime

import pytest

from streams.flood import accumulate
from streams.flood.state import Outcome, add_reading, empty_state, is_silent


def rain(state, at, *, minute, mm, period_s=300):
    return add_reading(
        state, element="rain_period_mm", observed_at=at(minute), value=mm, period_s=period_s
    )


def test_a_new_reading_is_counted_and_the_old_state_is_not_mutated(at):
    before = empty_state()
    added = rain(before, at, minute=5, mm=2.5)
    assert added.outcome is Outcome.COUNTED
    assert before == empty_state()
    assert accumulate.accumulations(added.state)["rain_5min_mm"] == 2.5


def test_the_same_observation_again_is_a_duplicate_whatever_its_event_id(at):
    state = rain(None, at, minute=5, mm=2.5).state
    again = rain(state, at, minute=5, mm=2.5)
    assert again.outcome is Outcome.DUPLICATE
    assert again.state == state
    assert accumulate.accumulations(again.state)["rain_1h_mm"] == 2.5


def test_a_different_value_for_the_same_time_replaces_it(at):
    state = rain(None, at, minute=5, mm=2.5).state
    corrected = rain(state, at, minute=5, mm=4.0)
    assert corrected.outcome is Outcome.CORRECTED
    assert accumulate.accumulations(corrected.state)["rain_1h_mm"] == 4.0


def test_a_report_overlapping_a_stored_span_is_not_counted(at):
    five_minutes = rain(None, at, minute=60, mm=3.0).state
    hourly = rain(five_minutes, at, minute=60, mm=20.0, period_s=3600)
    assert hourly.outcome is Outcome.OVERLAP
    straddling = rain(five_minutes, at, minute=62, mm=1.0)
    assert straddling.outcome is Outcome.OVERLAP
    adjacent = rain(five_minutes, at, minute=65, mm=1.0)
    assert adjacent.outcome is Outcome.COUNTED


def test_rain_older_than_24_hours_is_too_late_and_changes_nothing(at):
    state = rain(None, at, minute=24 * 60, mm=1.0).state
    assert rain(state, at, minute=0, mm=9.0).outcome is Outcome.TOO_LATE
    assert rain(state, at, minute=0, mm=9.0).state == state
    inside = rain(state, at, minute=5, mm=9.0)
    assert inside.outcome is Outcome.COUNTED
    assert accumulate.accumulations(inside.state)["rain_24h_mm"] == 10.0


def test_old_rain_is_pruned_when_the_watermark_moves(at):
    state = rain(None, at, minute=0, mm=1.0).state
    state = rain(state, at, minute=5, mm=1.0).state
    state = rain(state, at, minute=24 * 60 + 5, mm=1.0).state
    assert [row[0] for row in state["rain"]] == [int(at(5).timestamp()) + 86400]


def test_level_samples_older_than_two_hours_are_too_late(at):
    state = add_reading(None, element="water_level_m", observed_at=at(180), value=3.0).state
    late = add_reading(state, element="water_level_m", observed_at=at(60), value=2.0)
    assert late.outcome is Outcome.TOO_LATE
    fits = add_reading(state, element="water_level_m", observed_at=at(61), value=2.0)
    assert fits.outcome is Outcome.COUNTED
    assert accumulate.series(fits.state, element="water_level_m").value_m == 3.0


def test_unused_elements_are_ignored_and_rain_needs_a_period(at):
    counter = add_reading(None, element="rain_accumulated_mm", observed_at=at(0), value=812.0)
    assert counter.outcome is Outcome.IGNORED
    with pytest.raises(ValueError, match="period_s"):
        add_reading(None, element="rain_period_mm", observed_at=at(0), value=1.0)
    with pytest.raises(ValueError, match="naive"):
        add_reading(None, element="water_level_m", observed_at=datetime(2026, 7, 15), value=1.0)


def test_state_survives_a_json_round_trip(feed, at):
    state = feed(
        [
            ("rain_period_mm", 5, 1.2, 300),
            ("water_level_m", 5, 3.1),
            ("waterlogging_depth_m", 5, 0.05),
        ]
    )
    restored = json.loads(json.dumps(state))
    assert restored == state
    again = add_reading(
        restored,
        element="water_level_m",
        observed_at=at(5),
        value=3.1,
    )
    assert again.outcome is Outcome.DUPLICATE


def test_a_station_is_silent_after_the_configured_time(at, feed):
    state = feed([("water_level_m", 0, 3.0)])
    assert is_silent(None, now=at(0))
    assert not is_silent(state, now=at(19))
    assert is_silent(state, now=at(20))
    assert not is_silent(state, now=at(50), silence_s=3600)
