"""The video agents in faust's in-process test context (memory:// tables).

Only what leaves the process is replaced: sends to ``video.candidates`` and
``alerts`` are captured; captured candidates are fed to the second agent.
"""

import asyncio
from dataclasses import replace
from datetime import timedelta
from unittest import mock

import orjson
import pytest

from citybrain.contracts.alert import message_key, validate
from citybrain.reference import write_tables
from citybrain.settings import load
from connectors import deepstream
from streams import faust_compat
from streams.app import create_app
from streams.ordered import is_next_key, next_key
from streams.video import agents
from tests.streams.video.conftest import LAT, LNG, T0

CAMERAS = [
    {"camera_id": "CAM-A", "name": "东街01号", "lat": LAT, "lng": LNG},
    {"camera_id": "CAM-B", "name": "东街02号", "lat": LAT + 0.0002, "lng": LNG},
]


def message(camera_id: str, object_id: str, at_s: float, *, label="street_vendor") -> bytes:
    doc = deepstream.full_message(
        message_id=f"{camera_id}-{object_id}-{at_s}",
        event_id=f"e-{camera_id}-{at_s}",
        at=T0 + timedelta(seconds=at_s),
        camera_id=camera_id,
        camera_lat=LAT,
        camera_lng=LNG,
        object_id=object_id,
        label=label,
        event_type="stopped",
        lat=LAT + (0.0001 if camera_id == "CAM-B" else 0.0),
        lng=LNG,
        bbox_px=(10, 20, 30, 40),
        confidence=0.9,
    )
    return orjson.dumps(doc)


@pytest.fixture
def built(tmp_path):
    write_tables(tmp_path, {"cameras": CAMERAS, "permits": []})
    settings = replace(
        load({"HOME": "/nonexistent", "CITYBRAIN_REFERENCE_DIR": str(tmp_path)}),
        store="memory://",
        web_port=0,
    )
    app = create_app(settings)
    return app, agents.build(app, settings)


async def feed(agent, values, *, topic, count, watch, key_of=lambda v: b"k"):
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    sent: list[tuple[bytes, dict]] = []

    async def publish(*, key, value):
        sent.append((key, orjson.loads(value)))
        return done

    target = watch.stats[count] + len(values)
    with mock.patch.object(topic, "send", publish):
        for value in values:
            await agent.put(value, key=key_of(value), partition=0, wait=False)
        for _ in range(100):
            if watch.stats[count] >= target:
                return sent
            await asyncio.sleep(0.05)
    raise AssertionError(f"only {watch.stats[count]} of {target} processed")


async def test_two_cameras_one_vendor_one_alert_and_redelivery_changes_nothing(built):
    app, watch = built
    day = [
        message(camera, f"{camera}-o", s)
        for s in range(0, 900, 30)
        for camera in ("CAM-A", "CAM-B")
    ]
    async with app.agents["video_episodes"].test_context() as agent:
        candidates = await feed(
            agent,
            [*day, b'{"mdsversion": "1.0"', message("CAM-Z", "z", 0)],
            topic=watch.candidates_topic,
            count="detections",
            watch=watch,
        )
        again = await feed(
            agent, day[-4:], topic=watch.candidates_topic, count="detections", watch=watch
        )
        cameras = {k for k in watch.cameras if not is_next_key(k)}
        assert cameras == {"CAM-A", "CAM-B", "CAM-Z"}
        assert watch.cameras[next_key(("detections.video", 0))] == len(day) + 2 + 4
    assert [c["camera_id"] for _, c in candidates] == ["CAM-A", "CAM-B"]
    assert again == [] and watch.stats["invalid"] == 1
    async with app.agents["video_places"].test_context() as agent:
        values = [orjson.dumps(c) for _, c in candidates]
        keys = dict(zip(values, [k for k, _ in candidates], strict=True))
        alerts = await feed(
            agent,
            values * 2,  # the second copy: a redelivery
            topic=watch.out,
            count="candidates_seen",
            watch=_Counting(watch),
            key_of=keys.get,
        )
    assert [d["alert_id"] for _, d in alerts] == [
        "video-CAM-A-unlicensed_peddler-CAM-A-o-20260715T100000Z"
    ]
    assert all(k == message_key(d) for k, d in alerts)  # keyed by category and area
    doc = validate(alerts[0][1])
    assert doc["title"] == "无证游商 东街01号" and doc["details"]["evidence"]["samples"] == 11
    assert (watch.stats["suppressed"], watch.stats["duplicate"]) == (1, 2)


class _Counting:
    """Counts stage-2 outcomes as the number of candidates seen."""

    def __init__(self, watch):
        self.watch = watch

    @property
    def stats(self):
        s = self.watch.stats
        return {"candidates_seen": s["alert"] + s["suppressed"] + s["duplicate"]}


async def test_records_after_a_skipped_offset_wait_for_it_so_the_episode_stays_whole(built):
    """faust can leave records out of a stream (around a rebalance) and go on with later ones.

    Applying the later ones at once split the vendor's episode at the hole (a second alert)
    and the missing sightings, sought back, counted as already seen: the episode lost them.
    """
    app, watch = built
    vendor = [message("CAM-A", "v", s) for s in range(0, 930, 30)]  # offsets 0..30
    sought: list[dict] = []

    async def seek(**where):
        sought.append(where)
        return True

    with mock.patch.object(faust_compat, "seek_and_hold", lambda consumer, **where: seek(**where)):
        async with app.agents["video_episodes"].test_context() as agent:
            first = await feed(
                agent, vendor[:10], topic=watch.candidates_topic, count="detections", watch=watch
            )
            agent.sent_offset = 14  # offsets 10..13 (two minutes of sightings) left out
            later = await feed(
                agent, vendor[14:], topic=watch.candidates_topic, count="detections", watch=watch
            )
            assert sought == [{"topic": "detections.video", "partition": 0, "offset": 10}]
            assert watch.stats["deferred"] == len(vendor) - 14
            agent.sent_offset = 10  # the seek back delivers from the hole on
            again = await feed(
                agent, vendor[10:], topic=watch.candidates_topic, count="detections", watch=watch
            )
    assert first == later == []
    assert [(c["alert_id"], c["samples"]) for _, c in again] == [
        ("video-CAM-A-unlicensed_peddler-v-20260715T100000Z", 11)
    ]
    objects = watch.cameras["CAM-A"]["objects"]
    assert objects["v"]["samples"] == len(vendor) and objects["v"]["first_s"] == T0.timestamp()
