"""Each case agent sees every offset of its source partitions; skipped records are sought back.

faust 0.15 can skip records and commit past them, seen here after a worker
restart: the fetcher delivers before the seek to the committed offsets, a
jump in a partition's offsets is booked as a gap of compacted-away records
and acknowledged, and a run of acknowledged offsets that starts one past the
committed offset is committed over the record in between. The hotspot and
video agents, which must not apply a record past a gap, wait at it instead
(``streams.ordered``).

The check keeps, per source partition, the next offset the agent expects
(in memory: control, not state; at first the committed offset). A batch
moves it forward through contiguous offsets only. Records past a gap are
processed anyway (every case agent is idempotent per record), and the
partition is sought back to the first missing offset, at most once every
``reseek_s`` for the same offset, until the gap is filled: by the next batch
of that partition, or by :meth:`Continuity.reseek_gaps` on a timer when no
batch comes (faust's own seek to the committed offsets after a table
recovery can undo a seek made before it). Until then the partition's commits
stop at the first missing offset (``faust_compat.hold_commits_at_gaps``): the
check lives in memory, so a worker killed, or a partition handed to another
worker, before the gap fills must leave the next owner reading from there.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from faust.types import EventT

from streams import faust_compat

RESEEK_S = 5.0

Source = tuple[str, int]  # (topic, partition)
Seek = Callable[..., Awaitable[None]]  # seek(topic=, partition=, offset=)

log = logging.getLogger(__name__)


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


class Continuity:
    """Tracks the next expected offset per source partition and seeks back over skips."""

    def __init__(
        self,
        *,
        committed: Callable[[], Mapping[Source, int | None]],
        seek: Seek,
        stats: dict[str, int],
        reseek_s: float = RESEEK_S,
    ) -> None:
        self.committed = committed
        self.seek = seek
        self.stats = stats
        self.reseek_s = reseek_s
        self.next: dict[Source, int] = {}
        self.gaps: dict[Source, int] = {}  # first offset still missing, per source
        self._sought: dict[tuple[Source, int], float] = {}

    async def check(self, events: Sequence[EventT]) -> None:
        """Note the batch's offsets; seek back any partition with a gap before them."""
        offsets: dict[Source, list[int]] = defaultdict(list)
        for event in events:
            offsets[(event.message.topic, event.message.partition)].append(event.message.offset)
        committed = self.committed() if any(s not in self.next for s in offsets) else {}
        for source, seen in offsets.items():
            expected = self.next.get(source, committed.get(source))
            missing, self.next[source] = first_missing(seen, expected=expected)
            if missing is not None:
                self.gaps[source] = missing
                await self._seek_back(source, missing, min(seen))
            else:
                self.gaps.pop(source, None)

    async def reseek_gaps(self) -> int:
        """Seek back every partition whose gap is still open; return how many are open."""
        for source, offset in list(self.gaps.items()):
            await self._seek_back(source, offset, self.next.get(source, offset))
        return len(self.gaps)

    async def _seek_back(self, source: Source, offset: int, delivered_from: int) -> None:
        now = time.monotonic()
        if now - self._sought.get((source, offset), -self.reseek_s) < self.reseek_s:
            return
        self._sought[(source, offset)] = now
        log.warning(
            "%s[%d]: records from offset %d were skipped (delivery at %d); seeking back",
            *source,
            offset,
            delivered_from,
        )
        self.stats["skipped_offsets_sought_back"] += 1
        await self.seek(topic=source[0], partition=source[1], offset=offset)


def for_app(app: Any, stats: dict[str, int]) -> Continuity:
    """The continuity check of ``app``'s consumer (its committed offsets, its seeks)."""

    def committed() -> dict:
        try:
            return faust_compat.committed_offsets(app.consumer)
        except Exception:  # no assignment yet: start from the first offset delivered
            return {}

    async def seek(*, topic: str, partition: int, offset: int) -> None:
        await faust_compat.seek(app.consumer, topic=topic, partition=partition, offset=offset)

    continuity = Continuity(committed=committed, seek=seek, stats=stats)
    faust_compat.hold_commits_at_gaps(app, continuity)
    return continuity
