from datetime import UTC, datetime, timedelta

import orjson

from pipelines.scenarios.demo_county import SourceMessage
from pipelines.soak.laps import looped, shift_message

T0 = datetime(2026, 7, 14, 16, 0, tzinfo=UTC)


def gps(at: datetime, n: int) -> SourceMessage:
    doc = {"event_id": f"v1-{n}", "event_at": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    return SourceMessage("gps.fixes", b"v1", orjson.dumps(doc), at, True)


def video(at: datetime) -> SourceMessage:
    doc = {
        "messageid": "m-1",
        "@timestamp": "2026-07-14T21:31:53.910Z",
        "object": {"id": "CAM-1-a", "bbox": {"topleftx": 1}},
        "event": {"id": "e-1", "type": "stopped"},
        "sensor": {"id": "CAM-1"},
    }
    return SourceMessage("detections.video", b"CAM-1", orjson.dumps(doc), at, True)


def test_lap_zero_is_the_day_itself():
    message = video(T0)
    assert shift_message(message, 0) == message


def test_a_lap_moves_every_timestamp_a_day_per_lap_and_suffixes_the_ids():
    shifted = shift_message(video(T0), 2)
    doc = orjson.loads(shifted.value)
    assert doc["@timestamp"] == "2026-07-16T21:31:53.910Z"
    assert doc["messageid"] == "m-1~2"
    assert doc["object"] == {"id": "CAM-1-a~2", "bbox": {"topleftx": 1}}
    assert doc["event"] == {"id": "e-1~2", "type": "stopped"}
    assert doc["sensor"] == {"id": "CAM-1"}  # the camera is the same camera
    assert shifted.event_at == T0 + timedelta(days=2)
    assert (shifted.topic, shifted.key, shifted.valid) == ("detections.video", b"CAM-1", True)


def test_malformed_messages_are_replayed_unchanged():
    broken = SourceMessage("gps.fixes", b"broken", b"{not json", T0, False)
    shifted = shift_message(broken, 3)
    assert shifted.value == b"{not json"
    assert shifted.event_at == T0 + timedelta(days=3)


def test_looped_days_stay_in_event_time_order_with_unique_ids():
    # a day that runs 30 minutes past 24 hours, like the demo county's
    day = [gps(T0 + timedelta(hours=h), h) for h in (0, 12, 23)] + [
        gps(T0 + timedelta(hours=24, minutes=30), 99)
    ]
    out = list(looped(day, laps=3))
    assert len(out) == 3 * len(day)
    times = [m.event_at for m in out]
    assert times == sorted(times)
    ids = [orjson.loads(m.value)["event_id"] for m in out]
    assert len(set(ids)) == len(ids)
    # lap 1 starts before lap 0's overrun ends: the overrun is merged in
    assert ids[3:6] == ["v1-0~1", "v1-99", "v1-12~1"]


def test_looped_forever_keeps_going():
    day = [gps(T0, 0), gps(T0 + timedelta(hours=1), 1)]
    stream = looped(day)
    first = [next(stream) for _ in range(7)]
    assert orjson.loads(first[-1].value)["event_id"] == "v1-0~3"
    assert first[-1].event_at == T0 + timedelta(days=3)


def test_a_soak_can_start_later_in_the_day_and_still_loop():
    from pipelines.soak.laps import starting_at

    day = [gps(T0 + timedelta(hours=h), h) for h in (0, 6, 12, 18)]
    ids = [orjson.loads(m.value)["event_id"] for m in starting_at(day, hours=8, laps=2)]
    assert ids == ["v1-12", "v1-18", "v1-0~1", "v1-6~1", "v1-12~1", "v1-18~1"]
