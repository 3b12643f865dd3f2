"""SL 651-2014 ASCII mode refusals: broken frames and bodies are rejected with a reason.

A frame or body that breaks the standard raises ``FrameError`` saying what is wrong; the
session answers nothing to it (no acknowledgement) and the splitter skips bytes that cannot
start a frame. The frames are ``ascii_frames``'s hand-built ASCII forms of published reports.
"""

import pytest

from connectors.sl651 import ascii as sl_ascii
from connectors.sl651.frames import EOT, SYN, FrameError, crc16
from connectors.sl651.session import MixedSplitter, Session
from tests.connectors.sl651.ascii_frames import ASCII_1, NOW, STATIONS


def recrc(raw: bytes) -> bytes:
    return raw[:-4] + f"{crc16(raw[:-4]):04X}".encode()


def reframe(body: bytes, **kw) -> bytes:
    return sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0, function=0x32, body=body, **kw
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (ASCII_1[:-1] + b"A", "CRC mismatch"),
        (ASCII_1[:-4] + b"CB3G", "CRC is not hex"),
        (ASCII_1[:40], "header says"),
        (ASCII_1[:20], "too short"),
        (ASCII_1[:19] + b"1" + ASCII_1[20:], "neither 0 .uplink. nor 8"),
        (recrc(ASCII_1[:1] + b"0G" + ASCII_1[3:]), "centre is not hex"),
        (recrc(ASCII_1[:13] + b"A0X0" + ASCII_1[17:]), "password is not hex"),
        (ASCII_1[:23] + b"\x03" + ASCII_1[24:], "expected STX or SYN"),
        (reframe(b"0001260715150000", end=EOT), "not valid on an uplink frame"),
        (b"#" + ASCII_1[1:], "does not start with SOH"),
    ],
)
def test_broken_frames_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(FrameError, match=reason):
        sl_ascii.decode_frame(raw)


HEAD = b"0001260715150000ST 0010100001 H TT 2607151500 "


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"0001", "lacks the serial number"),
        (b"000126071515000G", "invalid time"),
        (b"0001261315150000ST 0010100001 H TT 2607151500 ", "invalid time"),
        (b"0001260715150000TT 2607151500 ", "lacks the ST station"),
        (b"0001260715150000ST 00101 H TT 2607151500 ", "not 10 hex characters"),
        (b"0001260715150000ST 0010100001 HH TT 2607151500 ", "not one letter"),
        (HEAD + b"XYZ 1.0 ", "unknown element identifier 'XYZ'"),
        (HEAD + b"PJ ", "PJ has no value"),
        (HEAD + b"PN05 1e3 ", "PN05 value '1e3' is not a decimal number"),
        (HEAD + b"Z nan ", "not a decimal number"),
        (HEAD + b"ST 0010100002 H ", "second station"),
        (HEAD + b"DRP 00FF ", "not 24 hex characters"),
        (HEAD + b"RGZS abc ", "not expected in a report"),
        (HEAD + "PJ 1.0 \u00b0".encode(), "not ASCII"),
    ],
)
def test_broken_bodies_are_rejected_with_a_reason(body, reason):
    with pytest.raises(FrameError, match=reason):
        sl_ascii.parse_report(body)


def test_session_refuses_unknown_starts_and_bad_crc_without_acknowledging():
    session = Session(stations=STATIONS, now=lambda: NOW)
    odd = session.handle(b"#" + ASCII_1[1:])
    assert odd.rejections[0][0].startswith("frame starts with neither") and not odd.replies
    bad = session.handle(ASCII_1[:-1] + b"0")
    assert bad.rejections[0][0].startswith("CRC mismatch") and not bad.replies
    keep_alive = sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0, function=0x2F, body=b"0001260715150000"
    )
    assert session.handle(keep_alive).replies == [] and not session.handle(keep_alive).rejections
    query = sl_ascii.encode_frame(
        centre=1, station="0010100001", password=0, function=0x37, body=b"0001260715150000"
    )
    assert session.handle(query).rejections[0][0] == "function code 0x37 not handled"
    echo = session.handle(session.handle(ASCII_1).replies[0])  # our own ack sent back
    assert echo.rejections[0][0] == "downlink frame received from a station" and not echo.replies


def test_the_splitter_skips_implausible_soh_bytes():
    splitter = MixedSplitter()
    garbage = b"\x01" + b"Z" * 30 + b"\x01" + b"0" * 10
    assert splitter.feed(garbage + ASCII_1) == [ASCII_1]
    assert splitter.discarded_bytes == len(garbage)
    assert splitter.feed(bytes([SYN]) + b"\x7e") == [] and splitter.feed(b"\x7e") == []
