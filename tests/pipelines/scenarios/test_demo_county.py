from collections import Counter

import pytest

from citybrain.contracts import ContractViolation, decode
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.clock import local_hour
from pipelines.scenarios.demo_county.geography import grid_at


@pytest.fixture(scope="module")
def county():
    return build(scale=0.05)


def test_same_seed_same_bytes_other_seed_other_day(county):
    assert build(scale=0.05).messages == county.messages
    assert build(scale=0.05, seed=1).messages != county.messages


def test_valid_messages_pass_their_contract_and_broken_ones_fail(county):
    broken = Counter()
    for message in county.messages:
        if message.valid:
            decode(message.topic, message.value)
        else:
            with pytest.raises(ContractViolation):
                decode(message.topic, message.value)
            broken[message.topic] += 1
    assert set(broken) == {
        "detections.video",
        "gps.fixes",
        "hydro.readings",
        "permits",
        "reports.citizen",
    }


def test_messages_are_in_event_time_order(county):
    times = [m.event_at for m in county.messages]
    assert times == sorted(times)


def test_fifty_cameras_inside_fourteen_digit_unit_grids(county):
    assert len(county.cameras) == 50
    codes = {g["grid_code"] for g in county.grids}
    assert len(codes) == 48 and all(len(c) == 14 and c.isdigit() for c in codes)
    for camera in county.cameras:
        assert grid_at(lat=camera["lat"], lng=camera["lng"]).code == camera["grid_code"]


def test_the_rainstorm_falls_in_the_local_afternoon(county):
    rain = [
        decode(m.topic, m.value) for m in county.messages if m.topic == "hydro.readings" and m.valid
    ]
    wet = [r for r in rain if r["element"] == "rain_period_mm" and r["value"] > 0]
    assert wet and all(13 <= local_hour(r["event_at"]) <= 18 for r in wet)


def test_vending_concentrates_in_the_evening_and_muck_trucks_drive_at_night(county):
    vending = [
        decode(m.topic, m.value)
        for m in county.messages
        if m.valid and m.topic in ("detections.video", "reports.citizen")
    ]
    vending = [r for r in vending if r["category"] == "unlicensed_peddler"]
    evening = sum(17 <= local_hour(r["event_at"]) < 22.5 for r in vending)
    assert evening / len(vending) > 0.7
    muck = {v["vehicle_id"] for v in county.vehicles if v["vehicle_type"] == "muck_truck"}
    fixes = [
        decode(m.topic, m.value) for m in county.messages if m.topic == "gps.fixes" and m.valid
    ]
    hours = [local_hour(f["event_at"]) for f in fixes if f["vehicle_id"] in muck]
    night = sum(h < 5 or h >= 22 for h in hours)
    assert night / len(hours) > 0.85  # the rest is the truck that breaks its time window
