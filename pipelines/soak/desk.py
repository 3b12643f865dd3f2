"""The soak's duty desk: people work the cases while the looped day goes on.

Without a desk every case of a soak stays open, so the case tables can only
grow and retirement (:mod:`streams.cases.retirement`) is never reached. This
desk plays the demo's people (:mod:`pipelines.scenarios.demo_county.duty_desk`,
seeded per case) on every case the engine opens: once a case is waiting for
people (``reported``: a citizen's report for the call taker; ``dispatched``: a
machine case for its department), its whole life to 结案 (or 不予立案) is
planned, each command stamped with the time it happens; a command is sent
only once the replay's event time has reached it, as people would act during
the day being replayed.

:class:`SoakDesk` is the pure part (events in, due commands out); :func:`work`
reads ``cases.events`` and sends to ``cases.commands`` (at-least-once: a
command sent twice is applied once, by its ``command_id``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from citybrain.topics import spec
from pipelines.scenarios.demo_county.duty_desk import cases_from_events, desk_commands
from streams.cases import wire

WAITING_FOR_PEOPLE = frozenset({"reported", "dispatched"})
PLAN_AHEAD = timedelta(days=2)  # a case's planned life ends within this of being picked up


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class SoakDesk:
    """Cases seen but not yet picked up, and planned commands waiting for their time."""

    seed: int
    owner_of: Mapping[str, str]
    waiting: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    picked: set[str] = field(default_factory=set)
    queue: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def take(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Read case events; plan every case now waiting for people; return how many.

        Only the cases these events touch are folded again: a case that never
        reaches people (an unrouted machine case) is not re-read every round.
        """
        touched = set()
        for event in events:
            if event["case_id"] not in self.picked:
                self.waiting.setdefault(event["case_id"], []).append(event)
                touched.add(event["case_id"])
        folded = cases_from_events(e for c in sorted(touched) for e in self.waiting[c])
        ready = {c: case for c, case in folded.items() if case.state in WAITING_FOR_PEOPLE}
        for case_id, case in sorted(ready.items()):
            end_at = case.at + PLAN_AHEAD
            planned = desk_commands(
                {case_id: case}, [], seed=self.seed, end_at=end_at, owner_of=self.owner_of
            )
            for command in planned:
                heapq.heappush(self.queue, (command["at"], command["command_id"], command))
            self.picked.add(case_id)
            del self.waiting[case_id]
        return len(ready)

    def due(self, *, now_at: datetime) -> list[dict[str, Any]]:
        """The planned commands whose time is at or before ``now_at``, in time order."""
        out = []
        while self.queue and _at(self.queue[0][0]) <= now_at:
            out.append(heapq.heappop(self.queue)[2])
        return out


async def work(
    desk: SoakDesk,
    *,
    bootstrap: str,
    now_at: Callable[[], datetime | None],
    until_monotonic: float,
    every_s: float = 1.0,
) -> int:
    """Read new case events and send the due commands every ``every_s`` until the time is up.

    ``now_at``: the replay's current event time (None before its first message).
    Returns how many commands were sent.
    """
    tps = [TopicPartition(wire.EVENTS, p) for p in range(spec(wire.EVENTS).partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await consumer.start()
    await producer.start()
    sent = 0
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while time.monotonic() < until_monotonic:
            batch = await consumer.getmany(*tps, timeout_ms=int(every_s * 1000))
            desk.take(orjson.loads(r.value) for records in batch.values() for r in records)
            at = now_at()
            due = desk.due(now_at=at) if at is not None else []
            for command in due:
                key = command["case_id"].encode()
                await producer.send(wire.COMMANDS, orjson.dumps(command), key=key)
            if due:
                await producer.flush()
                sent += len(due)
    finally:
        await producer.stop()
        await consumer.stop()
    return sent
