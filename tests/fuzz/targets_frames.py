"""Fuzz targets of the binary/ASCII frame parsers and sessions: JT/T 808 and SL 651.

Seeds are the real frames in ``tests/fixtures`` and frames made by our own
encoders; ``targets_records`` builds its GPS and hydrology contract seeds from them.
"""

from __future__ import annotations

from datetime import datetime

from target_base import FIXTURES, Target

from connectors.errors import FrameError
from connectors.jt808 import frames as jt_frames
from connectors.jt808 import messages as jt_messages
from connectors.jt808.session import Session as JtSession
from connectors.sl651 import ascii as sl_ascii
from connectors.sl651 import elements as sl_elements
from connectors.sl651 import frames as sl_frames
from connectors.sl651.session import MixedSplitter, Station
from connectors.sl651.session import Session as SlSession

# --- seeds ---------------------------------------------------------------------------------

JT_LOCATION = jt_frames.encode_frame(
    msg_id=0x0200,
    phone="13300000001",
    serial=7,
    body=jt_messages.encode_location(
        lat=30.25, lng=120.15, speed_kmh=20, mileage_km=12.5, fixed_at=datetime(2026, 7, 15, 6)
    ),
)
JT_REAL = tuple(
    bytes.fromhex(line.strip()) for line in (FIXTURES / "jt808" / "frames.hex").read_text().split()
)
SL_HEX = bytes.fromhex((FIXTURES / "sl651" / "timed_report.hex").read_text().strip())
SL_ASCII = sl_ascii.encode_frame(
    centre=1,
    station="0010100001",
    password=0xA000,
    function=0x32,
    body=b"000C200724172349ST 0010100001 H TT 2007241723 PJ 13.0 PN05 4.0 Z 0.550 VT 12.68 ",
)


# --- byte parsers and sessions ---------------------------------------------------------------


def jt808_frame(data: bytes) -> None:
    frame = jt_frames.decode_frame(data)
    if frame.header.msg_id in (0x0200,):
        jt_messages.parse_location(frame.body)


def jt808_session(data: bytes) -> None:
    """The gateway's per-connection path: split, then each frame through a session."""
    session = JtSession(secret=b"k", phone="013300000001", authenticated=True)
    splitter = jt_frames.FrameSplitter()
    for raw in splitter.feed(data):
        outcome = session.handle(raw)  # documented never to raise
        assert all(reason for reason, _ in outcome.rejections)


def sl651_hex_frame(data: bytes) -> None:
    sl_elements.parse_report(sl_frames.decode_frame(data).body)


def sl651_ascii_frame(data: bytes) -> None:
    sl_ascii.parse_report(sl_ascii.decode_frame(data).body)


STATIONS = {"0010100001": Station("0010100001", "rain", 30.2, 120.1)}


def sl651_session(data: bytes) -> None:
    session, splitter = SlSession(stations=STATIONS), MixedSplitter()
    for raw in splitter.feed(data):
        outcome = session.handle(raw)
        assert all(reason for reason, _ in outcome.rejections)


FRAME_TARGETS: tuple[Target, ...] = (
    Target("jt808_frame", jt808_frame, (FrameError,), (JT_LOCATION, *JT_REAL)),
    Target("jt808_session", jt808_session, (), (JT_LOCATION, *JT_REAL)),
    Target("sl651_hex_frame", sl651_hex_frame, (FrameError,), (SL_HEX,)),
    Target("sl651_ascii_frame", sl651_ascii_frame, (FrameError,), (SL_ASCII,)),
    Target("sl651_session", sl651_session, (), (SL_HEX, SL_ASCII)),
)
