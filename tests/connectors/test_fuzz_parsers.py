"""Hostile input for every parser: random and mutated frames never crash or hang.

Each parser sees at least 100,000 inputs (random bytes and single/multi-byte
mutations of real frames; for the text formats also mutations that keep the
framing valid, so the body parsers are reached); every input either decodes
or is refused with a FrameError / ContractViolation that carries a reason.
Property tests (hypothesis) check the encoders and decoders agree.
"""

import random
from datetime import UTC, datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from citybrain.contracts import ContractViolation, video
from citybrain.contracts.base import decode_json_object
from connectors import deepstream_minimal as ds_minimal
from connectors.jt808 import frames as jt_frames
from connectors.jt808 import messages as jt_messages
from connectors.jt808.session import Session as JtSession
from connectors.sl651 import ascii as sl_ascii
from connectors.sl651 import elements as sl_elements
from connectors.sl651 import frames as sl_frames
from connectors.sl651.session import MixedSplitter, Station
from connectors.sl651.session import Session as SlSession

FrameError = sl_frames.FrameError

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


SL_ASCII_SEED_BODY = (
    b"000C200724172349ST 0010100001 H TT 2007241723 PJ 13.0 PN05 4.0 Z 0.550 VT 12.68 "
)
SL_ASCII_SEED = sl_ascii.encode_frame(
    centre=1, station="0010100001", password=0xA000, function=0x32, body=SL_ASCII_SEED_BODY
)
ASCII_ALPHABET = b" 0123456789.-+MTSPZNDRHFA\x01\x02\x03\xff"
DS_CAMERAS = {"sensor-id": video.Camera("sensor-id", 30.25, 120.15)}
DS_SEED = ds_minimal.minimal_message(
    frame_id=42,
    timestamp="2018-04-11T04:59:59.828Z",
    sensor_id="sensor-id",
    objects=[
        "957|1834|150|1918|215|Vehicle|#|sedan|Bugatti|M|blue|CA 444|California|0.8",
        "12|10.5|20|110|220.25|street_vendor",
        "7|0|0|5|5|car|#|red|0.91",
    ],
)
DS_VALUES = [None, 0, -1, 1.5, float("inf"), "", "x" * 300, [], {}, True, "4.0", "nan", "|#|"]


def mutate(seed: bytes, rnd: random.Random, alphabet: bytes | None = None) -> bytes:
    """1–4 byte substitutions, insertions or deletions (bytes from ``alphabet`` if given)."""
    data = bytearray(seed)
    for _ in range(rnd.randint(1, 4)):
        choice = rnd.random()
        pos = rnd.randrange(len(data)) if data else 0
        byte = rnd.choice(alphabet) if alphabet else rnd.randrange(256)
        if choice < 0.5 and data:
            data[pos] = byte
        elif choice < 0.75:
            data.insert(pos, byte)
        elif data:
            del data[pos]
    return bytes(data)


def mutations(seed: bytes, rnd: random.Random, count: int):
    """Random byte strings and mutated copies of a real frame."""
    for i in range(count):
        yield rnd.randbytes(rnd.randint(0, 64)) if i % 4 == 0 else mutate(seed, rnd)


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


def test_sl651_ascii_survives_100k_hostile_frames():
    """Half raw mutations (mostly CRC failures), half re-framed hostile bodies."""
    rnd = random.Random(6512)
    session = SlSession(stations={"0010100001": Station("0010100001", "rain", 30.2, 120.1)})
    splitter, decoded, parsed = MixedSplitter(), 0, 0
    for i in range(FUZZ_INPUTS):
        if i % 2:
            body = mutate(SL_ASCII_SEED_BODY, rnd, ASCII_ALPHABET if i % 4 == 1 else None)
            data = sl_ascii.encode_frame(
                centre=1, station="0010100001", password=0, function=0x32, body=body[:4095]
            )
        else:
            data = rnd.randbytes(rnd.randint(0, 64)) if i % 8 == 0 else mutate(SL_ASCII_SEED, rnd)
        try:
            frame = sl_ascii.decode_frame(data)
            decoded += 1
            sl_ascii.parse_report(frame.body)
            parsed += 1
        except FrameError as exc:
            assert exc.reason
        outcome = session.handle(data)  # the session never raises either
        assert all(reason for reason, _ in outcome.rejections)
        splitter.feed(data)
    assert decoded > FUZZ_INPUTS // 3 and parsed > 0


