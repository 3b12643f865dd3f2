import itertools
import json
import math
import random

import pytest

from streams.flood import lifecycle
from streams.flood.levels import DepthThresholds, Level, assess
from streams.flood.lifecycle import Policy, Signal


@pytest.fixture
def depth_signal(station, at):
    """``depth_signal(minute, depth_m, **extra)``: a real waterlogging Signal at T0 + minute."""
    underpass = station()
    rules = underpass.rules("waterlogging")

    def make(minute, depth_m, **extra):
        values = {"waterlogging_depth_m": depth_m}
        judged = assess(values, extra.pop("rules", rules))
        return Signal(
            station=underpass,
            hazard="waterlogging",
            at=at(minute),
            level=judged.level,
            hold_level=judged.hold_level,
            trigger=judged.trigger,
            values=values,
            **extra,
        )

    return make


def run(signals, *, policy=None, state=None, through_json=False):
    policy, messages = policy or Policy(), []
    for signal in signals:
        step = lifecycle.step(state, signal, policy=policy)
        state = json.loads(json.dumps(step.state)) if through_json else step.state
        if step.message:
            messages.append(step.message)
    return state, messages


def test_nothing_is_sent_below_every_level(depth_signal):
    state, messages = run([depth_signal(m, 0.1) for m in range(0, 60, 5)])
    assert messages == [] and state["level"] == 0


def test_an_alert_is_issued_at_once_and_raised_at_once(depth_signal, at):
    state, messages = run([depth_signal(0, 0.05), depth_signal(5, 0.21), depth_signal(10, 0.3)])
    alert, update = messages
    assert (alert["msg_type"], alert["level"], alert["certainty"]) == (
        "Alert",
        "yellow",
        "Observed",
    )
    assert alert["alert_id"] == f"0010100001.waterlogging.{int(at(5).timestamp())}"
    assert alert["message_id"] == alert["event_id"] == alert["alert_id"] + ".0"
    assert alert["sent_at"] == "2026-07-15T06:05:00.000Z"
    assert alert["references"] == [] and alert["previous_level"] is None
    assert alert["trigger"] == {"measure": "waterlogging_depth_m", "value": 0.21, "threshold": 0.2}
    assert (update["msg_type"], update["level"], update["previous_level"]) == (
        "Update",
        "red",
        "yellow",
    )
    assert update["alert_id"] == alert["alert_id"]
    assert update["references"] == [
        {
            "sender": "citybrain.flood",
            "message_id": alert["message_id"],
            "sent_at": alert["sent_at"],
        }
    ]
    assert update["issued_at"] == alert["sent_at"]
    assert state["level"] == Level.RED


def noisy_depth(rnd, minute):
    """±2 cm of wave and noise around the 20 cm yellow line (the clear margin is 3 cm)."""
    return round(0.2 + 0.012 * math.sin(minute / 7) + rnd.uniform(-0.008, 0.008), 3)


def test_a_noisy_series_near_a_threshold_gives_one_alert_not_many(depth_signal):
    rnd = random.Random(3)
    series = [depth_signal(m, noisy_depth(rnd, m)) for m in range(0, 240, 5)]
    crossings = sum(1 for a, b in itertools.pairwise(series) if a.level != b.level)
    assert crossings >= 10  # the raw level flaps
    _, messages = run(series)
    assert [(m["msg_type"], m["level"]) for m in messages] == [("Alert", "yellow")]
    flapping = DepthThresholds(clear_margin_m=0.0).rules()
    raw = [depth_signal(m, noisy_depth(rnd, m), rules=flapping) for m in range(0, 240, 5)]
    _, without_hysteresis = run(raw, policy=Policy(min_level_s=0, settle_s=0))
    assert len(without_hysteresis) >= 10


