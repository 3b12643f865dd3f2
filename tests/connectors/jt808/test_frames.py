import json
from pathlib import Path

import pytest

from connectors.jt808.frames import (
    FrameError,
    FrameSplitter,
    decode_frame,
    encode_frame,
    escape,
    unescape,
)

SHARED = Path(__file__).parents[4] / "shared" / "data" / "jt808" / "smallchi_jt808_frames.jsonl"
# the worked example of JT/T 808-2013 0x0200 (SmallChi/JT808 README, checksum re-verified)
EXAMPLE = bytes.fromhex(
    "7E0200002612345678901200"
    "7D02"
    "000000010000000200BA7F0E07E4F11C0028003C0000"
    "181015101010010400000064020200"
    "7D01"
    "137E"
)


def shared_frames():
    if not SHARED.exists():
        pytest.skip("shared data not present")
    return [json.loads(line) for line in SHARED.read_text().splitlines()]


def test_escaping_round_trips_and_rejects_a_dangling_escape():
    assert escape(b"\x30\x7e\x08\x7d\x55") == b"\x30\x7d\x02\x08\x7d\x01\x55"
    assert unescape(escape(b"\x7e\x7d\x7e")) == b"\x7e\x7d\x7e"
    with pytest.raises(FrameError, match="bad escape"):
        unescape(b"\x01\x7d\x03")


def test_the_worked_example_decodes_and_encodes_back_byte_for_byte():
    frame = decode_frame(EXAMPLE)
    header = frame.header
    assert (header.msg_id, header.phone, header.serial, header.body_length) == (
        0x0200,
        "123456789012",
        126,
        38,
    )
    assert not header.version_2019
    again = encode_frame(msg_id=0x0200, phone=header.phone, serial=header.serial, body=frame.body)
    assert again == EXAMPLE


def test_a_2019_header_carries_version_and_a_20_digit_phone():
    raw = encode_frame(
        msg_id=0x8004,
        phone="12345678901",
        serial=1,
        body=b"\x19\x12\x02\x10\x10\x10",
        version_2019=True,
    )
    header = decode_frame(raw).header
    assert header.version_2019 and header.protocol_version == 1
    assert header.phone == "00000000012345678901"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (EXAMPLE[:-2] + b"\x14\x7e", "checksum mismatch"),
        (b"\x7e\x02\x00\x7e", "too short"),
        (EXAMPLE[:5] + b"\x7e" + EXAMPLE[6:], "unescaped 0x7E"),
    ],
)
def test_broken_frames_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(FrameError, match=reason):
        decode_frame(raw)


def test_every_real_frame_decodes_as_the_reference_says():
    checked, refused = 0, []
    for entry in shared_frames():
        reference = entry["decoded_reference"]
        raw = bytes.fromhex(entry["hex"])
        if not reference.get("checksum_ok") or reference.get("body_len") != reference.get(
            "body_len_actual"
        ):
            with pytest.raises(FrameError):
                decode_frame(raw)
            continue
        try:
            frame = decode_frame(raw)
        except FrameError:
            refused.append(reference)
            continue
        assert f"0x{frame.header.msg_id:04X}" == reference["msg_id"]
        assert frame.header.phone == reference["terminal_phone"]
        assert frame.header.serial == reference["msg_serial"]
        checked += 1
    assert checked > 80
    # refused on purpose: a 2019 version bit on a 2013 layout, and two unescaped 0x7E test inputs
    assert len(refused) <= 3, refused


def test_the_splitter_finds_frames_across_reads_and_bounds_garbage():
    splitter = FrameSplitter(max_frame_bytes=64)
    stream = b"noise" + EXAMPLE + EXAMPLE
    frames = splitter.feed(stream[:20]) + splitter.feed(stream[20:])
    assert frames == [EXAMPLE, EXAMPLE]
    assert splitter.feed(b"\x7e" + b"\x01" * 200) == []  # no closing flag: dropped, not kept
    assert splitter.discarded_bytes >= 200
    assert splitter.feed(EXAMPLE) == [EXAMPLE]
