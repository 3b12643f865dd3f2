"""faust's read offsets with seeks that hold against records fetched before them.

Only the video stages' seeks hold (``seek_and_hold``); the case engine's
continuity seeks and the stall guard's (``seek``) move the read offset
exactly as faust's own seek does.
"""

import asyncio
from dataclasses import replace
from types import SimpleNamespace

import pytest
from faust.transport.producer import ProducerBuffer
from faust.types import TP

from citybrain.settings import load
from streams import faust_compat
from streams.app import create_app
from streams.cases.continuity import for_app
from streams.faust_compat import ReadOffsets

TP1 = TP("detections.video", 1)


def deliver(offsets: ReadOffsets, tp: TP, offset: int) -> bool:
    """What faust's fetch loop does with one fetched record: deliver it, or drop it as read."""
    read = offsets[tp]
    if read is None or offset >= read:
        offsets[tp] = offset
        return True
    return False


def test_without_a_seek_a_record_below_the_read_offset_is_dropped():
    offsets = ReadOffsets()
    assert [deliver(offsets, TP1, o) for o in (10, 11, 5)] == [True, True, False]


def test_a_seek_holds_while_records_fetched_before_it_are_delivered():
    offsets = ReadOffsets()
    for o in range(300, 353):
        deliver(offsets, TP1, o)
    offsets.sought(TP1, 217, read=offsets[TP1])
    # the rest of the batch fetched before the seek, then the records from 217 again
    delivered = [deliver(offsets, TP1, o) for o in [353, 354, 217, 218, 219]]
    assert delivered == [True, True, True, True, True]
    assert offsets[TP1] == 219 and not offsets.held


def test_in_a_compacted_topic_the_next_record_that_exists_ends_the_hold():
    offsets = ReadOffsets()
    for o in range(300, 353):
        deliver(offsets, TP1, o)
    offsets.sought(TP1, 217, read=offsets[TP1])
    delivered = [deliver(offsets, TP1, o) for o in [353, 220, 221]]  # 217..219 compacted away
    assert delivered == [True, True, True] and offsets[TP1] == 221 and not offsets.held


def test_a_rebalance_seek_to_the_committed_offsets_ends_the_hold():
    offsets = ReadOffsets({TP1: 40})
    offsets.sought(TP1, 20, read=offsets[TP1])
    offsets.update({TP1: 35})
    assert offsets[TP1] == 35 and not offsets.held
    offsets.sought(TP1, 20, read=offsets[TP1])
    offsets.pop(TP1, None)
    assert offsets[TP1] is None and not offsets.held


def test_the_workers_consumer_keeps_its_read_offsets_in_read_offsets(tmp_path):
    assert isinstance(worker_app(tmp_path).consumer._read_offset, ReadOffsets)


ALERTS_1 = TP("alerts", 1)


def worker_app(tmp_path):
    settings = replace(
        load({"HOME": str(tmp_path), "CITYBRAIN_STATE_DIR": str(tmp_path / "state")}),
        store="memory://",
        web_port=0,
    )
    return create_app(settings)


@pytest.fixture
def consumer(tmp_path, monkeypatch):
    """The worker's real faust consumer, assigned ALERTS_1 and TP1, with no broker behind it."""
    app = worker_app(tmp_path)
    consumer = app.consumer
    sent: list[tuple[TP, int]] = []

    def to_the_fetcher(tp, offset):  # what faust's consumer thread is told; nothing to fetch
        sent.append((tp, offset))

    monkeypatch.setattr(consumer._thread, "seek", to_the_fetcher)
    monkeypatch.setattr(consumer, "assignment", lambda: {ALERTS_1, TP1})
    consumer.sent = sent
    return app, consumer


def read_up_to(offsets, tp, last):
    for o in range(300, last + 1):
        deliver(offsets, tp, o)


