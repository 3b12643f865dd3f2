"""Dwell time per tracked object per ROI: enter, stay, leave, re-enter, id reuse, memory."""

from __future__ import annotations

import pytest

from inference.dwell import DwellClock, parse_roi_attribute, roi_attribute


def dwell_by_roi(clock: DwellClock, at_s: float, *rois: str, object_id=7, label="vehicle"):
    seen = clock.observe(stream_id=0, object_id=object_id, label=label, rois=rois, at_s=at_s)
    return {d.roi: d.dwell_s for d in seen}


def test_enter_stay_leave_and_re_enter():
    clock = DwellClock()
    assert dwell_by_roi(clock, 100.0, "no_parking") == {"no_parking": 0.0}
    assert dwell_by_roi(clock, 103.5, "no_parking") == {"no_parking": 3.5}
    assert dwell_by_roi(clock, 108.0, "no_parking", "watch") == {"no_parking": 8.0, "watch": 0.0}
    assert dwell_by_roi(clock, 109.0, "watch") == {"watch": 1.0}  # left no_parking
    assert dwell_by_roi(clock, 110.0) == {}  # outside every ROI: not kept
    assert len(clock) == 0
    assert dwell_by_roi(clock, 111.0, "no_parking") == {"no_parking": 0.0}  # re-entered


def test_entry_time_is_kept_across_frames():
    clock = DwellClock()
    for t in range(10):
        (dwell,) = clock.observe(
            stream_id=3, object_id=1, label="street_vendor", rois=["watch"], at_s=50.0 + t
        )
    assert (dwell.entered_at_s, dwell.dwell_s) == (50.0, 9.0)


def test_streams_and_objects_are_separate():
    clock = DwellClock()
    clock.observe(stream_id=0, object_id=1, label="vehicle", rois=["r"], at_s=0.0)
    (other,) = clock.observe(stream_id=1, object_id=1, label="vehicle", rois=["r"], at_s=5.0)
    (same,) = clock.observe(stream_id=0, object_id=1, label="vehicle", rois=["r"], at_s=5.0)
    assert (other.dwell_s, same.dwell_s) == (0.0, 5.0)


@pytest.mark.parametrize(
    ("second_at_s", "second_label"),
    [
        (200.0, "vehicle"),  # unseen longer than forget_after_s
        (4.0, "vehicle"),  # the stream's clock went backwards: the source restarted
        (101.0, "material_pile"),  # same tracker id, another kind of object
    ],
)
def test_a_reused_tracker_id_is_a_new_object(second_at_s, second_label):
    clock = DwellClock(forget_after_s=10.0)
    dwell_by_roi(clock, 90.0, "watch")
    dwell_by_roi(clock, 100.0, "watch")
    assert dwell_by_roi(clock, second_at_s, "watch", label=second_label) == {"watch": 0.0}


def test_memory_is_bounded_by_time_and_by_count():
    clock = DwellClock(forget_after_s=5.0, max_objects_per_stream=100)
    for n in range(50):
        clock.observe(stream_id=0, object_id=n, label="vehicle", rois=["r"], at_s=float(n) / 10)
    assert len(clock) == 50
    clock.observe(stream_id=0, object_id=999, label="vehicle", rois=["r"], at_s=60.0)
    assert len(clock) == 1  # everyone else unseen for more than 5 s
    for n in range(1_000):
        clock.observe(stream_id=2, object_id=n, label="vehicle", rois=["r"], at_s=60.0)
    assert len(clock) == 1 + 100
    (kept,) = clock.observe(stream_id=2, object_id=999, label="vehicle", rois=["r"], at_s=61.0)
    assert kept.dwell_s == 1.0  # the most recent objects are the ones kept
    clock.forget_stream(2)
    assert len(clock) == 1


def test_attribute_text_round_trips_and_refuses_other_labels():
    clock = DwellClock(forget_after_s=120.0)
    clock.observe(stream_id=0, object_id=1, label="vehicle", rois=["no_parking"], at_s=0.0)
    (dwell,) = clock.observe(
        stream_id=0, object_id=1, label="vehicle", rois=["no_parking"], at_s=75.25
    )
    assert roi_attribute(dwell) == "roi:no_parking:dwell_s:75.2"
    assert parse_roi_attribute(roi_attribute(dwell)) == ("no_parking", 75.2)
    assert parse_roi_attribute("sedan") is None
    assert parse_roi_attribute("roi:a|b:dwell_s:1.0") is None
