import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from citybrain.contracts import decode, encode_row
from connectors.jt808.fixes import fix_row
from connectors.jt808.frames import FrameError, decode_frame, encode_frame
from connectors.jt808.messages import (
    encode_location,
    general_response,
    parse_batch_locations,
    parse_location,
    registration_response,
)

GMT8 = timezone(timedelta(hours=8))
SHARED = Path(__file__).parents[4] / "shared" / "data" / "jt808" / "smallchi_jt808_frames.jsonl"


def test_real_location_reports_match_the_reference_decoder():
    if not SHARED.exists():
        pytest.skip("shared data not present")
    checked = 0
    for line in SHARED.read_text().splitlines():
        entry = json.loads(line)
        reference = entry["decoded_reference"]
        if (
            reference.get("msg_id") != "0x0200"
            or not reference.get("checksum_ok")
            or ("loc" not in reference)
        ):
            continue
        loc = reference["loc"]
        try:
            location = parse_location(decode_frame(bytes.fromhex(entry["hex"])).body)
        except FrameError:
            continue  # a frame whose header lies about its layout
        assert round(abs(location.lat) * 1e6) == loc["lat_raw"]
        assert round(abs(location.lng) * 1e6) == loc["lon_raw"]
        assert location.speed_kmh == loc["speed_raw_0.1kmh"] / 10
        assert (location.alarm_flags, location.status_flags) == (loc["alarm"], loc["status"])
        local = datetime.fromisoformat(loc["gps_time_gmt8"]).replace(tzinfo=GMT8)
        assert location.fixed_at == local.astimezone(UTC)
        checked += 1
    assert checked >= 20


def test_encoded_locations_decode_to_the_same_point_in_both_hemispheres():
    at = datetime(2026, 7, 15, 14, 30, 5, tzinfo=UTC)
    for lat, lng in ((30.251234, 120.151234), (-33.865143, -70.209900)):
        body = encode_location(
            lat=lat,
            lng=lng,
            fixed_at=at,
            speed_kmh=32.5,
            heading_deg=271,
            altitude_m=12,
            mileage_km=1234.5,
        )
        location = parse_location(body)
        assert (location.lat, location.lng) == (lat, lng)
        assert (location.speed_kmh, location.heading_deg, location.fixed_at) == (32.5, 271, at)
        assert location.mileage_km == 1234.5


def test_batch_upload_and_a_truncated_batch():
    at = datetime(2026, 7, 15, 0, 0, tzinfo=UTC)
    items = [encode_location(lat=30.0 + i / 100, lng=120.0, fixed_at=at) for i in range(3)]
    body = (
        (3).to_bytes(2, "big")
        + b"\x00"
        + b"".join(len(item).to_bytes(2, "big") + item for item in items)
    )
    assert [loc.lat for loc in parse_batch_locations(body)] == [30.0, 30.01, 30.02]
    with pytest.raises(FrameError, match="overruns the body"):
        parse_batch_locations(body[:40])


def test_bad_bodies_are_frame_errors():
    with pytest.raises(FrameError, match="at least 28"):
        parse_location(b"\x00" * 10)
    bad_time = encode_location(lat=30, lng=120, fixed_at=datetime(2026, 1, 1, tzinfo=UTC))[:22]
    with pytest.raises(FrameError, match="BCD"):
        parse_location(bad_time + bytes.fromhex("26AA01000000"))


def test_platform_responses():
    assert general_response(serial=126, msg_id=0x0200, result=0) == bytes.fromhex("007E020000")
    assert registration_response(serial=1, result=0, auth_code="AUTH1") == b"\x00\x01\x00AUTH1"
    assert registration_response(serial=1, result=2, auth_code="x") == b"\x00\x01\x02"
    frame = decode_frame(
        encode_frame(
            msg_id=0x8001,
            phone="13300000001",
            serial=9,
            body=general_response(serial=5, msg_id=2, result=0),
        )
    )
    assert frame.header.msg_id == 0x8001


def test_a_decoded_fix_satisfies_the_gps_contract():
    at = datetime(2026, 7, 15, 14, 30, 5, tzinfo=UTC)
    location = parse_location(encode_location(lat=30.25, lng=120.15, fixed_at=at, speed_kmh=20))
    row = fix_row(phone="013300000001", location=location)
    assert decode("gps.fixes", encode_row(row)) == {**row, "altitude_m": 0.0}
