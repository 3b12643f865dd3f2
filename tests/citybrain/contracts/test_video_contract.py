import json
from pathlib import Path

import pytest

from citybrain.contracts import ContractViolation, decode
from citybrain.contracts.video import category_for

FIXTURE = Path(__file__).parents[2] / "fixtures" / "deepstream" / "smart-parking-3.jsonl"
SHARED = Path(__file__).parents[4] / "shared" / "data" / "deepstream" / "smart-parking-demo-1.jsonl"


def lines() -> list[bytes]:
    return FIXTURE.read_bytes().splitlines()


def test_real_nvidia_messages_decode_with_utc_time_and_object_position():
    rows = [decode("detections.video", line) for line in lines()]
    first = rows[0]
    assert first["event_id"] == "b88ad627-2b31-45ef-a8e4-5c68b7bb950b_end-aigarage-01"
    assert first["event_at"].isoformat() == "2018-09-12T17:20:38.026000+00:00"
    assert (first["lat"], first["lng"]) == (30.33, -40.55)
    assert first["label"] == "vehicle" and first["category"] is None  # moving car: traffic
    parked = rows[-1]
    assert parked["event_type"] == "parked" and parked["category"] == "illegal_parking"


def test_every_shared_real_message_decodes():
    if not SHARED.exists():
        pytest.skip("shared data not present")
    for line in SHARED.read_bytes().splitlines():
        decode("detections.video", line)


def mutate(change) -> bytes:
    doc = json.loads(lines()[0])
    change(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.pop("messageid"), "missing required field 'messageid'"),
        (lambda d: d.update({"@timestamp": "2018-09-12T17:20:38"}), "no time zone"),
        (lambda d: d["event"].update({"type": "dancing"}), "not a DeepStream event type"),
        (lambda d: d["object"].pop("vehicle"), "exactly one kind sub-object"),
        (lambda d: d["object"]["location"].update({"lat": 91}), "out of WGS-84 range"),
        (lambda d: d.update({"mdsversion": "2.0"}), "unsupported mdsversion"),
        (lambda d: d["object"]["bbox"].update({"bottomrightx": 1}), "bottom-right"),
    ],
)
def test_broken_messages_are_rejected_with_a_reason(change, reason):
    with pytest.raises(ContractViolation, match=reason):
        decode("detections.video", mutate(change))


def test_not_json_and_not_object_are_rejected():
    with pytest.raises(ContractViolation, match="not valid JSON"):
        decode("detections.video", b"{oops")
    with pytest.raises(ContractViolation, match="expected a JSON object"):
        decode("detections.video", b"[1, 2]")


def test_custom_labels_map_to_city_categories():
    assert category_for(label="street_vendor", event_type="moving") == "unlicensed_peddler"
    assert category_for(label="vehicle", event_type="stopped") == "illegal_parking"
    assert category_for(label="bicycle", event_type="moving") is None