def hostile_minimal(rnd: random.Random) -> bytes:
    """A minimal-schema message with one field or one object string made hostile."""
    doc = orjson.loads(orjson.dumps(DS_SEED))
    if rnd.random() < 0.5:
        key = rnd.choice([*doc, "objects", "objects", "object"])
        doc[key] = rnd.choice(DS_VALUES)
    else:
        k = rnd.randrange(len(doc["objects"]))
        text = doc["objects"][k].encode()
        doc["objects"][k] = mutate(text, rnd, b"|#0123456789.-+eE abcVehicle").decode("latin-1")
    return orjson.dumps(doc)


def test_deepstream_minimal_survives_100k_hostile_messages():
    rnd, seed = random.Random(4), ds_minimal.encode(DS_SEED)
    accepted = 0
    for i in range(FUZZ_INPUTS):
        if i % 2:
            data = hostile_minimal(rnd)
        else:
            data = rnd.randbytes(rnd.randint(0, 64)) if i % 8 == 0 else mutate(seed, rnd)
        try:
            rows = video.validate_rows(decode_json_object(data), cameras=DS_CAMERAS)
            accepted += 1
            assert all(set(row) == set(video.COLUMNS) for row in rows)
        except ContractViolation as exc:
            assert exc.reason
    assert accepted > FUZZ_INPUTS // 10


def test_splitters_stay_bounded_on_endless_garbage():
    rnd = random.Random(1)
    jt, sl, mixed = jt_frames.FrameSplitter(), sl_frames.FrameSplitter(), MixedSplitter()
    for i in range(2_000):
        chunk = rnd.randbytes(512)
        if i % 2:  # garbage that looks like ASCII frame starts
            chunk = bytes(rnd.choice(b"\x01\x020123456789ABCDEF") for _ in range(512))
        jt.feed(chunk)
        sl.feed(chunk)
        mixed.feed(chunk)
        assert len(jt._buffer) <= jt.max_frame_bytes + 512
        assert len(sl._buffer) <= sl_frames.HEADER_BYTES + 4095 + 20 + 512
        assert len(mixed._buffer) <= sl_ascii.HEADER_CHARS + 4095 + 5 + 512


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


@settings(max_examples=300, deadline=None)
@given(
    tracking_id=st.from_regex(r"\A[0-9A-Za-z_^]{1,20}\Z"),
    box=st.tuples(*[st.integers(0, 4000)] * 4),
    label=st.sampled_from(["Vehicle", "Person", "street_vendor", "material_pile", "car"]),
    confidence=st.floats(0, 1),
    sensor=st.sampled_from(list(DS_CAMERAS)),
)
def test_deepstream_minimal_encoder_and_decoder_agree(tracking_id, box, label, confidence, sensor):
    left, top, w, h = box
    attrs = {"Vehicle": ["sedan", "m", "x", "red", "A1", "ZJ"], "Person": ["m", 30, "h", "c", "a"]}
    text = ds_minimal.object_text(
        tracking_id=tracking_id,
        bbox_px=(left, top, left + w, top + h),
        label=label,
        attributes=[*attrs.get(label, []), repr(confidence)],
    )
    message = ds_minimal.minimal_message(
        frame_id=1, timestamp="2026-07-15T06:00:00.000Z", sensor_id=sensor, objects=[text]
    )
    (row,) = video.validate_rows(orjson.loads(ds_minimal.encode(message)), cameras=DS_CAMERAS)
    assert (row["object_id"], row["label"], row["confidence"]) == (
        tracking_id,
        label.lower(),
        confidence,
    )
    assert (row["bbox_left_px"], row["bbox_top_px"]) == (left, top)
    assert (row["bbox_right_px"], row["bbox_bottom_px"]) == (left + w, top + h)
