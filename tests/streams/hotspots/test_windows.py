from datetime import UTC, datetime

import h3

from streams.hotspots import windows
from streams.intake.validate import RawMessage

T0 = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
CELL = h3.latlng_to_cell(30.27, 120.15, 9)
REPORTS = "reports.citizen"


def report(offset: int, *, partition: int = 0, minute: int = 0, category="exposed_garbage"):
    message = RawMessage(REPORTS, partition, offset, 0, b"")
    at = datetime.fromtimestamp((T0_MS + minute * 60_000) / 1000, tz=UTC)
    return message, {"event_at": at, "lat": 30.27, "lng": 120.15, "category": category}


def windowed(*reports):
    return windows.assign_windows(windows.incident_frame(list(reports)))


def test_window_start_is_aligned_to_the_epoch():
    assert windows.window_start_ms(T0_MS + 299_999, window_s=300) == T0_MS
    assert windows.window_start_ms(T0_MS + 300_000, window_s=300) == T0_MS + 300_000


def test_window_id_round_trips_and_is_not_a_watermark_key():
    window = windows.WindowId("detections.video", 3, 3600, T0_MS)
    assert windows.WindowId.decode(window.encode()) == window
    assert window.end_ms == T0_MS + 3_600_000
    assert windows.is_window_key(window.encode())
    assert not windows.is_window_key(windows.watermark_key("detections.video", 3))
    assert window.encode().startswith(windows.source_prefix("detections.video", 3))


def test_incident_frame_indexes_cells_like_h3_py_and_skips_non_incidents():
    moving_car = (
        RawMessage("detections.video", 0, 9, 0, b""),
        {"event_at": T0, "lat": 30.0, "lng": 120.0, "category": None},
    )
    frame = windows.incident_frame([report(1), moving_car])
    assert frame.height == 1
    assert frame["cell"][0] == CELL


def test_each_incident_falls_in_one_window_of_each_size():
    frame = windowed(report(1), report(2, minute=1), report(3, minute=7))
    assert windows.windows_in(frame) == [
        windows.WindowId(REPORTS, 0, 300, T0_MS),
        windows.WindowId(REPORTS, 0, 300, T0_MS + 300_000),
        windows.WindowId(REPORTS, 0, 3600, T0_MS),
    ]


def test_count_new_groups_by_cell_and_category():
    frame = windowed(report(1), report(2, minute=1), report(3, minute=2, category="noise"))
    deltas, late = windows.count_new(frame, counted_up_to={}, closed=set())
    five = next(d for d in deltas if d.window.window_s == 300)
    assert five.counts == {f"{CELL}|exposed_garbage": 2, f"{CELL}|noise": 1}
    assert five.max_offset == 3 and late == 0


def test_already_counted_offsets_and_closed_windows_are_skipped():
    frame = windowed(report(10), report(11), report(12, minute=7))
    first = windows.WindowId(REPORTS, 0, 300, T0_MS)
    hour = windows.WindowId(REPORTS, 0, 3600, T0_MS)
    deltas, late = windows.count_new(frame, counted_up_to={hour: 11}, closed={first})
    by_window = {d.window: d for d in deltas}
    assert first not in by_window and late == 2
    assert by_window[hour].counts == {f"{CELL}|exposed_garbage": 1}


def test_sources_are_kept_apart():
    video = (
        RawMessage("detections.video", 0, 5000, 0, b""),
        {"event_at": T0, "lat": 30.27, "lng": 120.15, "category": "illegal_parking"},
    )
    frame = windowed(video, report(7))
    video_hour = windows.WindowId("detections.video", 0, 3600, T0_MS)
    deltas, _ = windows.count_new(frame, counted_up_to={video_hour: 5000}, closed=set())
    hours = {d.window: d for d in deltas if d.window.window_s == 3600}
    # the video offset was counted already; the report (offset 7 < 5000) is new in its own source
    assert list(hours) == [windows.WindowId(REPORTS, 0, 3600, T0_MS)]


def test_merge_adds_counts_without_mutating_the_stored_value():
    stored = {"o": 5, "c": {"a|x": 2}}
    delta = windows.WindowDelta(windows.WindowId(REPORTS, 0, 300, 0), {"a|x": 1, "b|y": 4}, 9)
    assert windows.merge(stored, delta) == {"o": 9, "c": {"a|x": 3, "b|y": 4}}
    assert stored == {"o": 5, "c": {"a|x": 2}}


def test_closing_and_the_published_messages():
    window = windows.WindowId(REPORTS, 2, 300, T0_MS)
    assert not windows.is_closed(window, watermark_ms=T0_MS + 359_999, lateness_s=60)
    assert windows.is_closed(window, watermark_ms=T0_MS + 360_000, lateness_s=60)
    (message,) = windows.window_messages(
        window, {f"{CELL}|street_drying": 7, f"{CELL}|noise": 1}, watermark_ms=T0_MS + 360_000
    )
    assert message["event_id"] == f"300:{T0_MS}:{REPORTS}:p2:c0"
    assert message["window_end_at"] == datetime(2026, 7, 15, 10, 5, tzinfo=UTC)
    rows = windows.explode(message)
    assert [(r["category"], r["event_count"]) for r in rows] == [("noise", 1), ("street_drying", 7)]
    assert rows[1]["event_id"] == f"300:{T0_MS}:{CELL}:street_drying:{REPORTS}:p2"


def test_big_windows_are_split_into_stable_chunks():
    window = windows.WindowId(REPORTS, 0, 3600, T0_MS)
    counts = {f"cell{i:05d}|noise": 1 for i in range(windows.MAX_COUNTS_PER_MESSAGE + 5)}
    messages = windows.window_messages(window, counts, watermark_ms=T0_MS)
    assert [len(m["counts"]) for m in messages] == [windows.MAX_COUNTS_PER_MESSAGE, 5]
    assert messages == windows.window_messages(
        window, dict(reversed(counts.items())), watermark_ms=T0_MS
    )
