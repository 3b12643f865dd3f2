"""The feed's formats: SSE events from ``alerts`` records, and the Atom container of CAP alerts."""

import xml.etree.ElementTree as ET

import orjson
import pytest

from streams.flood import feed

DOC = {
    "event_id": "0010100001.waterlogging.1784095500.0",
    "alert_id": "0010100001.waterlogging.1784095500",
    "source": "flood",
    "title": "解放路下穿积水黄色预警",
}


def test_a_flood_record_becomes_one_sse_event_with_its_stream_cursor():
    event = feed.sse_event(orjson.dumps(DOC), cursor=feed.cursor_text([12, 0, 7]))
    lines = event.decode().split("\n")
    assert lines[0] == "id: c1:12.0.7"
    assert orjson.loads(lines[1].removeprefix("data: ")) == DOC
    assert event.endswith(b"\n\n") and lines[2:] == ["", ""]


def test_other_sources_and_unreadable_records_are_not_streamed():
    assert feed.sse_event(orjson.dumps({**DOC, "source": "video"}), cursor="c1:0") is None
    assert feed.sse_event(b"not json", cursor="c1:0") is None
    assert feed.sse_event(None, cursor="c1:0") is None
    assert feed.sse_event(b"[1, 2]", cursor="c1:0") is None


def test_a_cursor_round_trips_and_a_bad_one_says_why():
    assert feed.parse_cursor(feed.cursor_text([3, 0, 41]), partitions=3) == [3, 0, 41]
    for bad, reason in [
        ("0010100001.waterlogging.1784095500.0", "must start with 'c1:'"),
        ("c1:3.0", "must hold 3 non-negative offsets"),
        ("c1:3.-1.4", "must hold 3"),
        ("c1:3.x.4", "must hold 3"),
        ("c1:" + "9" * 30 + ".0.0", "must hold 3"),
    ]:
        with pytest.raises(ValueError, match=reason):
            feed.parse_cursor(bad, partitions=3)


def test_an_empty_feed_is_still_a_complete_atom_document():
    root = ET.fromstring(feed.atom_feed([], updated_s=1_784_095_500).encode())
    atom = f"{{{feed.ATOM_NS}}}"
    assert root.tag == f"{atom}feed"
    assert root.findtext(f"{atom}id") == feed.FEED_ID
    assert root.findtext(f"{atom}updated") == "2026-07-15T14:05:00+08:00"
    assert root.find(f"{atom}author/{atom}name").text == "citybrain.flood"
    assert root.findall(f"{atom}entry") == []