async def test_a_case_engine_seek_is_not_held_and_moves_on_as_faust_does(consumer):
    app, consumer = consumer
    offsets = consumer._read_offset
    read_up_to(offsets, ALERTS_1, 352)
    continuity = for_app(app, {"skipped_offsets_sought_back": 0})
    await continuity.seek(topic="alerts", partition=1, offset=217)
    assert consumer.sent == [(ALERTS_1, 217)] and offsets[ALERTS_1] == 217
    assert not offsets.held
    # as on main: the rest of the batch fetched before the seek moves the read offset on,
    # and the records sought back are dropped as read (the case engine asks again later)
    assert [deliver(offsets, ALERTS_1, o) for o in (353, 217)] == [True, False]
    assert offsets[ALERTS_1] == 353


async def test_a_stall_guard_seek_ends_a_video_hold_on_that_partition(consumer):
    _, consumer = consumer
    offsets = consumer._read_offset
    read_up_to(offsets, TP1, 352)
    assert await faust_compat.seek_and_hold(consumer, topic=TP1.topic, partition=1, offset=217)
    assert offsets.held == {TP1: 352}
    await faust_compat.seek(consumer, topic=TP1.topic, partition=1, offset=200)
    assert not offsets.held and offsets[TP1] == 200
    assert deliver(offsets, TP1, 353) and offsets[TP1] == 353


async def test_a_video_seek_holds_until_its_record_comes_round_again(consumer):
    _, consumer = consumer
    offsets = consumer._read_offset
    read_up_to(offsets, TP1, 352)
    assert await faust_compat.seek_and_hold(consumer, topic=TP1.topic, partition=1, offset=217)
    assert [deliver(offsets, TP1, o) for o in (353, 217, 218)] == [True, True, True]
    assert offsets[TP1] == 218 and not offsets.held


async def test_a_video_seek_on_a_partition_assigned_elsewhere_does_nothing(consumer):
    _, consumer = consumer
    gone = dict(topic=TP1.topic, partition=5, offset=3)
    assert await faust_compat.seek_and_hold(consumer, **gone) is False
    assert consumer.sent == [] and not consumer._read_offset.held


async def test_a_case_engine_seek_on_a_partition_assigned_elsewhere_drops_its_gap(consumer):
    app, consumer = consumer
    gone = dict(topic="alerts", partition=2, offset=3)
    assert await faust_compat.seek(consumer, **gone) is False and consumer.sent == []
    continuity = for_app(app, {"skipped_offsets_sought_back": 0})
    continuity.gaps[("alerts", 2)] = 3  # seen while the partition was still ours
    assert await continuity.reseek_gaps() == 0  # not ours: nothing left to wait for
    assert continuity.gaps == {} and consumer.sent == []


async def test_through_faust_seek_the_next_record_that_exists_still_ends_the_hold(consumer):
    """faust's seek writes the sought offset first; the hold keeps the read offset before it."""
    _, consumer = consumer
    offsets = consumer._read_offset
    read_up_to(offsets, TP1, 352)
    assert await faust_compat.seek_and_hold(consumer, topic=TP1.topic, partition=1, offset=217)
    assert [deliver(offsets, TP1, o) for o in (353, 220, 221)] == [True, True, True]
    assert offsets[TP1] == 221 and not offsets.held


class GatedChannel:
    """A topic whose sends reach the producer only when the gate opens (metadata, full buffer)."""

    def __init__(self) -> None:
        self.gate, self.published = asyncio.Event(), []

    async def publish_message(self, fut, wait: bool = False) -> None:
        await self.gate.wait()
        self.published.append(fut)


async def test_a_flush_waits_for_the_message_the_buffer_took_but_has_not_sent():
    faust_compat.complete_producer_flush()
    channel = GatedChannel()
    buffer = ProducerBuffer()
    buffer.app = SimpleNamespace(conf=SimpleNamespace(producer_threaded=False))
    await buffer.start()
    try:
        buffer.put(SimpleNamespace(message=SimpleNamespace(channel=channel)))
        while buffer.size:  # the buffer takes it off its queue: size 0, send under way
            await asyncio.sleep(0)
        flush = asyncio.create_task(buffer.flush())
        await asyncio.sleep(0.05)
        assert not flush.done() and channel.published == []
        channel.gate.set()
        await asyncio.wait_for(flush, timeout=10)
        assert len(channel.published) == 1 and faust_compat.sending(buffer) == 0
    finally:
        channel.gate.set()
        await buffer.stop()


