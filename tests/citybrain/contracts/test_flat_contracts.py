import pytest

from citybrain.contracts import ContractViolation, decode, encode_row

GOOD = {
    "gps.fixes": {
        "event_id": "g1",
        "event_at": "2026-07-15T10:00:00+08:00",
        "vehicle_id": "v1",
        "lat": 30.27,
        "lng": 120.15,
        "speed_kmh": 32.5,
        "heading_deg": 90,
    },
    "hydro.readings": {
        "event_id": "h1",
        "event_at": "2026-07-15T06:05:00Z",
        "station_id": "s1",
        "element": "rain_period_mm",
        "value": 4.5,
        "unit": "mm",
        "period_s": 300,
        "lat": 30.27,
        "lng": 120.15,
    },
    "permits": {
        "event_id": "p1@1",
        "event_at": "2026-07-15T00:00:00Z",
        "permit_id": "p1",
        "permit_type": "muck_transport",
        "holder": "某某运输有限公司",
        "status": "active",
        "valid_from": "2026-07-01T00:00:00+08:00",
        "valid_to": "2026-12-31T00:00:00+08:00",
        "time_windows": "22:00-05:00",
        "geometry_wkt": "LINESTRING (120.1 30.2, 120.2 30.3)",
        "lat": 30.25,
        "lng": 120.15,
    },
    "reports.citizen": {
        "event_id": "r1",
        "event_at": "2026-07-15T11:00:00Z",
        "channel": "12345",
        "category": "exposed_garbage",
        "description": "路边垃圾堆积",
        "lat": 30.27,
        "lng": 120.15,
    },
}


@pytest.mark.parametrize("topic", sorted(GOOD))
def test_good_records_decode_to_utc_rows_and_round_trip(topic):
    row = decode(topic, encode_row(GOOD[topic]))
    assert row["event_at"].utcoffset().total_seconds() == 0
    assert decode(topic, encode_row(row)) == row


def test_local_time_is_converted_to_utc():
    row = decode("gps.fixes", encode_row(GOOD["gps.fixes"]))
    assert row["event_at"].isoformat() == "2026-07-15T02:00:00+00:00"


@pytest.mark.parametrize(
    ("topic", "change", "reason"),
    [
        ("gps.fixes", {"event_at": "2026-07-15 10:00:00"}, "no time zone"),
        ("gps.fixes", {"lat": "30.2"}, "must be a number"),
        ("gps.fixes", {"lat": 0, "lng": 0}, "no position fix"),
        ("gps.fixes", {"speed_kmh": -3}, "below"),
        ("hydro.readings", {"element": "temperature"}, "unknown element"),
        ("hydro.readings", {"unit": "cm"}, "measured in mm"),
        ("hydro.readings", {"period_s": None}, "period_s"),
        ("permits", {"time_windows": "25:00-05:00"}, "HH:MM-HH:MM"),
        ("permits", {"valid_to": "2026-06-01T00:00:00Z"}, "before valid_from"),
        ("permits", {"permit_type": "fishing"}, "unknown permit_type"),
        ("reports.citizen", {"category": "ufo"}, "unknown category"),
        ("reports.citizen", {"channel": "fax"}, "unknown channel"),
        ("reports.citizen", {"event_id": ""}, "empty"),
        ("reports.citizen", {"lng": 181}, "out of WGS-84 range"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(topic, change, reason):
    with pytest.raises(ContractViolation, match=reason):
        decode(topic, encode_row({**GOOD[topic], **change}))


def test_missing_value_is_rejected():
    with pytest.raises(ContractViolation, match="no value"):
        decode("gps.fixes", None)
