import asyncio

import pytest

from streams import progress


def test_channels_name_a_stage_and_its_source_partition():
    assert progress.channel("flood", "hydro.readings", 2) == "flood:hydro.readings/2"
    assert progress.channels("vehicles", "gps.fixes", 2) == (
        "vehicles:gps.fixes/0",
        "vehicles:gps.fixes/1",
    )


def test_readers_expect_every_partition_of_every_writer_on_the_signal_path():
    alerts = progress.expected("alerts")
    assert len(alerts) == 6 + 3 + 6  # video places (candidates), flood (hydro), vehicles (gps)
    assert "video_places:video.candidates/5" in alerts and "flood:hydro.readings/2" in alerts
    assert progress.expected("video.candidates") == progress.channels(
        "video_episodes", "detections.video", 6
    )
    places = progress.expected("cases.alerts-by-place")
    assert len(places) == 3 + 6 and "cases-intake:reports.citizen/5" in places


def test_marks_only_move_forward_and_the_low_water_waits_for_every_channel():
    marks = progress.merged(None, {"a": 10.0, "b": 5.0})
    marks = progress.merged(marks, {"a": 7.0, "b": 6.0})  # a restarted stage re-sends a: 7
    assert marks == {"a": 10.0, "b": 6.0}
    assert progress.low_water(marks, ["a", "b"]) == 6.0
    assert progress.low_water(marks, ["a", "b", "c"]) is None  # c not heard yet
    assert progress.low_water(marks, []) is None


def test_a_progress_record_is_known_by_its_header_and_carries_its_marks():
    value = progress.progress_value({"flood:hydro.readings/0": 1752544800.5})
    assert progress.is_progress(progress.progress_headers())
    assert progress.is_progress({progress.HEADER: b"1"})
    assert not progress.is_progress(None) and not progress.is_progress([("other", b"1")])
    assert progress.marks_of(value) == {"flood:hydro.readings/0": 1752544800.5}
    with pytest.raises(ValueError):
        progress.marks_of(b'{"event_id": "an alert"}')
    with pytest.raises(ValueError):
        progress.marks_of(b"not json")


def test_an_output_carries_the_time_it_was_raised_at():
    assert progress.raised_at(progress.raised_headers(1752544800.25)) == 1752544800.25
    assert progress.raised_at(None) is None
    assert progress.raised_at([(progress.RAISED_AT, b"soon")]) is None
    assert progress.epoch_s("2025-07-15T02:00:00.000Z") == 1752544800.0


def test_source_marks_keep_the_latest_event_time_per_partition():
    mine = progress.SourceMarks("vehicles")
    mine.note("gps.fixes", 1, 20.0)
    mine.note("gps.fixes", 1, 10.0)  # an older fix (late) does not move the mark back
    mine.note("gps.fixes", 2, None)
    assert mine.of(["vehicles:gps.fixes/1", "vehicles:gps.fixes/2"]) == {
        "vehicles:gps.fixes/1": 20.0
    }


class Topic:
    """What a stage sends, by partition (a stand-in for the faust topic)."""

    def __init__(self, name):
        self.name, self.sent = name, []

    def get_topic_name(self):
        return self.name

    async def send(self, *, key, value, partition, headers):
        self.sent.append((partition, key, progress.marks_of(value), headers))


def test_an_emitter_that_is_off_adds_no_header_and_sends_nothing():
    out = Topic("alerts")
    emitter = progress.Emitter("flood", "hydro.readings", out, on=False)
    emitter.note(0, 100.0)
    asyncio.run(emitter.send())
    assert emitter.options(100.0) == {} and out.sent == []


def test_an_emitter_sends_the_moved_marks_to_every_output_partition_once():
    out = Topic("alerts")
    emitter = progress.Emitter("flood", "hydro.readings", out, on=True)
    emitter.note(2, 100.0)
    emitter.note(2, 130.0)
    assert emitter.options(99.5) == {"headers": progress.raised_headers(99.5)}
    asyncio.run(emitter.send())
    asyncio.run(emitter.send())  # nothing moved since
    assert [p for p, *_ in out.sent] == [0, 1, 2]
    assert all(m == {"flood:hydro.readings/2": 130.0} for _, _, m, _ in out.sent)
    assert all(k == progress.KEY and progress.is_progress(h) for _, k, _, h in out.sent)


def test_a_stage_on_a_derived_topic_passes_on_the_lowest_of_its_upstream_marks():
    out = Topic("alerts")
    emitter = progress.Emitter("video_places", "video.candidates", out, on=True)
    upstream = progress.channels("video_episodes", "detections.video", 6)
    first = {c: 50.0 + n for n, c in enumerate(upstream[:5])}
    marks = emitter.note_upstream(4, None, progress.progress_value(first))
    asyncio.run(emitter.send())
    assert out.sent == []  # one upstream channel not heard yet: no mark of its own
    marks = emitter.note_upstream(4, marks, progress.progress_value({upstream[5]: 40.0}))
    asyncio.run(emitter.send())
    assert marks[upstream[5]] == 40.0
    assert out.sent[0][2] == {"video_places:video.candidates/4": 40.0}
