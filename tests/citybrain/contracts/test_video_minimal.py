"""DeepStream minimal schema (payload-type 1) on detections.video, beside the full schema.

Examples: the sample printed in nvmsgconv's ``generate_event_message_minimal``
(reference/protocols.md §1.3) and the real full-schema smart-parking messages
converted frame by frame into the minimal message the same pipeline would
publish with ``payload-type=1``.
"""

import json
import os
from pathlib import Path

import orjson
import pytest

from citybrain.contracts import ContractViolation, decode
from citybrain.contracts.cameras import Camera, load_cameras
from citybrain.contracts.video import (
    MINIMAL_EVENT_TYPE,
    minimal_event_id,
    validate,
    validate_rows,
)
from citybrain.reference import ReferenceError, write_tables
from connectors.deepstream_minimal import frames_from_full, minimal_message, object_text

FIXTURE = Path(__file__).parents[2] / "fixtures" / "deepstream" / "smart-parking-3.jsonl"
SHARED = Path(__file__).parents[4] / "shared" / "data" / "deepstream" / "smart-parking-demo-1.jsonl"

# verbatim from the source comment of generate_event_message_minimal (protocols.md §1.3)
PUBLISHED = {
    "version": "4.0",
    "id": "frame-id",
    "@timestamp": "2018-04-11T04:59:59.828Z",
    "sensorId": "sensor-id",
    "objects": ["957|1834|150|1918|215|Vehicle|#|sedan|Bugatti|M|blue|CA 444|California|0.8"],
}
CAMERAS = {"sensor-id": Camera("sensor-id", 30.25, 120.15)}


def full_messages(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def registry_for(messages: list[dict]) -> dict[str, Camera]:
    """Positions for the garage's cameras (their own sensor.location is 0,0: no fix)."""
    ids = sorted({m["sensor"]["id"] for m in messages})
    return {c: Camera(c, 30.2 + i * 0.001, 120.1 + i * 0.001) for i, c in enumerate(ids)}


def test_the_published_minimal_sample_decodes_field_by_field():
    row = validate(PUBLISHED, cameras=CAMERAS)
    assert row["event_at"].isoformat() == "2018-04-11T04:59:59.828000+00:00"
    assert row["camera_id"] == "sensor-id"
    assert row["object_id"] == "957"
    assert (row["bbox_left_px"], row["bbox_top_px"]) == (1834, 150)
    assert (row["bbox_right_px"], row["bbox_bottom_px"]) == (1918, 215)
    assert row["label"] == "vehicle"  # the stock enum name, lower-cased like the full schema's key
    assert row["confidence"] == 0.8  # the last secondary attribute
    assert (row["lat"], row["lng"]) == (30.25, 120.15)  # the registered camera's position
    assert row["event_type"] == MINIMAL_EVENT_TYPE
    assert row["category"] is None  # one frame cannot tell a parked car from traffic
    assert row["event_id"] == minimal_event_id(
        camera_id="sensor-id", frame_id="frame-id", at="2018-04-11T04:59:59.828Z", index=0
    )
    assert validate(dict(PUBLISHED), cameras=CAMERAS)["event_id"] == row["event_id"]  # stable


def test_same_row_shape_as_the_full_schema():
    full = validate(full_messages(FIXTURE)[0])
    minimal = validate(PUBLISHED, cameras=CAMERAS)
    assert minimal.keys() == full.keys()
    assert {k: type(v) for k, v in minimal.items() if v is not None} == {
        k: type(v) for k, v in full.items() if v is not None
    }


def test_real_full_messages_converted_to_minimal_match_field_by_field():
    messages = full_messages(SHARED if SHARED.exists() else FIXTURE)
    cameras = registry_for(messages)
    frames = frames_from_full(messages)
    by_frame: dict[tuple[str, str], list[dict]] = {}
    for message in messages:  # the same grouping, in the same order, as the conversion
        by_frame.setdefault((message["sensor"]["id"], message["@timestamp"]), []).append(message)
    assert len(frames) == len(by_frame)
    ids = set()
    for frame, sources in zip(frames, by_frame.values(), strict=True):
        rows = validate_rows(frame, cameras=cameras)
        assert len(rows) == len(sources)
        for row, message in zip(rows, sources, strict=True):
            full = validate(message)
            for field in ("label", "confidence", "event_at", "camera_id", "object_id"):
                assert row[field] == full[field], field
            for edge in ("left", "top", "right", "bottom"):
                assert row[f"bbox_{edge}_px"] == full[f"bbox_{edge}_px"]
            camera = cameras[full["camera_id"]]
            assert (row["lat"], row["lng"]) == (camera.lat, camera.lng)
            assert row["category"] is None  # parked is an event; frames carry none
            ids.add(row["event_id"])
    assert len(ids) == len(messages)  # one distinct, stable id per object


def test_a_frame_with_several_objects_needs_the_rows_door():
    frame = minimal_message(
        frame_id=7,
        timestamp="2026-07-15T06:00:00.000Z",
        sensor_id="sensor-id",
        objects=[
            object_text(tracking_id="1", bbox_px=(10, 20, 110, 220), label="street_vendor"),
            object_text(
                tracking_id="2",
                bbox_px=(10.5, 20.25, 110.75, 220),
                label="car",
                attributes=["red", 0.91],
            ),
        ],
    )
    vendor, car = validate_rows(frame, cameras=CAMERAS)
    assert (vendor["label"], vendor["category"], vendor["confidence"]) == (
        "street_vendor",
        "unlicensed_peddler",
        1.0,  # no attributes: no confidence given
    )
    assert (car["label"], car["category"], car["confidence"]) == ("car", None, 0.91)
    assert (car["bbox_left_px"], car["bbox_top_px"], car["bbox_right_px"]) == (10, 20, 111)
    with pytest.raises(ContractViolation, match="holds 2 objects"):
        validate(frame, cameras=CAMERAS)
    assert validate_rows({**frame, "objects": []}, cameras=CAMERAS) == []


def test_stock_attribute_layouts_with_and_without_confidence():
    def confidence(text: str) -> float:
        return validate({**PUBLISHED, "objects": [text]}, cameras=CAMERAS)["confidence"]

    assert confidence("1|0|0|5|5|Person|#|male|30|black|none|formal|0.7") == 0.7
    assert confidence("1|0|0|5|5|Face|#|male|30|black|none|none|none|bob||brown|0.6") == 0.6
    # DeepStream 6/7 no longer append the confidence: the stock layout without it
    assert confidence("1|0|0|5|5|Vehicle|#|sedan|Bugatti|M|blue|CA 444|California") == 1.0


def test_unknown_sensor_without_coordinates_is_refused_with_the_reason():
    with pytest.raises(ContractViolation, match="'sensor-9' is not in the camera registry"):
        validate({**PUBLISHED, "sensorId": "sensor-9"}, cameras=CAMERAS)


def test_the_reference_table_is_the_default_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYBRAIN_REFERENCE_DIR", str(tmp_path))
    raw = orjson.dumps(PUBLISHED)
    with pytest.raises(ContractViolation, match="not in the camera registry"):
        decode("detections.video", raw)  # no cameras.json yet
    write_tables(tmp_path, {"cameras": [{"camera_id": "sensor-id", "lat": 30.26, "lng": 120.16}]})
    row = decode("detections.video", raw)
    assert (row["lat"], row["lng"]) == (30.26, 120.16)
    path = tmp_path / "cameras.json"
    write_tables(tmp_path, {"cameras": [{"camera_id": "sensor-id", "lat": 30.27, "lng": 120.17}]})
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert decode("detections.video", raw)["lat"] == 30.27  # an edited registry is re-read
    write_tables(tmp_path, {"cameras": [{"camera_id": "sensor-id", "lat": 99, "lng": 1}]})
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000))
    with pytest.raises(ContractViolation, match="camera registry unreadable"):
        decode("detections.video", raw)


