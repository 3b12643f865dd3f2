import orjson

from streams.intake.validate import RawMessage, rejection_id, validate_batch

GOOD = (
    b'{"event_id": "r1", "event_at": "2026-07-15T11:00:00Z", "channel": "app",'
    b' "category": "noise", "lat": 30.27, "lng": 120.15}'
)


def test_bad_records_become_dead_letters_and_good_ones_pass():
    messages = [
        RawMessage("reports.citizen", 0, 0, 1_752_577_200_000, GOOD),
        RawMessage("reports.citizen", 0, 1, 1_752_577_200_000, b"\xff\xfe"),
        RawMessage("reports.citizen", 0, 2, 1_752_577_200_000, None),
        RawMessage("reports.citizen", 0, 3, 1_752_577_200_000, GOOD),
    ]
    accepted, rejected = validate_batch(messages)
    assert [m.offset for m, _ in accepted] == [0, 3]
    assert [r["source_offset"] for r in rejected] == [1, 2]
    assert rejected[0]["raw_base64"] == "//4="
    assert "not valid JSON" in rejected[0]["reason"]
    assert rejected[1]["reason"] == "message has no value"
    assert rejected[0]["event_id"] == rejection_id(topic="reports.citizen", partition=0, offset=1)


def test_tombstones_on_compacted_topics_are_deletions_not_rejections():
    tombstone = RawMessage("permits", 0, 4, 1_752_577_200_000, None)
    empty_report = RawMessage("reports.citizen", 0, 5, 1_752_577_200_000, None)
    accepted, rejected = validate_batch([tombstone, empty_report])
    assert accepted == []
    assert [r["source_topic"] for r in rejected] == ["reports.citizen"]


def test_a_deepstream_frame_with_several_objects_yields_a_row_per_object(camera_registry):
    from connectors.deepstream_minimal import minimal_message, object_text

    frame = minimal_message(
        frame_id=812,
        timestamp="2026-07-15T11:00:00.000Z",
        sensor_id=camera_registry,
        objects=[
            object_text(tracking_id="1", bbox_px=(10, 20, 110, 220), label="street_vendor"),
            object_text(tracking_id="2", bbox_px=(300, 20, 410, 220), label="street_vendor"),
            object_text(tracking_id="3", bbox_px=(500, 40, 610, 260), label="car"),
        ],
    )
    empty = {**frame, "objects": []}
    messages = [
        RawMessage("detections.video", 0, 10, 1_752_577_200_000, orjson.dumps(frame)),
        RawMessage("detections.video", 0, 11, 1_752_577_200_000, orjson.dumps(empty)),
    ]
    accepted, rejected = validate_batch(messages)
    assert rejected == []
    assert [(m.offset, row["object_id"], row["category"]) for m, row in accepted] == [
        (10, "1", "unlicensed_peddler"),
        (10, "2", "unlicensed_peddler"),
        (10, "3", None),
    ]
    assert len({row["event_id"] for _, row in accepted}) == 3  # each lands once, on its own id
