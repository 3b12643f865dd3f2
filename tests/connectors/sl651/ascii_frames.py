"""SL 651-2014 frames the ASCII-mode tests share (``tests.connectors.sl651.ascii_frames``).

No real ASCII-mode frame is published in the sources read (the standard's text
has no worked example). The ASCII frames below are the two published HEX timed
reports (handsomestWei/sl651-2014 Crc16Util.java; toymoban.com/news/detail-686475)
written out by hand in ASCII mode following tables 16/17 and §6.6.2 of the
standard, so each must decode to the same report as its published HEX form.
"""

from datetime import UTC, datetime, timedelta, timezone

from connectors.sl651.session import Station

BEIJING = timezone(timedelta(hours=8))
SOH, STX = b"\x01", b"\x02"

# handsomestWei's 0x32 frame: 7E7E 01 0010100001 A000 32 002B 02 000C 200724172349 F1F1 0010100001
# 48 F0F0 2007241723 2019000130 2219000040 392300000550 38121268 03 8397
PUBLISHED_HEX_1 = bytes.fromhex(
    "7E7E010010100001A00032002B02000C200724172349F1F1001010000148F0F02007241723"
    "2019000130221900004039230000055038121268038397"
)
ASCII_1 = (
    SOH + b"01" + b"0010100001" + b"A000" + b"32" + b"0050" + STX
    + b"000C200724172349ST 0010100001 H TT 2007241723 PJ 13.0 PN05 4.0 Z 0.550 VT 12.68 "
    + b"\x03" + b"CB39"
)  # fmt: skip
# toymoban.com's 0x32 frame (centre 05, station 0011223344, password 03E8, serial 0x34)
PUBLISHED_HEX_2 = bytes.fromhex(
    "7E7E05001122334403E832002B020034170718110016F1F1001122334448F0F01707181100"
    "201900004026190000403923000104903812109903A421"
)
PUBLISHED_ACK_2 = bytes.fromhex("7E7E00112233440503E83280080200341707181100161BE5D4")
ASCII_2 = (
    SOH + b"05" + b"0011223344" + b"03E8" + b"32" + b"004E" + STX
    + b"0034170718110016ST 0011223344 H TT 1707181100 PJ 4.0 PT 4.0 Z 10.490 VT 10.99 "
    + b"\x03" + b"F6DF"
)  # fmt: skip
# toymoban.com's 0x30 test report and its published acknowledgement (end marker ESC)
PUBLISHED_TEST_REPORT = bytes.fromhex(
    "7E7E010012345678123430002B020003591011154947F1F1001234567848F0F05910111549"
    "20190000052619000005392300000127381211150320FA"
)
PUBLISHED_TEST_ACK = bytes.fromhex("7E7E00123456780112343080080200035910111549471B75D4")

STATIONS = {
    "0010100001": Station("0010100001", "water_level", 30.25, 120.15),
    "0011223344": Station("0011223344", "rain", 30.26, 120.16),
}
NOW = datetime(2026, 7, 15, 7, 0, tzinfo=UTC)
