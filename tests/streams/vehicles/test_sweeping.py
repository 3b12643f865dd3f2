"""Sanitation vehicles speeding while sweeping: sustained breaches alert once, with the fixes."""

from datetime import timedelta

import numpy as np
import pytest

from citybrain.contracts.alert import validate
from streams.vehicles.fleet import Fleet
from streams.vehicles.sweeping import is_sweeping, speeding
from tests.streams.vehicles.test_zones import NIGHT, SWEEPER, VEHICLES, drive


def test_sweeping_is_acc_on_and_in_service():
    flags = np.array([0b00011, 0b00010, 0b10011, 0b00001])
    assert is_sweeping(flags).tolist() == [True, False, False, True]
    got = speeding(status_flags=flags, speed_kmh=np.array([20, 20, 20, 15]), max_kmh=15)
    assert got.tolist() == [True, False, False, False]  # 15 km/h is not above 15


def sweep(speeds, *, over_s=60.0, status_flags=3):
    """One fix every 20 s at the given speeds; the fleet's alerts."""
    rows = []
    for i, speed in enumerate(speeds):
        (row,) = drive(
            [0],
            vehicle_id=SWEEPER,
            start=NIGHT + timedelta(seconds=20 * i),
            speed_kmh=speed,
            status_flags=status_flags,
        )
        rows.append({**row, "event_id": f"s1-{i}", "lng": 120.0 + 1e-4 * i})
    fleet = Fleet(vehicles=VEHICLES, permits=[], sweep_max_kmh=15.0, sweep_over_s=over_s)
    return fleet.replay(rows)[1]


def test_a_short_burst_is_not_a_breach_a_sustained_one_is_once():
    assert sweep([10, 25, 25, 25, 10, 25, 25, 25, 10]) == []  # 40 s above, twice
    docs = sweep([10, 25, 25, 25, 25, 25, 25, 25, 10, 10])
    assert len(docs) == 1
    doc = validate(docs[0])
    assert doc["alert_id"] == "vehicles-s1-sweep_speeding-20260714T160020Z"
    assert (doc["category"], doc["level"]) == ("other", "sweep_speeding")
    assert doc["details"]["limit"] == {"max_kmh": 15.0, "over_s": 60.0}
    evidence = doc["details"]["evidence"]
    assert [f["speed_kmh"] for f in evidence] == [25.0] * 4  # 20 s .. 80 s: 60 s above
    assert evidence[0]["fixed_at"] == docs[0]["event_at"]


def test_out_of_service_driving_and_other_types_break_nothing():
    assert sweep([40] * 20, status_flags=0b10011) == []
    assert sweep([40] * 20, status_flags=0) == []


@pytest.mark.parametrize("over_s", [20.0, 100.0])
def test_the_duration_is_configurable(over_s):
    docs = sweep([10, 25, 25, 25, 25, 10], over_s=over_s)
    assert len(docs) == (1 if over_s <= 60 else 0)
