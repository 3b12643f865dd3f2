from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.sl651.elements import encode_report, parse_report
from connectors.sl651.frames import (
    EOT,
    FrameError,
    FrameSplitter,
    crc16,
    decode_frame,
    encode_frame,
)
from connectors.sl651.session import Session, Station

REAL = bytes.fromhex(
    (Path(__file__).parents[2] / "fixtures" / "sl651" / "timed_report.hex").read_text().strip()
)

# a real timed report (0x32) from an SL 651-2014 implementation's tests; its CRC is 0x8397
REAL = bytes.fromhex(
    "7E7E010010100001A000"
    "32002B02"
    "000C200724172349"
    "F1F10010100001"
    "48"
    "F0F02007241723"
    "2019000130"
    "2219000040"
    "392300000550"
    "38121268"
    "03"
    "8397"
)


STATIONS = {
    "0010100001": Station("0010100001", "water_level", 30.25, 120.15),
    "0000000077": Station("0000000077", "waterlogging", 30.26, 120.16),
}
NOW = datetime(2026, 7, 15, 7, 0, tzinfo=UTC)


def test_crc_and_header_of_the_real_frame():
    assert crc16(REAL[:-2]) == 0x8397
    frame = decode_frame(REAL)
    assert (frame.centre, frame.station, frame.function, frame.downlink) == (
        1,
        "0010100001",
        0x32,
        False,
    )


def test_the_real_report_decodes_to_utc_readings():
    report = parse_report(decode_frame(REAL).body)
    assert report.serial == 12 and report.station_class == "H"
    assert report.observed_at == datetime(2020, 7, 24, 9, 23, tzinfo=UTC)  # 17:23 Beijing time
    assert [(r.element, r.value, r.period_s) for r in report.readings] == [
        ("rain_period_mm", 4.0, 300),
        ("water_level_m", 0.55, None),
    ]
    assert report.ignored_elements == (0x20, 0x38)  # PJ (semantics unverified) and voltage


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (REAL[:-1] + b"\x98", "CRC mismatch"),
        (REAL[:20], "header says"),
        (b"#" + REAL[1:], "ASCII mode"),
    ],
)
def test_broken_frames_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(FrameError, match=reason):
        decode_frame(raw)


def test_hourly_five_minute_rain_and_round_trip():
    hour_end = datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    body = encode_report(
        serial=3,
        station="77",
        station_class="P",
        sent_at=hour_end,
        observed_at=hour_end,
        elements=[(0x22, 0x19, 1.5), (0x39, 0x23, -0.25)],
    )
    drp = bytes([0xF4, 0x60]) + bytes([0, 5, 10, 255, 0, 0, 0, 0, 0, 0, 0, 20])
    report = parse_report(body + drp)
    rain = [r for r in report.readings if r.element == "rain_period_mm"]
    assert rain[0].value == 1.5
    assert [r.value for r in rain[1:4]] == [0.0, 0.5, 1.0]
    assert len(rain) == 1 + 11  # the 0xFF (missing) slot is skipped
    assert rain[-1].observed_at == hour_end
    assert next(r for r in report.readings if r.element == "water_level_m").value == -0.25


def test_the_splitter_uses_the_length_field_across_reads():
    splitter = FrameSplitter()
    stream = b"junk" + REAL + REAL
    assert splitter.feed(stream[:30]) + splitter.feed(stream[30:]) == [REAL, REAL]
    assert splitter.discarded_bytes == 4


def test_session_publishes_registered_stations_and_acknowledges():
    session = Session(stations=STATIONS, now=lambda: NOW)
    outcome = session.handle(REAL)
    assert [r["element"] for r in outcome.rows] == ["rain_period_mm", "water_level_m"]
    assert outcome.rows[1]["lat"] == 30.25 and outcome.rows[1]["event_at"].tzinfo is not None
    (ack,) = outcome.replies
    reply = decode_frame(ack)
    assert reply.downlink and reply.end == EOT and reply.body[:2] == b"\x00\x0c"


def test_session_maps_underpass_levels_to_depth_and_refuses_strangers():
    session = Session(stations=STATIONS, now=lambda: NOW)
    body = encode_report(
        serial=1,
        station="0000000077",
        station_class="H",
        sent_at=NOW,
        observed_at=NOW,
        elements=[(0x39, 0x23, 0.31)],
    )
    raw = encode_frame(centre=1, station="0000000077", password=0, function=0x33, body=body)
    (row,) = session.handle(raw).rows
    assert (row["element"], row["value"], row["unit"]) == ("waterlogging_depth_m", 0.31, "m")
    stranger = encode_frame(
        centre=1,
        station="0000000099",
        password=0,
        function=0x32,
        body=encode_report(
            serial=1, station="99", station_class="P", sent_at=NOW, observed_at=NOW, elements=[]
        ),
    )
    outcome = session.handle(stranger)
    assert outcome.replies and not outcome.rows
    assert outcome.rejections[0][0] == "station 0000000099 is not registered"
    garbage = session.handle(REAL[:-1] + b"\x00")
    assert garbage.rejections[0][0].startswith("CRC mismatch") and not garbage.replies
