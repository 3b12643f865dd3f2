"""Each case agent sees every offset of its source partitions; skipped records are sought back.

faust 0.15 can skip records and commit past them, seen here after a worker
restart: the fetcher delivers before the seek to the committed offsets, a
jump in a partition's offsets is booked as a gap of compacted-away records
and acknowledged, and a run of acknowledged offsets that starts one past the
committed offset is committed over the record in between. The hotspot and
video agents, which must not apply a record past a gap, wait at it instead
(``streams.ordered``).

The check keeps, per source partition, the next offset the agent expects.
A batch moves it forward through contiguous offsets only. Where a table is
given for the source's topic (one co-partitioned with it: same partition
count), the agent stores the next offset there after the batch's outputs
(:meth:`Continuity.store`, key ``streams.ordered.next_key``), so it follows the
partition to whichever worker owns it next: faust drops a record for the
agents it had not reached when a rebalance suspends the flow, the agents it
reached acknowledge it and it is committed over, and the next owner,
starting from the committed offset, would never know. Without a table (or
before the first store) the check starts at the committed offset, and where
the group never committed the partition, at the start of its log
(:mod:`streams.log_start`).

Records past a gap are processed anyway (every case agent is idempotent per
record), and the partition is sought back to the first missing offset, at most once every
``reseek_s`` for the same offset, until the gap is filled: by the next batch
of that partition, or by :meth:`Continuity.reseek_gaps` on a timer when no
batch comes (faust's own seek to the committed offsets after a table
recovery can undo a seek made before it). Until then the partition's commits
stop at the first missing offset (``faust_compat.hold_commits_at_gaps``): the
stored next offset stays at the gap too, so a worker killed, or a partition
handed to another worker, before the gap fills leaves the next owner reading
from there and seeking back to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from faust.types import EventT

from streams import faust_compat
from streams.log_start import LogStarts
from streams.ordered import (
    RESEEK_S,
    GapSeeker,
    Seek,
    Source,
    fill_expected,
    store_next,
    stored_next,
)

Nexts = dict[Source, tuple[EventT, int]]  # (an event of the source, next offset expected)


def first_missing(offsets: Iterable[int], *, expected: int | None) -> tuple[int | None, int]:
    """``(first offset skipped or None, next offset expected)`` after seeing ``offsets``.

    ``expected`` None takes the lowest offset seen as the start. Offsets below
    the expected one are re-deliveries and change nothing.
    """
    seen = sorted(set(offsets))
    next_offset = seen[0] if expected is None else expected
    for offset in seen:
        if offset == next_offset:
            next_offset += 1
        elif offset > next_offset:
            return next_offset, next_offset
    return None, next_offset


class Continuity(GapSeeker):
    """Tracks the next expected offset per source partition and seeks back over skips."""

    sought_stat = "skipped_offsets_sought_back"

    def __init__(
        self,
        *,
        committed: Callable[[], Mapping[Source, int | None]],
        seek: Seek,
        stats: dict[str, int],
        tables: Mapping[str, Any] | None = None,
        starts: LogStarts | None = None,
        reseek_s: float = RESEEK_S,
    ) -> None:
        super().__init__(seek=seek, stats=stats, reseek_s=reseek_s)
        self.committed = committed
        self.starts = starts  # a source the group never committed starts at its log's start
        self.tables = dict(tables or {})  # topic -> table holding its partitions' next offsets
        self.next: dict[Source, int] = {}

    async def check(self, events: Sequence[EventT]) -> Nexts:
        """Note the batch's offsets; seek back any partition with a gap before them.

        Returns what to pass to :meth:`store` once the batch's outputs are sent.
        """
        by_source: dict[Source, list[EventT]] = defaultdict(list)
        for event in events:
            by_source[(event.message.topic, event.message.partition)].append(event)
        nexts: Nexts = {}
        known: dict[Source, int | None] = {}
        for source, batch in by_source.items():
            table = self.tables.get(source[0])
            known[source] = None if table is None else stored_next(table, source, batch[0])
            if known[source] is None:
                known[source] = self.next.get(source)
        expected = await fill_expected(known, committed=self.committed, starts=self.starts)
        for source, batch in by_source.items():
            seen = [e.message.offset for e in batch]
            missing, self.next[source] = first_missing(seen, expected=expected[source])
            nexts[source] = (batch[0], self.next[source])
            if missing is not None:
                self.gaps[source] = missing
                await self._seek_back(source, missing)
            else:
                self.gaps.pop(source, None)
        return nexts

    def store(self, nexts: Nexts) -> None:
        """Write each source's next offset to its topic's table (in that partition's context)."""
        for source, (event, after) in nexts.items():
            if (table := self.tables.get(source[0])) is not None:
                store_next(table, source, event, after)


def for_app(
    app: Any,
    stats: dict[str, int],
    tables: Mapping[str, Any] | None = None,
    *,
    starts: LogStarts | None = None,
) -> Continuity:
    """The continuity check of ``app``'s consumer (its committed offsets, its seeks).

    ``tables`` maps a source topic to the table, co-partitioned with it, that
    keeps its partitions' next offsets.
    """

    def committed() -> dict:
        try:
            return faust_compat.committed_offsets(app.consumer)
        except Exception:  # no assignment yet: start from the log's start
            return {}

    async def seek(*, topic: str, partition: int, offset: int) -> bool:
        return await faust_compat.seek(
            app.consumer, topic=topic, partition=partition, offset=offset
        )

    continuity = Continuity(
        committed=committed, seek=seek, stats=stats, tables=tables, starts=starts
    )
    faust_compat.hold_commits_at_gaps(app, continuity)
    return continuity
