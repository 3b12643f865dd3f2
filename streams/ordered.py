"""Apply each source partition's records once, in offset order, with none skipped.

faust 0.15 can leave records out of an agent's stream and commit past them:
a record being handed to the agents when a rebalance suspends the flow is
dropped for the agents it had not reached yet, and the jump in offsets that
follows is booked as acknowledged (seen with two workers sharing the
partitions: the video agent lost sightings, so an episode counted fewer, or
split in two and alerted twice). An agent whose state depends on seeing
every record of a partition in order keeps, in its own table, the next
offset it expects per source partition (:func:`next_key`, written to that
partition's changelog partition after the state it covers, so it is never
durable before that state is). A batch is applied per source up to the first
missing offset (:func:`in_order`); what follows a gap waits, and the
partition is sought back to the gap (at most every ``reseek_s`` per offset,
and again by :meth:`InOrder.reseek_gaps` on a timer while it stays open).
The seek given to :class:`InOrder` should hold until the records from the
gap come round again (``faust_compat.seek_and_hold``): a stage that waits at
a gap needs exactly those. Stages that apply records past a gap at once (the
case engine) use faust's plain seek.
While a gap is open the partition's commits stop at it
(``faust_compat.hold_commits_at_gaps``), so consumer lag shows the wait.
Records below the expected offset were applied before and are dropped.
A source seen for the first time starts at its committed offset, or, when
the group never committed it, at the start of its log (``starts``,
:mod:`streams.log_start`); where neither is known (faust's test context
assigns no partitions) at the lowest offset delivered.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from faust.types import EventT

from streams.faust_compat import event_context
from streams.log_start import LogStarts

RESEEK_S = 5.0
NEXT_KEY_PREFIX = "\x00next|"  # no id of the contracts starts with a control character

Source = tuple[str, int]  # (topic, partition)
Seek = Callable[..., Awaitable[Any]]  # seek(topic=, partition=, offset=); False: not assigned

log = logging.getLogger(__name__)


def next_key(source: Source) -> str:
    """The table key holding the next offset expected from ``source``."""
    return f"{NEXT_KEY_PREFIX}{source[0]}|{source[1]}"


def is_next_key(key: str) -> bool:
    """True for a key written by :class:`InOrder`, not by the agent's own state."""
    return key.startswith(NEXT_KEY_PREFIX)


def in_order(offsets: Iterable[int], *, expected: int | None) -> tuple[list[int], int | None]:
    """(offsets to apply now, in order, none twice; the next offset expected after them).

    Offsets below ``expected`` were applied before; the run stops at the first
    missing one. ``expected`` None starts at the lowest offset seen.
    """
    unique = sorted(set(offsets))
    if expected is None and unique:
        expected = unique[0]
    taken: list[int] = []
    for offset in unique:
        if expected is not None and offset < expected:
            continue
        if offset != expected:
            break
        taken.append(offset)
        expected = offset + 1
    return taken, expected


def stored_next(table: Any, source: Source, event: EventT) -> int | None:
    """The next offset ``table`` holds for ``source`` (read in ``event``'s partition)."""
    with event_context(event):
        return table.get(next_key(source))


def store_next(table: Any, source: Source, event: EventT, after: int) -> None:
    """Write ``source``'s next offset to ``table``, in ``event``'s changelog partition."""
    with event_context(event):
        table[next_key(source)] = after


async def fill_expected(
    expected: Mapping[Source, int | None],
    *,
    committed: Callable[[], Mapping[Source, int | None]],
    starts: LogStarts | None,
) -> dict[Source, int | None]:
    """``expected`` with each unknown source's committed offset, else its log's start.

    ``committed`` maps each partition assigned to this worker to its committed
    offset, None where the group never committed it: only those start at
    their log's start. A source still unknown (not in ``committed``, as in
    faust's test context, or no ``starts``) stays None: the lowest offset
    delivered is taken.
    """
    filled = dict(expected)
    unknown = [s for s, offset in filled.items() if offset is None]
    if not unknown:
        return filled
    done = committed()
    filled.update({s: done.get(s) for s in unknown})
    never = [s for s in unknown if s in done and done[s] is None]
    if never and starts is not None:
        begins = await starts(never)
        filled.update({s: begins.get(s) for s in never})
    return filled


