"""SL 651-2014 ASCII mode: frames, report bodies, acknowledgements, both framings on one link.

The examples (``ascii_frames``) are the two published HEX timed reports written out by
hand in ASCII mode, so each must decode to the same report as its published HEX form.
The published HEX acknowledgements are reproduced byte for byte. Refusals are
``test_sl651_ascii_rejections.py``'s.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citybrain.contracts import decode, hydro
from connectors.sl651 import ascii as sl_ascii
from connectors.sl651.elements import encode_report as encode_hex_report
from connectors.sl651.elements import parse_report as parse_hex_report
from connectors.sl651.frames import (
    EOT,
    ETB,
    ETX,
    SYN,
    crc16,
    decode_frame,
    encode_frame,
)
from connectors.sl651.session import (
    ACK_END,
    MixedSplitter,
    Session,
    framing_of,
    hex_ack,
)
from connectors.tcp_gateway import TcpGateway
from tests.connectors.sl651.ascii_frames import (
    ASCII_1,
    ASCII_2,
    BEIJING,
    NOW,
    PUBLISHED_ACK_2,
    PUBLISHED_HEX_1,
    PUBLISHED_HEX_2,
    PUBLISHED_TEST_ACK,
    PUBLISHED_TEST_REPORT,
    SOH,
    STATIONS,
    STX,
)


def test_identifiers_follow_table_c1():
    ids = sl_ascii.IDENTIFIERS
    assert (ids["AC"], ids["P1"], ids["PJ"], ids["PN05"], ids["PT"]) == (1, 0x1A, 0x20, 0x22, 0x26)
    assert (ids["VT"], ids["Z"], ids["ZT"], ids["pH"], ids["CHLA"]) == (
        0x38,
        0x39,
        0x45,
        0x46,
        0x57,
    )
    assert (ids["VIC"], ids["TT"], ids["ST"], ids["DRP"], ids["DRZ8"]) == (
        0x75,
        0xF0,
        0xF1,
        0xF4,
        0xFC,
    )


def test_first_published_report_in_ascii_mode_field_by_field():
    frame = sl_ascii.decode_frame(ASCII_1)
    assert frame.centre == 1
    assert frame.station == "0010100001"
    assert frame.password == 0xA000
    assert frame.function == 0x32
    assert frame.downlink is False
    assert frame.end == ETX and frame.packet is None
    assert len(frame.body) == 0x050
    assert crc16(ASCII_1[:-4]) == 0xCB39  # over SOH … ETX, the bytes before the check code
    report = sl_ascii.parse_report(frame.body)
    assert report.serial == 12
    assert report.sent_at == datetime(2020, 7, 24, 9, 23, 49, tzinfo=UTC)  # 17:23:49 Beijing
    assert report.station == "0010100001" and report.station_class == "H"
    assert report.observed_at == datetime(2020, 7, 24, 9, 23, tzinfo=UTC)
    assert [(r.element, r.value, r.period_s) for r in report.readings] == [
        ("rain_period_mm", 4.0, 300),  # PN05
        ("water_level_m", 0.55, None),  # Z
    ]
    assert report.ignored_elements == (0x20, 0x38)  # PJ and VT, as in HEX mode


@pytest.mark.parametrize(
    ("ascii_frame", "hex_frame"), [(ASCII_1, PUBLISHED_HEX_1), (ASCII_2, PUBLISHED_HEX_2)]
)
def test_ascii_and_hex_forms_of_a_published_report_decode_alike(ascii_frame, hex_frame):
    a, h = sl_ascii.decode_frame(ascii_frame), decode_frame(hex_frame)
    assert (a.centre, a.station, a.password, a.function) == (
        h.centre,
        h.station,
        h.password,
        h.function,
    )
    assert sl_ascii.parse_report(a.body) == parse_hex_report(h.body)


def test_second_published_report_values():
    report = sl_ascii.parse_report(sl_ascii.decode_frame(ASCII_2).body)
    assert (report.serial, report.station, report.station_class) == (0x34, "0011223344", "H")
    assert report.observed_at == datetime(2017, 7, 18, 11, 0, tzinfo=BEIJING)
    assert [(r.element, r.value) for r in report.readings] == [
        ("rain_accumulated_mm", 4.0),  # PT
        ("water_level_m", 10.49),  # Z
    ]


def test_the_encoder_writes_the_hand_built_frames():
    body = sl_ascii.encode_report(
        serial=12,
        station="0010100001",
        station_class="H",
        sent_at=datetime(2020, 7, 24, 17, 23, 49, tzinfo=BEIJING),
        observed_at=datetime(2020, 7, 24, 17, 23, tzinfo=BEIJING),
        elements=[("PJ", "13.0"), ("PN05", "4.0"), ("Z", "0.550"), ("VT", "12.68")],
    )
    raw = sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0xA000, function=0x32, body=body
    )
    assert raw == ASCII_1


def test_published_hex_acknowledgements_are_reproduced_byte_for_byte():
    for report, published in (
        (PUBLISHED_TEST_REPORT, PUBLISHED_TEST_ACK),
        (PUBLISHED_HEX_2, PUBLISHED_ACK_2),
    ):
        frame = decode_frame(report)
        sent = parse_hex_report(frame.body).sent_at  # those centres echo the send time
        assert hex_ack(frame, sent_at=sent, end=0x1B) == published


def test_ascii_acknowledgement_puts_the_station_first():
    outcome = Session(stations=STATIONS, now=lambda: NOW).handle(ASCII_1)
    (ack,) = outcome.replies
    assert ack == (
        SOH + b"0010100001" + b"01" + b"A000" + b"32" + b"8010" + STX
        + b"000C260715150000" + bytes([EOT]) + f"{crc16(ack[:-4]):04X}".encode()
    )  # fmt: skip
    frame = sl_ascii.decode_frame(ack)
    assert frame.downlink and (frame.centre, frame.station) == (1, "0010100001")
    assert ACK_END == EOT


def test_one_connection_carries_both_framings_and_each_is_acknowledged_in_kind():
    session, splitter = Session(stations=STATIONS, now=lambda: NOW), MixedSplitter()
    stream = b"\x00noise\x01" + ASCII_1 + PUBLISHED_HEX_1 + ASCII_2
    raws = []
    for i in range(0, len(stream), 7):
        raws += splitter.feed(stream[i : i + 7])
    assert raws == [ASCII_1, PUBLISHED_HEX_1, ASCII_2]
    assert splitter.discarded_bytes == 7
    for raw in raws:
        outcome = session.handle(raw)
        assert not outcome.rejections and outcome.rows
        (ack,) = outcome.replies
        assert framing_of(ack) is framing_of(raw)
    rows = session.handle(ASCII_2).rows
    assert [(r["station_id"], r["element"], r["value"]) for r in rows] == [
        ("0011223344", "rain_accumulated_mm", 4.0),
        ("0011223344", "water_level_m", 10.49),
    ]


def test_hourly_report_drp_step_code_missing_values_and_a_later_time_group():
    body = (
        b"0001260715150000ST 0000000077 P TT 2607151500 DRH00 "
        b"DRP 0005FF00000000000000000A PN05 M PT 120.5 TT 2607151455 Z -0.250 ZT 00000000 "
    )
    report = sl_ascii.parse_report(body)
    rain = [r for r in report.readings if r.period_s == 300]
    assert [r.value for r in rain] == [0.0, 0.5] + [0.0] * 8 + [1.0]  # FF (missing) skipped
    assert rain[-1].observed_at == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    pt = next(r for r in report.readings if r.element == "rain_accumulated_mm")
    z = next(r for r in report.readings if r.element == "water_level_m")
    assert pt.value == 120.5 and pt.observed_at == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
    assert z.value == -0.25 and z.observed_at == datetime(2026, 7, 15, 6, 55, tzinfo=UTC)
    assert report.ignored_elements == (0x45,)  # ZT status bits


def test_single_packet_m3_is_acknowledged_with_syn_and_multi_packet_is_refused():
    body = ASCII_1[24:-5]
    single = sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0xA000, function=0x32, body=body, packet=(1, 1)
    )
    frame = sl_ascii.decode_frame(single)
    assert frame.packet == (1, 1) and frame.body == body
    assert single[19:23] == b"0056"  # 0x50 body + 6 packet characters
    outcome = Session(stations=STATIONS, now=lambda: NOW).handle(single)
    ack = sl_ascii.decode_frame(outcome.replies[0])
    assert ack.packet == (1, 1) and ack.end == EOT and len(outcome.rows) == 2
    first_of_two = sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0xA000, function=0x32, body=body,
        packet=(2, 1), end=ETB,
    )  # fmt: skip
    outcome = Session(stations=STATIONS, now=lambda: NOW).handle(first_of_two)
    assert not outcome.replies and "packet 1 of 2: not reassembled" in outcome.rejections[0][0]


@settings(max_examples=300, deadline=None)
@given(
    serial=st.integers(0, 0xFFFF),
    station=st.from_regex(r"\A[0-9]{10}\Z"),
    centre=st.integers(1, 255),
    password=st.integers(0, 0xFFFF),
    function=st.sampled_from([0x31, 0x32, 0x33, 0x34]),
    rain=st.decimals(min_value=0, max_value=9999, places=1),
    total=st.decimals(min_value=0, max_value=99999, places=1),
    level=st.decimals(min_value=-999, max_value=9999, places=3),
    minute=st.integers(0, 60 * 24 * 365 * 50),
    packet=st.sampled_from([None, (1, 1)]),
)
def test_ascii_encoder_and_decoder_agree(
    serial, station, centre, password, function, rain, total, level, minute, packet
):
    at = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
    body = sl_ascii.encode_report(
        serial=serial,
        station=station,
        station_class="P",
        sent_at=at,
        observed_at=at,
        elements=[
            ("PN05", sl_ascii.number_text(float(rain), places=1)),
            ("PT", sl_ascii.number_text(float(total), places=1)),
            ("Z", sl_ascii.number_text(float(level), places=3)),
        ],
    )
    raw = sl_ascii.encode_frame(
        centre=centre,
        station=station,
        password=password,
        function=function,
        body=body,
        packet=packet,
    )
    frame = sl_ascii.decode_frame(raw)
    assert (frame.centre, frame.station, frame.password, frame.function, frame.packet) == (
        centre,
        station,
        password,
        function,
        packet,
    )
    report = sl_ascii.parse_report(frame.body)
    assert report.serial == serial and report.sent_at == at and report.observed_at == at
    assert [r.value for r in report.readings] == [float(rain), float(total), float(level)]


STRANGER_HEX = encode_frame(
    centre=1,
    station="0000000099",
    password=0,
    function=0x32,
    body=encode_hex_report(
        serial=1, station="99", station_class="P", sent_at=NOW, observed_at=NOW, elements=[]
    ),
)


async def through_a_gateway(bootstrap: str, read_topic) -> tuple[list, list[bytes]]:
    """ASCII and HEX reports on one socket into the real broker (gateway built with
    MixedSplitter, as connectors.sl651.gateway should be)."""
    gateway = TcpGateway(
        name="sl651",
        topic=hydro.TOPIC,
        bootstrap=bootstrap,
        session=lambda: Session(stations=STATIONS),
        splitter=MixedSplitter,
        key=lambda row: row["station_id"].encode(),
    )
    host, port = await gateway.start(port=0)
    reader, writer = await asyncio.open_connection(host, port)
    splitter, acks = MixedSplitter(), []
    try:
        writer.write(b"noise" + ASCII_2[:30])
        await writer.drain()
        writer.write(ASCII_2[30:] + STRANGER_HEX)  # acknowledged, not published
        await writer.drain()
        while len(acks) < 2:
            acks += splitter.feed(await reader.read(1024))
    finally:
        writer.close()
        await gateway.stop()
    return acks, await read_topic(bootstrap, hydro.TOPIC, b"0011223344-", 2)


@pytest.mark.integration
def test_an_ascii_report_reaches_kafka_and_is_acknowledged_in_ascii(kafka, read_topic):
    acks, found = asyncio.run(through_a_gateway(kafka.bootstrap, read_topic))
    assert [framing_of(a).name for a in acks] == ["ascii", "hex"]
    assert sl_ascii.decode_frame(acks[0]).downlink
    rows = sorted((decode(hydro.TOPIC, raw) for raw in found), key=lambda r: r["element"])
    assert [(r["element"], r["value"]) for r in rows] == [
        ("rain_accumulated_mm", 4.0),
        ("water_level_m", 10.49),
    ]


def test_single_packet_m3_in_hex_mode_is_acknowledged_with_syn_too():
    body = PUBLISHED_HEX_1[14:-3]
    payload = PUBLISHED_HEX_1[:13] + bytes([SYN]) + (0x001001).to_bytes(3, "big") + body + b"\x03"
    raw = payload + crc16(payload).to_bytes(2, "big")
    outcome = Session(stations=STATIONS, now=lambda: NOW).handle(raw)
    assert len(outcome.rows) == 2
    (ack,) = outcome.replies
    assert ack[2:8] == bytes.fromhex("001010000101")  # station, then centre (table 23)
    assert decode_frame(ack).packet == (1, 1) and ack[-3] == EOT