def test_noise_around_the_next_threshold_gives_one_update_each_way(depth_signal):
    rnd = random.Random(5)
    series = [depth_signal(m, 0.21) for m in range(0, 30, 5)]
    series += [depth_signal(m, noisy_depth(rnd, m) + 0.07) for m in range(30, 150, 5)]
    series += [depth_signal(m, 0.22) for m in range(150, 210, 5)]
    series += [depth_signal(m, 0.0) for m in range(210, 300, 5)]
    _, messages = run(series)
    assert [(m["msg_type"], m["level"]) for m in messages] == [
        ("Alert", "yellow"),
        ("Update", "red"),
        ("Update", "yellow"),
        ("Cancel", "none"),
    ]
    assert len({m["alert_id"] for m in messages}) == 1
    assert len({m["message_id"] for m in messages}) == 4
    first, _, second, cancel = messages
    assert [r["message_id"] for r in cancel["references"]] == [
        first["message_id"],
        second["message_id"],
    ]
    assert cancel["previous_level"] == "yellow"


def test_a_level_drops_only_after_it_stood_and_the_value_stayed_low(depth_signal, at):
    signals = [depth_signal(0, 0.25)] + [depth_signal(m, 0.0) for m in range(5, 60, 5)]
    _, messages = run(signals)
    cancel = messages[-1]
    assert cancel["msg_type"] == "Cancel"
    assert cancel["sent_at"] == "2026-07-15T06:30:00.000Z"  # min_level_s = 1800 s after issue
    late_drop = [depth_signal(0, 0.25), depth_signal(40, 0.25)]
    late_drop += [depth_signal(m, 0.0) for m in range(45, 90, 5)]
    _, messages = run(late_drop)
    assert messages[-1]["sent_at"] == "2026-07-15T07:00:00.000Z"  # settle_s = 900 s below


def test_a_short_dip_does_not_count_towards_settling(depth_signal):
    signals = [depth_signal(0, 0.25), depth_signal(40, 0.0), depth_signal(50, 0.25)]
    signals += [depth_signal(55, 0.0), depth_signal(65, 0.0), depth_signal(70, 0.0)]
    _, messages = run(signals)
    assert [m["sent_at"][11:16] for m in messages] == ["06:00", "07:10"]


def test_state_stored_as_json_gives_the_same_messages(depth_signal):
    depths = [0.0, 0.21, 0.3, 0.3, 0.25, 0.22, 0.21, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0]
    signals = [depth_signal(10 * i, d) for i, d in enumerate(depths)]
    assert run(signals, through_json=True)[1] == run(signals)[1]


def test_a_late_signal_never_moves_time_back(depth_signal):
    state, _ = run([depth_signal(30, 0.25)])
    step = lifecycle.step(state, depth_signal(0, 0.0))
    assert step.message is None
    assert step.state["at_s"] == state["at_s"]


def test_a_new_alert_after_a_cancel_gets_a_new_id(depth_signal):
    first = [depth_signal(0, 0.25)] + [depth_signal(m, 0.0) for m in range(30, 60, 5)]
    second = [depth_signal(120, 0.21)]
    _, messages = run(first + second)
    assert [m["msg_type"] for m in messages] == ["Alert", "Cancel", "Alert"]
    assert messages[0]["alert_id"] != messages[2]["alert_id"]
    assert messages[2]["references"] == []


def test_a_nowcast_raises_the_alert_as_likely_before_it_is_observed(depth_signal, at):
    expected = depth_signal(
        0,
        0.12,
        forecast_level=Level.YELLOW,
        forecast_at=at(25),
        forecast_measure="waterlogging_depth_m",
    )
    state, (alert,) = run([expected])
    assert (alert["level"], alert["certainty"]) == ("yellow", "Likely")
    assert alert["forecast"] == {
        "level": "yellow",
        "measure": "waterlogging_depth_m",
        "crossing_at": "2026-07-15T06:25:00.000Z",
    }
    _, more = run([depth_signal(25, 0.21)], state=state)
    assert more == []  # observing the expected level sends nothing new
    _, gone = run([depth_signal(m, 0.05) for m in range(5, 60, 5)], state=state)
    assert [(m["msg_type"], m["sent_at"][11:16]) for m in gone] == [("Cancel", "06:30")]
