import asyncio
from types import SimpleNamespace

import pytest
from faust.types import TP

from streams.faust_compat import acked_heads, drain, repair_acks
from streams.stalls import Suspect, advance, holes

VIDEO_3 = ("detections.video", 3)
VIDEO_0 = ("detections.video", 0)


def test_a_head_more_than_one_past_the_committed_offset_is_a_hole():
    committed = {VIDEO_3: 138, VIDEO_0: 886, ("gps.fixes", 1): None, ("permits", 0): 5}
    heads = {VIDEO_3: 140, VIDEO_0: 887, ("gps.fixes", 1): 9}
    assert holes(committed, heads) == {VIDEO_3: 138}


def test_a_hole_is_sought_back_only_after_it_persists():
    suspects, reseek = advance({}, {VIDEO_3: 138}, patience_checks=3)
    assert suspects == {VIDEO_3: Suspect(138, 1)} and reseek == {}
    suspects, reseek = advance(suspects, {VIDEO_3: 138}, patience_checks=3)
    assert suspects == {VIDEO_3: Suspect(138, 2)} and reseek == {}
    suspects, reseek = advance(suspects, {VIDEO_3: 138}, patience_checks=3)
    assert suspects == {} and reseek == {VIDEO_3: 138}


def test_a_moving_commit_or_a_filled_hole_resets_the_count():
    suspects = {VIDEO_3: Suspect(138, 2), VIDEO_0: Suspect(10, 2)}
    suspects, reseek = advance(suspects, {VIDEO_3: 150}, patience_checks=3)
    assert suspects == {VIDEO_3: Suspect(150, 1)} and reseek == {}


def consumer_with(acked: dict, committed: dict) -> SimpleNamespace:
    return SimpleNamespace(
        _acked={tp: list(v) for tp, v in acked.items()},
        _acked_index={tp: set(v) for tp, v in acked.items()},
        _committed_offset=dict(committed),
    )


def test_duplicate_and_committed_acks_are_dropped():
    tp, other = TP("detections.video", 0), TP("reports.citizen", 1)
    consumer = consumer_with(
        {tp: [886, 887, 887, 888, 888, 889], other: [3, 4, 5]}, {tp: 887, other: 3}
    )
    assert repair_acks(consumer) == 3
    assert consumer._acked == {tp: [887, 888, 889], other: [3, 4, 5]}
    assert consumer._acked_index[tp] == {887, 888, 889}
    assert acked_heads(consumer) == {("detections.video", 0): 887, ("reports.citizen", 1): 3}


def test_nothing_is_dropped_before_the_first_commit():
    tp = TP("hydro.readings", 2)
    consumer = consumer_with({tp: [0, 1, 2]}, {})
    assert repair_acks(consumer) == 0
    assert consumer._acked[tp] == [0, 1, 2]


class SlowBuffer:
    """A producer buffer that sends one message per 0.2 s (faust's flush gives up after 0.1 s)."""

    def __init__(self, size: int) -> None:
        self.size, self.state, self.message_sent = size, "running", asyncio.Event()

    async def run(self) -> None:
        while self.size:
            await asyncio.sleep(0.2)
            self.size -= 1
            self.message_sent.set()


async def test_drain_waits_until_the_producer_buffer_is_empty():
    buffer = SlowBuffer(3)
    sender = asyncio.create_task(buffer.run())
    await drain(buffer)
    assert buffer.size == 0
    await sender


async def test_drain_refuses_a_stopped_producer_with_messages_waiting():
    buffer = SlowBuffer(1)
    buffer.state = "stopped"
    with pytest.raises(RuntimeError, match="not running"):
        await drain(buffer)
