"""Per-vehicle value: last position, one alert per violation episode, redelivery-safe."""

from datetime import UTC, datetime, timedelta

from streams.vehicles.compliance import OFF_ROUTE
from streams.vehicles.episodes import UNJUDGED, alert_id, step
from streams.vehicles.tracks import DUPLICATE, KEPT, OUT_OF_ORDER

T0 = datetime(2026, 7, 14, 17, 0, tzinfo=UTC)  # 01:00 local


def row(minute: float, *, lat: float = 30.0, vehicle_id: str = "013300150461"):
    at = T0 + timedelta(minutes=minute)
    return {
        "event_id": f"{vehicle_id}-{int(at.timestamp())}",
        "event_at": at,
        "vehicle_id": vehicle_id,
        "lat": lat,
        "lng": 120.0 + minute * 1e-4,
        "speed_kmh": 30.0,
        "heading_deg": 90.0,
    }


def run(outcomes, value=None):
    """Feed (minute, outcome) pairs; return the final value and the opened alert ids."""
    opened = []
    for minute, outcome in outcomes:
        stepped = step(value, row(minute), compliance={OFF_ROUTE: outcome})
        value = stepped.value
        opened += [o["alert_id"] for o in stepped.opened]
    return value, opened


def test_one_alert_per_episode_not_per_fix():
    value, opened = run([(0, None), (1, OFF_ROUTE), (2, OFF_ROUTE), (3, OFF_ROUTE), (4, None)])
    assert opened == ["vehicles-013300150461-off_route-20260714T170100Z"]
    assert value["last"]["event_id"] == row(4)["event_id"]
    assert OFF_ROUTE in value["episodes"]  # one compliant fix does not end it yet


def test_a_short_return_to_compliance_does_not_split_the_episode_a_long_one_does():
    short = [(m, OFF_ROUTE) for m in range(5)] + [(5, None), (7, None), (9, OFF_ROUTE)]
    assert len(run(short)[1]) == 1
    long = [(m, OFF_ROUTE) for m in range(5)] + [(5, None), (10, None), (12, OFF_ROUTE)]
    _, opened = run(long)
    assert len(opened) == 2 and opened[1].endswith("T171200Z")


def test_a_gap_without_breach_ends_the_episode_and_unjudged_fixes_neither_extend_nor_clear():
    _, opened = run([(0, OFF_ROUTE), (30, OFF_ROUTE)])
    assert len(opened) == 2  # 30 min after the last breach is a new episode
    value, opened = run(
        [(0, OFF_ROUTE), (1, UNJUDGED), (2, UNJUDGED), (8, UNJUDGED), (9, OFF_ROUTE)]
    )
    assert len(opened) == 1 and value["episodes"][OFF_ROUTE]["compliant_s"] is None


def test_redelivered_and_late_fixes_change_nothing_and_send_nothing():
    value, _ = run([(0, OFF_ROUTE), (1, OFF_ROUTE)])
    again = step(value, row(1), compliance={OFF_ROUTE: OFF_ROUTE})
    late = step(value, row(0.5), compliance={OFF_ROUTE: OFF_ROUTE})
    assert (again.verdict, again.value, again.opened) == (DUPLICATE, value, ())
    assert (late.verdict, late.value, late.opened) == (OUT_OF_ORDER, value, ())


def test_the_same_fixes_give_the_same_alert_ids():
    outcomes = [(0, None), (3, OFF_ROUTE), (4, OFF_ROUTE)]
    assert run(outcomes)[1] == run(outcomes)[1]
    assert (
        alert_id(vehicle_id="v1", kind="off_route", at_s=0)
        == "vehicles-v1-off_route-19700101T000000Z"
    )


def test_other_vehicles_keep_only_their_last_position():
    stepped = step(None, row(0, vehicle_id="sanitation-1"))
    assert stepped.verdict == KEPT and stepped.value["episodes"] == {} and stepped.opened == ()


def test_a_sustained_rule_alerts_after_its_duration_and_a_gap_restarts_it():
    def feed(minutes, outcomes, sustain_s=120.0):
        value, opened = None, []
        for minute, outcome in zip(minutes, outcomes, strict=True):
            stepped = step(
                value,
                row(minute),
                compliance={"sweep_speeding": outcome},
                sustain_s={"sweep_speeding": sustain_s},
            )
            value, opened = stepped.value, opened + list(stepped.opened)
        return value, opened

    fast = "sweep_speeding"
    value, opened = feed([0, 1, 2, 3], [fast] * 4)
    assert [o["alert_id"][-16:] for o in opened] == ["20260714T170000Z"]  # at 2 min, from 0
    assert [f["event_id"] for f in opened[0]["evidence"]] == [row(m)["event_id"] for m in (0, 1, 2)]
    assert "evidence" not in value["episodes"][fast]  # the open episode keeps no fixes
    assert feed([0, 1, 4, 5], [fast] * 4)[1] == []  # 3 min between breaches: pending restarts
    assert feed([0, 1, 2], [fast, None, fast])[1] == []  # a compliant fix drops it
