"""Which offsets of one source partition an agent may apply now."""

from collections import defaultdict
from types import SimpleNamespace

import faust
from aiokafka.errors import IllegalStateError

from streams.ordered import (
    InOrder,
    fill_expected,
    in_order,
    is_next_key,
    next_key,
    reseek_timer,
)

REPORTS_1 = ("reports.citizen", 1)
REPORTS_2 = ("reports.citizen", 2)


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


class Event:
    """What InOrder reads of a faust event: its message's topic, partition and offset."""

    def __init__(self, source, offset):
        self.message = SimpleNamespace(topic=source[0], partition=source[1], offset=offset)


def starts_at(begins, asked):
    async def starts(sources):
        asked.append(sorted(sources))
        return {s: begins[s] for s in sources}

    return starts


async def test_a_partition_never_committed_starts_at_its_log_start_not_at_what_came_first():
    sought, asked = [], []

    async def seek(**where):
        sought.append(where)
        return True

    order = InOrder(
        table={},
        seek=seek,
        stats=defaultdict(int),
        committed=lambda: {REPORTS_1: None},  # assigned here, never committed
        starts=starts_at({REPORTS_1: 0}, asked),
    )
    fresh, nexts = await order.take([Event(REPORTS_1, 1), Event(REPORTS_1, 2)])
    assert fresh == [] and nexts == {}  # offset 0 was left out of the stream: wait for it
    assert order.gaps == {REPORTS_1: 0} and asked == [[REPORTS_1]]
    assert sought == [{"topic": "reports.citizen", "partition": 1, "offset": 0}]
    events = [Event(REPORTS_1, 0), Event(REPORTS_1, 1), Event(REPORTS_1, 2)]
    fresh, nexts = await order.take(events)  # sought back: it comes round again
    assert fresh == events and nexts[REPORTS_1][1] == 3 and order.gaps == {}


async def test_the_log_start_is_asked_only_for_assigned_partitions_never_committed():
    asked = []
    expected = await fill_expected(
        {REPORTS_1: 7, REPORTS_2: None, ("alerts", 0): None, ("alerts", 1): None},
        committed=lambda: {REPORTS_2: 40, ("alerts", 0): None},  # alerts 1: not assigned
        starts=starts_at({("alerts", 0): 12}, asked),
    )
    assert expected == {REPORTS_1: 7, REPORTS_2: 40, ("alerts", 0): 12, ("alerts", 1): None}
    assert asked == [[("alerts", 0)]]
    known = await fill_expected({REPORTS_1: 7}, committed=dict, starts=starts_at({}, asked))
    assert known == {REPORTS_1: 7} and len(asked) == 1  # nothing unknown: nothing asked
