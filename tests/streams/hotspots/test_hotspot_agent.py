"""The hotspot agent in faust's in-process test context (memory:// tables).

Only what leaves the process is replaced: sends to ``hotspots`` and the
dead-letter topic are captured instead of produced.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest import mock

import orjson
import pytest

from citybrain.contracts import encode_row
from citybrain.settings import load
from streams.app import create_app
from streams.hotspots import agents
from streams.ordered import is_next_key

T0 = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)


def report(i: int, *, minutes: float, category: str = "noise", lat: float = 30.27) -> bytes:
    return encode_row(
        {
            "event_id": f"r{i}",
            "event_at": T0 + timedelta(minutes=minutes),
            "channel": "app",
            "category": category,
            "lat": lat,
            "lng": 120.15,
        }
    )


class Harness:
    def __init__(self, agent, counter):
        self.agent, self.counter = agent, counter
        self.published: list[dict] = []
        self.dead: list[dict] = []
        self.offsets: dict[tuple[str, int], int] = {}  # next offset per partition, as in Kafka

    async def send(
        self,
        *,
        partition: int,
        value: bytes,
        topic: str = "reports.citizen",
        at_offset: int | None = None,
    ):
        original = self.agent.to_message

        def to_message(key, value, **kw):
            message = original(key, value, **kw)
            message.topic = topic
            return message

        self.agent.to_message = to_message
        offset = self.offsets.get((topic, partition), 0)
        self.agent.sent_offset = offset if at_offset is None else at_offset
        self.offsets[(topic, partition)] = self.agent.sent_offset + 1
        await self.agent.put(value, key=b"k", partition=partition, wait=False)
        self.agent.to_message = original

    async def settle(self, events: int) -> None:
        for _ in range(100):
            if self.counter.stats["events"] >= events:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {self.counter.stats['events']} of {events} events processed")


@pytest.fixture
def harness_factory():
    settings = replace(
        load({"HOME": "/nonexistent"}), store="memory://", web_port=0, hotspot_lateness_s=60
    )
    app = create_app(settings)
    counter = agents.register(app, settings)
    return app.agents["hotspots"], counter


def capture(harness: Harness):
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)

    async def publish(*, key, value):
        harness.published.append(orjson.loads(value))
        return done

    async def dead(*, key, value):
        harness.dead.append(orjson.loads(value))
        return done

    counter = harness.counter
    return (
        mock.patch.object(counter.out, "send", publish),
        mock.patch.object(counter.dead_letters["reports.citizen"], "send", dead),
    )


async def run_scenario(agent, counter) -> Harness:
    async with agent.test_context() as test_agent:
        harness = Harness(test_agent, counter)
        out_patch, dead_patch = capture(harness)
        with out_patch, dead_patch:
            for i, minutes in enumerate([1, 2, 3, 7]):
                await harness.send(partition=0, value=report(i, minutes=minutes))
            await harness.send(partition=1, value=report(10, minutes=2, category="road_damage"))
            await harness.send(partition=0, value=b'{"event_id": "broken"')
            await harness.settle(6)
            # the next hour's report advances partition 0's watermark past 11:01
            await harness.send(partition=0, value=report(20, minutes=75))
            await harness.settle(7)
    return harness


async def test_counts_close_and_dead_letter(harness_factory):
    agent, counter = harness_factory
    harness = await run_scenario(agent, counter)
    windows = {
        (m["window_s"], m["window_start_at"], m["source_partition"], c["category"]): c[
            "event_count"
        ]
        for m in harness.published
        for c in m["counts"]
    }
    assert windows == {
        (300, "2026-07-15T10:00:00+00:00", 0, "noise"): 3,
        (300, "2026-07-15T10:05:00+00:00", 0, "noise"): 1,
        (3600, "2026-07-15T10:00:00+00:00", 0, "noise"): 4,
    }
    # partition 1 saw no later event: its windows stay open, counted in the table
    open_keys = [
        k for k in list(counter.table.keys()) if not k.endswith("|wm") and not is_next_key(k)
    ]
    assert sorted(k.split("|")[1] for k in open_keys) == ["0", "0", "1", "1"]
    assert [d["reason"][:14] for d in harness.dead] == ["not valid JSON"]
    assert counter.stats["rejected"] == 1 and counter.stats["late"] == 0


async def test_reprocessing_the_same_offsets_counts_nothing_twice(harness_factory):
    agent, counter = harness_factory
    async with agent.test_context() as test_agent:
        harness = Harness(test_agent, counter)
        out_patch, dead_patch = capture(harness)
        with out_patch, dead_patch:
            await harness.send(partition=0, value=report(1, minutes=1))
            await harness.send(partition=0, value=report(2, minutes=2))
            await harness.settle(2)
            before = dict(counter.table.items())
            harness.offsets.clear()  # a restart re-reads from the last committed offset
            await harness.send(partition=0, value=report(1, minutes=1))
            await harness.send(partition=0, value=report(2, minutes=2))
            await harness.settle(4)
    assert dict(counter.table.items()) == before


async def test_records_after_a_gap_wait_for_it_and_count_once(harness_factory):
    agent, counter = harness_factory
    async with agent.test_context() as test_agent:
        harness = Harness(test_agent, counter)
        out_patch, dead_patch = capture(harness)
        sought = []

        async def seek(**where):  # the consumer's seek leaves the process: record it
            sought.append(where)

        with out_patch, dead_patch, mock.patch.object(counter.order, "seek", seek):
            await harness.send(partition=0, value=report(0, minutes=1), at_offset=0)
            await harness.settle(1)
            # offsets 2 and 3 arrive before 1 (a delivery that started past the gap)
            await harness.send(partition=0, value=report(2, minutes=3), at_offset=2)
            await harness.send(partition=0, value=report(3, minutes=75), at_offset=3)
            await harness.settle(3)
            assert counter.stats["deferred"] == 2 and harness.published == []
            assert sought == [{"topic": "reports.citizen", "partition": 0, "offset": 1}]
            # the seek delivers 1, 2 and 3 again
            for offset, minutes in ((1, 2), (2, 3), (3, 75)):
                value = report(offset, minutes=minutes)
                await harness.send(partition=0, value=value, at_offset=offset)
            await harness.settle(6)
    windows = {
        (m["window_s"], m["window_start_at"], c["category"]): c["event_count"]
        for m in harness.published
        for c in m["counts"]
    }
    # nothing before the gap was closed early or lost; nothing counted twice
    assert windows == {
        (300, "2026-07-15T10:00:00+00:00", "noise"): 3,
        (3600, "2026-07-15T10:00:00+00:00", "noise"): 3,
    }


async def test_a_gap_still_open_is_sought_back_again_until_its_records_come(harness_factory):
    agent, counter = harness_factory
    counter.order.reseek_s = 0  # every reseek asks again (5 s apart in the worker)
    async with agent.test_context() as test_agent:
        harness = Harness(test_agent, counter)
        out_patch, dead_patch = capture(harness)
        sought = []

        async def seek(**where):  # a seek undone by records fetched before it: nothing comes
            sought.append(where["offset"])

        with out_patch, dead_patch, mock.patch.object(counter.order, "seek", seek):
            await harness.send(partition=0, value=report(0, minutes=1), at_offset=0)
            await harness.send(partition=0, value=report(2, minutes=75), at_offset=2)
            await harness.settle(2)
            assert await counter.reseek_gaps() == 1
            assert sought == [1, 1] and harness.published == []
            for offset, minutes in ((1, 2), (2, 75)):
                await harness.send(
                    partition=0, value=report(offset, minutes=minutes), at_offset=offset
                )
            await harness.settle(4)
            assert await counter.reseek_gaps() == 0 and sought == [1, 1]
    windows = {
        (m["window_s"], m["window_start_at"]): c["event_count"]
        for m in harness.published
        for c in m["counts"]
    }
    # offsets 0 and 1 in the 10:00 windows, once each; offset 2 (11:15) closed them
    assert windows == {
        (300, "2026-07-15T10:00:00+00:00"): 2,
        (3600, "2026-07-15T10:00:00+00:00"): 2,
    }