def test_full_schema_without_positions_falls_back_to_the_registry():
    message = full_messages(FIXTURE)[0]
    message["object"]["location"] = {"lat": 0, "lon": 0, "alt": 0}  # sensor.location is 0,0 too
    row = validate(message, cameras={"10_110_127_110_A1": Camera("10_110_127_110_A1", 30.2, 120.1)})
    assert (row["lat"], row["lng"]) == (30.2, 120.1)
    with pytest.raises(ContractViolation, match=r"neither object\.location nor sensor\.location"):
        validate(message, cameras={})


def test_registry_rows_need_a_position():
    with pytest.raises(ReferenceError, match="CAM-1"):
        load_cameras([{"camera_id": "CAM-1", "lat": None, "lng": 120.1}])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": "3.0"}, "unsupported minimal-schema version"),
        ({"sensorId": None}, "missing required field 'sensorId'"),
        ({"id": 12}, "field 'id' must be a string"),
        ({"@timestamp": "2018-04-11T04:59:59"}, "no time zone"),
        ({"objects": [7]}, r"objects\[0\] must be a string"),
        ({"objects": ["1|2|3|4|5"]}, r"objects\[0\] needs trackingId"),
        ({"objects": ["1|-2|3|4|5|Vehicle"]}, "bbox left -2.0 is outside"),
        ({"objects": ["1|2|3|4|nan|Vehicle"]}, "bbox bottom 'nan' is not a number"),
        ({"objects": ["1|9|3|4|5|Vehicle"]}, "bottom-right is above or left"),
        ({"objects": ["|2|3|4|5|Vehicle"]}, "tracking id must be"),
        ({"objects": ["1|2|3|4|5|"]}, "label must be"),
        ({"objects": ["1|2|3|4|5|Vehicle|x|y"]}, "expected '#' after the label"),
        ({"objects": ["1|2|3|4|5|Person|#|m|3|h|c|a|1.5"]}, r"confidence '1.5' is not"),
    ],
)
def test_broken_minimal_messages_are_rejected_with_a_reason(change, reason):
    with pytest.raises(ContractViolation, match=reason):
        validate_rows({**PUBLISHED, **change}, cameras=CAMERAS)


def test_newapi_classifier_layout_on_a_stock_label_keeps_its_confidence():
    text = "3|0|0|5|5|Vehicle|#|red|sedan|0.42"  # msg2p-newapi: classifier labels, confidence
    assert validate({**PUBLISHED, "objects": [text]}, cameras=CAMERAS)["confidence"] == 0.42
    with pytest.raises(ContractViolation, match="confidence 'x' is not a number"):
        validate({**PUBLISHED, "objects": ["1|0|0|5|5|Vehicle|#|a|b|c|d|e|f|x"]}, cameras=CAMERAS)