class Gaps:
    """An in-order check's view: the first offset still missing per source."""

    def __init__(self, gaps: dict) -> None:
        self.gaps = dict(gaps)


def acks(consumer, tp: TP, offsets, *, committed: int) -> None:
    consumer._committed_offset[tp] = committed
    consumer._acked[tp] = list(offsets)
    consumer._acked_index[tp] = set(offsets)


def test_a_commit_stops_at_the_first_record_an_in_order_check_misses(consumer):
    app, consumer = consumer
    faust_compat.hold_commits_at_gaps(app, Gaps({("alerts", 1): 105}))
    # 103-104 applied; 105-106 booked as acknowledged by faust, never seen; 107 applied
    acks(consumer, ALERTS_1, [103, 104, 105, 106, 107], committed=103)
    assert consumer._new_offset(ALERTS_1) == 105
    assert consumer._acked[ALERTS_1] == [105, 106, 107]  # kept for when the gap fills
    assert consumer._acked_index[ALERTS_1] >= {105, 106, 107}
    consumer._committed_offset[ALERTS_1] = 105
    assert consumer._new_offset(ALERTS_1) is None  # nothing past the gap while it is open
    assert consumer._acked[ALERTS_1] == [105, 106, 107]


def test_without_a_gap_or_on_another_partition_faust_commits_as_before(consumer):
    app, consumer = consumer
    faust_compat.hold_commits_at_gaps(app, Gaps({("alerts", 1): 105}))
    acks(consumer, TP1, [10, 11, 12], committed=10)
    assert consumer._new_offset(TP1) == 13
    acks(consumer, ALERTS_1, [100, 101, 102], committed=100)
    assert consumer._new_offset(ALERTS_1) == 103  # the gap lies ahead


def test_the_lowest_gap_of_every_check_holds(consumer):
    app, consumer = consumer
    faust_compat.hold_commits_at_gaps(app, Gaps({("alerts", 1): 108}))
    faust_compat.hold_commits_at_gaps(app, Gaps({("alerts", 1): 104, ("detections.video", 1): 3}))
    acks(consumer, ALERTS_1, range(100, 110), committed=100)
    assert consumer._new_offset(ALERTS_1) == 104


async def test_the_case_engines_continuity_check_holds_the_commits_of_its_gaps(consumer):
    app, consumer = consumer
    continuity = for_app(app, {"skipped_offsets_sought_back": 0})
    continuity.gaps[("alerts", 1)] = 105
    acks(consumer, ALERTS_1, range(103, 110), committed=103)
    assert consumer._new_offset(ALERTS_1) == 105


async def test_the_continuity_check_keeps_its_next_offsets_across_a_rebalance(consumer):
    # a record faust dropped for the case engine in a rebalance is acknowledged by the agents
    # it reached and committed over: only the offset the check still expects shows it missing
    app, consumer = consumer
    sought = []

    async def seek(**where):
        sought.append(where["offset"])

    continuity = for_app(app, {"skipped_offsets_sought_back": 0})
    continuity.seek = seek
    await continuity.check([event_at(ALERTS_1, 40), event_at(ALERTS_1, 41)])
    await app.on_partitions_assigned.send({ALERTS_1})
    consumer._committed_offset[ALERTS_1] = 43  # 42 committed over
    await continuity.check([event_at(ALERTS_1, 43)])
    assert sought == [42] and continuity.gaps == {("alerts", 1): 42}


def event_at(tp: TP, offset: int) -> SimpleNamespace:
    return SimpleNamespace(
        message=SimpleNamespace(topic=tp.topic, partition=tp.partition, offset=offset)
    )
