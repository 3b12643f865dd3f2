from datetime import UTC, datetime

from citybrain.contracts import encode_row
from streams.hotspots.windows import WindowId, window_messages
from streams.intake.validate import RawMessage, rejection
from streams.sink.agents import rows_by_topic

T0 = datetime(2026, 7, 15, 10, tzinfo=UTC)
REPORT = encode_row(
    {
        "event_id": "r1",
        "event_at": T0,
        "channel": "app",
        "category": "noise",
        "lat": 30.27,
        "lng": 120.15,
    }
)


def test_batches_split_by_topic_with_offsets_and_bad_records_skipped():
    window = WindowId("reports.citizen", 3, 3600, int(T0.timestamp() * 1000))
    (hotspot,) = window_messages(
        window,
        {"89309a42d53ffff|noise": 4, "89309a42e9bffff|noise": 1},
        watermark_ms=int(T0.timestamp() * 1000) + 4_000_000,
    )
    dead = rejection(RawMessage("gps.fixes", 0, 5, 1_752_577_200_000, b"junk"), "not valid JSON")
    batch = [
        RawMessage("reports.citizen", 3, 10, 0, REPORT),
        RawMessage("reports.citizen", 3, 11, 0, b"{broken"),  # the worker dead-letters this one
        RawMessage("hotspots", 1, 7, 0, encode_row(hotspot)),
        RawMessage("gps.fixes.rejected", 0, 2, 0, encode_row(dead)),
        RawMessage("hotspots", 1, 8, 0, b"not json"),
    ]
    grouped, skipped = rows_by_topic(batch)
    assert skipped == 2
    assert [(row["event_id"], p, o) for row, p, o in grouped["reports.citizen"]] == [("r1", 3, 10)]
    # a window message lands as one row per cell x category, all from its Kafka offset
    assert [(row["h3_res9"], row["event_count"], o) for row, _, o in grouped["hotspots"]] == [
        ("89309a42d53ffff", 4, 7),
        ("89309a42e9bffff", 1, 7),
    ]
    assert grouped["hotspots"][0][0]["window_start_at"] == T0
    ((row, _, _),) = grouped["gps.fixes.rejected"]
    assert row["reason"] == "not valid JSON" and row["event_at"].tzinfo is not None


def test_every_object_of_a_deepstream_frame_lands(camera_registry):
    import orjson

    from connectors.deepstream_minimal import minimal_message, object_text

    frame = minimal_message(
        frame_id=9,
        timestamp="2026-07-15T11:00:00.000Z",
        sensor_id=camera_registry,
        objects=[
            object_text(tracking_id=str(i), bbox_px=(10 * i, 20, 10 * i + 5, 60), label="person")
            for i in range(1, 5)
        ],
    )
    batch = [RawMessage("detections.video", 2, 40, 1_752_577_200_000, orjson.dumps(frame))]
    grouped, skipped = rows_by_topic(batch)
    assert skipped == 0
    assert [(row["object_id"], p, o) for row, p, o in grouped["detections.video"]] == [
        ("1", 2, 40),
        ("2", 2, 40),
        ("3", 2, 40),
        ("4", 2, 40),
    ]
