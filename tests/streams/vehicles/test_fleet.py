"""The whole vehicles core over the demo county's day, without Kafka."""

from datetime import datetime

import pytest

from citybrain.contracts import decode, gps
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.clock import local_hour
from pipelines.scenarios.demo_county.gps_events import planted_violations
from streams.vehicles.fleet import Fleet, rules_of


def test_rules_after_the_broken_one_are_not_judged():
    assert rules_of("outside_window", moving=True) == {
        "no_permit": None,
        "outside_window": "outside_window",
        "off_route": "unjudged",
    }
    assert rules_of(None, moving=True) == dict.fromkeys(rules_of(None, moving=True))
    assert set(rules_of("off_route", moving=False).values()) == {"unjudged"}


@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_the_demo_days_planted_breaches_and_nothing_else(scale):
    scenario = build(scale=scale)
    rows = [
        decode(gps.TOPIC, m.value) for m in scenario.messages if m.topic == gps.TOPIC and m.valid
    ]
    fleet = Fleet(vehicles=scenario.vehicles, permits=scenario.permits, zones=scenario.zones)
    values, alerts, counts = fleet.replay(rows)
    found = sorted(
        (
            a["details"]["vehicle"]["vehicle_id"],
            a["level"],
            local_hour(datetime.fromisoformat(a["event_at"])),
        )
        for a in alerts
    )
    planted = planted_violations(scenario.vehicles)
    assert len(found) == len(planted) == 3
    for vehicle_id, rule, hour in found:
        assert any(
            (p["vehicle_id"], p["rule"]) == (vehicle_id, rule)
            and p["local_hours"][0] <= hour < p["local_hours"][1]
            for p in planted
        ), (vehicle_id, rule, hour)
    assert set(values) == {v["vehicle_id"] for v in scenario.vehicles}
    assert counts == {"kept": len(rows)}  # the generator's tracks are clean


def test_the_demo_zones_are_crossed_at_night_only_where_trucks_may_cross():
    """The old town forbids trucks by day and trucks cross it at night; the school, always."""
    scenario = build(scale=0.25)
    fleet = Fleet(vehicles=scenario.vehicles, permits=scenario.permits, zones=scenario.zones)
    assert [z.zone_id for z in fleet.zones.zones] == ["ZN-0001", "ZN-0002"]
    muck = {v["vehicle_id"] for v in scenario.vehicles if v["vehicle_type"] == "muck_truck"}
    rows = [
        r
        for r in (
            decode(gps.TOPIC, m.value)
            for m in scenario.messages
            if m.topic == gps.TOPIC and m.valid
        )
        if r["vehicle_id"] in muck
    ]
    inside = set()
    for zone in fleet.zones.zones:
        always = Fleet(
            vehicles=scenario.vehicles,
            permits=[],
            zones=[{"zone_id": zone.zone_id, "polygon_wkt": zone.polygon_wkt}],
        )
        for r in rows:
            if always.zones.zones_at(
                vehicle_type="muck_truck",
                at_s=r["event_at"].timestamp(),
                lat=r["lat"],
                lng=r["lng"],
            ):
                inside.add(
                    (zone.zone_id, local_hour(r["event_at"]) < 6 or local_hour(r["event_at"]) >= 22)
                )
    assert inside == {("ZN-0002", True)}  # only the old town, only at night: no alert is due
