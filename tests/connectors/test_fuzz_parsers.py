"""Hostile input for every binary parser: random and mutated frames never crash or hang.

Each parser sees at least 100,000 inputs (random bytes and single/multi-byte
mutations of real frames); every input either decodes or is refused with a
FrameError that carries a reason. Property tests (hypothesis) check the
encoders and decoders agree.
"""

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.jt808 import frames as jt_frames
from connectors.jt808 import messages as jt_messages
from connectors.jt808.session import Session as JtSession
from connectors.sl651 import elements as sl_elements
from connectors.sl651 import frames as sl_frames
from connectors.sl651.session import Session as SlSession
from connectors.sl651.session import Station

FUZZ_INPUTS = 100_000
JT_SEED = jt_frames.encode_frame(
    msg_id=0x0200,
    phone="13300000001",
    serial=7,
    body=jt_messages.encode_location(
        lat=30.25,
        lng=120.15,
        speed_kmh=20,
        mileage_km=12.5,
        fixed_at=datetime(2026, 7, 15, 6, tzinfo=UTC),
    ),
)


def mutations(seed: bytes, rnd: random.Random, count: int):
    """Random byte strings and mutated copies of a real frame."""
    for i in range(count):
        if i % 4 == 0:
            yield rnd.randbytes(rnd.randint(0, 64))
            continue
        data = bytearray(seed)
        for _ in range(rnd.randint(1, 4)):
            choice = rnd.random()
            pos = rnd.randrange(len(data)) if data else 0
            if choice < 0.5 and data:
                data[pos] = rnd.randrange(256)
            elif choice < 0.75:
                data.insert(pos, rnd.randrange(256))
            elif data:
                del data[pos]
        yield bytes(data)


def test_jt808_survives_100k_hostile_frames():
    rnd, session = (
        random.Random(808),
        JtSession(secret=b"k", phone="013300000001", authenticated=True),
    )
    decoded = 0
    for data in mutations(JT_SEED, rnd, FUZZ_INPUTS):
        try:
            frame = jt_frames.decode_frame(data)
            decoded += 1
            if frame.header.msg_id == 0x0200:
                jt_messages.parse_location(frame.body)
        except jt_frames.FrameError as exc:
            assert exc.reason
        outcome = session.handle(data)  # the session never raises either
        assert all(reason for reason, _ in outcome.rejections)
    assert decoded > 0


def test_sl651_survives_100k_hostile_frames(sl651_frame):
    rnd = random.Random(651)
    session = SlSession(stations={"0010100001": Station("0010100001", "rain", 30.2, 120.1)})
    for data in mutations(sl651_frame, rnd, FUZZ_INPUTS):
        try:
            frame = sl_frames.decode_frame(data)
            sl_elements.parse_report(frame.body)
        except sl_frames.FrameError as exc:
            assert exc.reason
        outcome = session.handle(data)
        assert all(reason for reason, _ in outcome.rejections)


def test_splitters_stay_bounded_on_endless_garbage():
    rnd = random.Random(1)
    jt, sl = jt_frames.FrameSplitter(), sl_frames.FrameSplitter()
    for _ in range(2_000):
        chunk = rnd.randbytes(512)
        jt.feed(chunk)
        sl.feed(chunk)
        assert len(jt._buffer) <= jt.max_frame_bytes + 512
        assert len(sl._buffer) <= sl_frames.HEADER_BYTES + 4095 + 20 + 512


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lng=st.floats(-180, 180),
    speed=st.floats(0, 6553),
    heading=st.integers(0, 359),
    phone=st.from_regex(r"\A[0-9]{1,12}\Z"),
    serial=st.integers(0, 0xFFFF),
    v2019=st.booleans(),
    at=st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2098, 12, 30), timezones=st.just(UTC)
    ),
)
def test_jt808_encoder_and_decoder_agree(lat, lng, speed, heading, phone, serial, v2019, at):
    at = at.replace(microsecond=0)
    body = jt_messages.encode_location(
        lat=lat, lng=lng, speed_kmh=speed, heading_deg=heading, fixed_at=at
    )
    frame = jt_frames.decode_frame(
        jt_frames.encode_frame(
            msg_id=0x0200, phone=phone, serial=serial, body=body, version_2019=v2019
        )
    )
    assert frame.header.phone.lstrip("0") == phone.lstrip("0") and frame.header.serial == serial
    location = jt_messages.parse_location(frame.body)
    assert abs(location.lat - lat) <= 5e-7 and abs(location.lng - lng) <= 5e-7
    assert location.fixed_at == at and location.heading_deg == heading


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=99999, places=1),
    station=st.from_regex(r"\A[0-9]{10}\Z"),
    function=st.sampled_from([0x32, 0x33, 0x34]),
)
def test_sl651_encoder_and_decoder_agree(value, station, function):
    at = datetime(2026, 7, 15, 6, 5, tzinfo=UTC)
    body = sl_elements.encode_report(
        serial=1,
        station=station,
        station_class="P",
        sent_at=at,
        observed_at=at,
        elements=[(0x22, 0x19, float(value))],
    )
    frame = sl_frames.decode_frame(
        sl_frames.encode_frame(centre=1, station=station, password=0, function=function, body=body)
    )
    report = sl_elements.parse_report(frame.body)
    assert report.station == station and report.readings[0].value == float(value)