class GapSeeker:
    """The first offset each source partition still misses, sought back until it comes.

    A gap is sought back at most every ``reseek_s`` for the same offset, and
    again by :meth:`reseek_gaps` (on a timer: :func:`reseek_timer`) while it
    stays open. A partition no longer assigned here (``seek`` returns False)
    is its new owner's to seek: its gap is dropped. ``gaps`` is what
    ``faust_compat.hold_commits_at_gaps`` holds commits at.
    """

    sought_stat = "sought_back"  # the counter in ``stats`` each seek back adds to

    def __init__(self, *, seek: Seek, stats: dict[str, int], reseek_s: float = RESEEK_S) -> None:
        self.seek = seek
        self.stats = stats
        self.reseek_s = reseek_s
        self.gaps: dict[Source, int] = {}  # first offset still missing, per source (control)
        self._sought: dict[tuple[Source, int], float] = {}

    async def reseek_gaps(self) -> int:
        """Seek back every source whose gap is still open; return how many are open."""
        for source, offset in list(self.gaps.items()):
            await self._seek_back(source, offset)
        return len(self.gaps)

    async def _seek_back(self, source: Source, offset: int) -> None:
        now = time.monotonic()
        if now - self._sought.get((source, offset), -self.reseek_s) < self.reseek_s:
            return
        self._sought = {k: v for k, v in self._sought.items() if k[0] != source}
        self._sought[(source, offset)] = now
        log.warning("%s[%d]: offset %d missing before later records; seeking back", *source, offset)
        self.stats[self.sought_stat] += 1
        if await self.seek(topic=source[0], partition=source[1], offset=offset) is False:
            self.gaps.pop(source, None)  # not this worker's partition any more


class InOrder(GapSeeker):
    """Cuts batches to the records each source partition may apply now; seeks back over gaps."""

    def __init__(
        self,
        *,
        table: Any,
        seek: Seek,
        stats: dict[str, int],
        committed: Callable[[], Mapping[Source, int | None]] = dict,
        starts: LogStarts | None = None,
        reseek_s: float = RESEEK_S,
    ) -> None:
        super().__init__(seek=seek, stats=stats, reseek_s=reseek_s)
        self.table = table
        self.committed = committed
        self.starts = starts

    async def take(self, events: Sequence[EventT]) -> tuple[list[EventT], dict[Source, Any]]:
        """(the events to apply, in offset order per source; the next offsets to store).

        The second value maps each source with something new to (one of its
        events, its next offset): pass it to :meth:`store` once the applied
        events' state is written.
        """
        by_source: dict[Source, dict[int, EventT]] = defaultdict(dict)
        for event in events:
            source = (event.message.topic, event.message.partition)
            by_source[source].setdefault(event.message.offset, event)
        fresh: list[EventT] = []
        nexts: dict[Source, Any] = {}
        stored = {
            source: stored_next(self.table, source, next(iter(by_offset.values())))
            for source, by_offset in by_source.items()
        }
        expected = await fill_expected(stored, committed=self.committed, starts=self.starts)
        for source, by_offset in by_source.items():
            taken, after = in_order(by_offset, expected=expected[source])
            fresh += [by_offset[o] for o in taken]
            if taken:
                nexts[source] = (by_offset[taken[-1]], after)
            waiting = sum(1 for o in by_offset if after is not None and o > after)
            self.stats["deferred"] += waiting
            if waiting and after is not None:
                self.gaps[source] = after
                await self._seek_back(source, after)
            elif after is not None and self.gaps.get(source, after) < after:
                self.gaps.pop(source, None)  # filled
        return fresh, nexts

    def store(self, nexts: Mapping[Source, Any]) -> None:
        """Write each source's next offset (after the state of the records before it)."""
        for source, (event, after) in nexts.items():
            store_next(self.table, source, event, after)


def reseek_timer(
    app: Any, *, name: str, reseek: Callable[[], Awaitable[Any]]
) -> Callable[[], Awaitable[None]]:
    """Declare a timer on ``app`` that calls ``reseek`` every ``RESEEK_S`` outside rebalances.

    ``reseek`` seeks back over the gaps still open (``InOrder.reseek_gaps``,
    ``Continuity.reseek_gaps``). A seek the consumer refuses now (its
    partition being handed over) is logged and tried again next time; it
    never ends the timer. Returns the timer's function.
    """

    async def tick() -> None:
        if app.rebalancing or getattr(app, "in_recovery", False):
            return
        try:
            await reseek()
        except Exception:
            log.exception(
                "%s: seeking back over a gap failed; trying again in %g s", name, RESEEK_S
            )

    app.timer(RESEEK_S, name=name)(tick)
    return tick
