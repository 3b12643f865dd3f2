"""The demo county's day of camera detections through the real broker and a worker.

The day's ``detections.video`` (random episodes, the planted problems and the
transients of :mod:`pipelines.scenarios.demo_county.video_planted`, broken
records included) are replayed into the session broker; a worker process
(all domains, the case engine too) consumes them. Cameras get fresh ids
(``VIT-`` for ``CAM-``) so detections other tests left on the shared topic do
not mix in. Checks: each planted problem is exactly its expected alert and
reaches a case; planted legal detections and transients make none; every
alert the worker sent is a candidate the pure core finds; no two alerts of
one category from different cameras at one place are open at once.
"""

from dataclasses import replace

import orjson
import pytest

from citybrain.contracts import decode_rows, video
from citybrain.contracts.alert import validate
from citybrain.reference import write_tables
from citybrain.topics import registry
from pipelines import processes
from pipelines.lag import wait_caught_up
from pipelines.replay import replay
from pipelines.scenarios.demo_county import build, video_planted
from pipelines.topic_read import read_all
from pipelines.topics_admin import create_topics
from streams.cases import wire
from streams.video import places
from streams.video.agents import CANDIDATES
from streams.video.core import VideoRules
from streams.video.permits import distance_m
from streams.video.rules import Suppression
from tests.streams.vehicles.test_vehicles_demo_county import AlertsAfter


def fresh(message):
    value = message.value.replace(b'"CAM-', b'"VIT-')
    return replace(message, key=message.key.replace(b"CAM-", b"VIT-"), value=value)


def core_outcomes(rules: VideoRules, rows: list[dict]) -> tuple[list[dict], set[str]]:
    """(alerts of the pure core, alert ids of every candidate it judged)."""
    judged: set[str] = set()
    place = rules.place

    def recording(value, candidate):
        judged.add(candidate["alert_id"])
        return place(value, candidate)

    rules.place = recording
    alerts, _ = rules.replay(rows)
    rules.place = place
    return alerts, judged


@pytest.mark.integration
@pytest.mark.timeout(300)
async def test_planted_problems_become_exactly_their_alerts_and_cases(settings_env, tmp_path):
    settings = replace(settings_env, app_id="video-it")
    await create_topics(settings.broker, registry(settings.app_id))
    scenario = build()
    cameras = [{**c, "camera_id": c["camera_id"].replace("CAM-", "VIT-")} for c in scenario.cameras]
    write_tables(settings.reference_path, {"cameras": cameras, "permits": scenario.permits})
    messages = [fresh(m) for m in scenario.messages if m.topic == video.TOPIC]
    rows = [r for m in messages if m.valid for r in decode_rows(video.TOPIC, m.value)]
    expected = video_planted.expected(cameras)
    assert sum(e is not None for e in expected.values()) == 5  # the test can fail

    alerts_after = AlertsAfter()
    await alerts_after.open(settings.broker)
    worker = processes.start("worker", settings, log_dir=tmp_path / "logs", name="video-worker")
    try:
        await replay(messages, bootstrap=settings.broker, speed=None)
        groups = {settings.app_id: [video.TOPIC, CANDIDATES]}
        await wait_caught_up(settings.broker, groups, timeout_s=180, poll_s=0.5)
        cases = {settings.app_id: [wire.ALERTS, wire.PLACES]}
        await wait_caught_up(settings.broker, cases, timeout_s=120, poll_s=0.5)
        assert worker.alive(), worker.log_tail()
        docs = await alerts_after.read()
        case_events = [orjson.loads(v) for v in await read_all(settings.broker, topic=wire.EVENTS)]
    finally:
        worker.stop()
        await alerts_after.close()

    ours = {c["camera_id"] for c in cameras}
    alerts = [validate(d) for d in docs if d["source"] == "video"]
    alerts = [a for a in alerts if a["details"]["camera"]["camera_id"] in ours]
    assert len({a["event_id"] for a in alerts}) == len(alerts)  # once each, not per frame
    by_object = {a["details"]["object_id"]: a for a in alerts}

    # planted: exactly the expected alert; legal ones and transients: none
    for name, outcome in expected.items():
        found = [a for o, a in by_object.items() if o.startswith(f"PLANT-{name}-")]
        if outcome is None:
            assert found == [], name
            continue
        assert len(found) == 1, (name, found)
        (alert,) = found
        camera_id = alert["details"]["camera"]["camera_id"]
        assert (alert["category"], alert["level"]) == outcome[1:]
        if name == "car_two_cameras":  # whichever camera's candidate reached its place first
            assert camera_id in (outcome[0], cameras[video_planted.PLACE_PAIR[1]]["camera_id"])
        else:
            assert camera_id == outcome[0]
            assert alert["alert_id"].startswith(f"video-{camera_id}-{outcome[1]}-PLANT-{name}-0-")
        assert alert["details"]["evidence"]["message_ids"]
    assert not [o for o in by_object if o.startswith("PASS-")]

    # every alert is a candidate of the pure core; suppression holds across cameras
    rules = VideoRules(cameras=cameras, permits=scenario.permits)
    core_alerts, judged = core_outcomes(rules, rows)
    assert {a["alert_id"] for a in alerts} <= judged
    assert len(alerts) >= 0.9 * len(core_alerts)
    policy = Suppression()
    for i, a in enumerate(alerts):
        for b in alerts[i + 1 :]:
            if a["category"] != b["category"] or a["details"]["camera"] == b["details"]["camera"]:
                continue
            gap_s = abs((a["sent_at"] - b["sent_at"]).total_seconds())
            near = distance_m(lat1=a["lat"], lng1=a["lng"], lat2=b["lat"], lng2=b["lng"])
            same_key = places.place_key(category=a["category"], lat=a["lat"], lng=a["lng"]) == (
                places.place_key(category=b["category"], lat=b["lat"], lng=b["lng"])
            )
            assert not (same_key and gap_s <= policy.open_s and near <= policy.distance_m), (a, b)

    # the case engine took every planted alert into a case
    signals = {e["payload"].get("signal_id"): e["case_id"] for e in case_events}
    planted = [a for o, a in by_object.items() if o.startswith("PLANT-")]
    assert {f"alert:{a['alert_id']}" for a in planted} <= set(signals)
    video_cases = {
        signals[f"alert:{a['alert_id']}"] for a in alerts if f"alert:{a['alert_id']}" in signals
    }
    assert len({signals[f"alert:{a['alert_id']}"] for a in planted}) == len(planted)
    assert 0 < len(video_cases) <= len(alerts)
