"""Which offsets of one source partition an agent may apply now."""

import faust
from aiokafka.errors import IllegalStateError

from streams.ordered import in_order, is_next_key, next_key, reseek_timer


def test_contiguous_offsets_are_taken_and_the_next_one_is_expected():
    assert in_order([5, 6, 7], expected=5) == ([5, 6, 7], 8)


def test_applied_offsets_are_dropped_and_repeats_taken_once():
    assert in_order([3, 4, 5, 5, 6], expected=5) == ([5, 6], 7)


def test_the_run_stops_at_the_first_missing_offset():
    assert in_order([5, 6, 8, 9], expected=5) == ([5, 6], 7)


def test_a_batch_starting_past_the_expected_offset_waits_whole():
    assert in_order([9, 10], expected=7) == ([], 7)


def test_a_source_seen_first_starts_at_its_lowest_offset():
    assert in_order([12, 11, 13], expected=None) == ([11, 12, 13], 14)
    assert in_order([], expected=None) == ([], None)


def test_next_keys_cannot_be_a_contract_id():
    key = next_key(("detections.video", 3))
    assert is_next_key(key) and not is_next_key("CAM-0003") and key.endswith("video|3")


async def test_the_reseek_timer_outlives_a_refused_seek_and_waits_out_rebalances():
    app = faust.App("reseek-timer-test", broker="memory://", store="memory://")
    calls = []

    async def reseek():
        calls.append(app.rebalancing)
        raise IllegalStateError("No current assignment for partition TP(topic='alerts')")

    tick = reseek_timer(app, name="test-reseek", reseek=reseek)
    await tick()  # logged, not raised: the timer's loop goes on
    app.rebalancing = True
    await tick()
    app.rebalancing = False
    await tick()
    assert calls == [False, False]
