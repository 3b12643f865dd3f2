"""Unstick partitions whose offset commits stopped at a hole in faust's acks.

faust commits a partition up to the first offset it has not acknowledged. If
the record at the committed offset is never delivered to the agent (seen
after a worker restart that rebuilt its tables from the changelog: the
fetcher runs before the stream partitions are sought to their committed
offsets), faust acknowledges everything after it but never commits again, and
the partition's lag grows for ever while the worker looks healthy.

A second way to the same end: records delivered twice leave duplicates and
already committed offsets in faust's ack lists, so each commit covers a
single offset and commits crawl at one record per commit interval.

The guard checks every ``check_every_s`` seconds. It first drops duplicate
and committed offsets from the ack lists. Then a partition whose lowest
acknowledged offset stays more than one past its committed offset, with the
same committed offset, for ``patience_checks`` checks in a row is sought back
to its committed offset: the records from there are delivered again. That is
safe because every citybrain agent is idempotent per record (the hotspot
table remembers the last offset it counted per window, the landing
deduplicates by event id). Each re-seek is logged and counted
(``stalls.reseeks`` and ``stalls.acks_repaired`` in ``/metrics``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import faust

from streams.faust_compat import acked_heads, committed_offsets, repair_acks, seek

CHECK_EVERY_S = 5.0
PATIENCE_CHECKS = 3

log = logging.getLogger(__name__)

Partition = tuple[str, int]


@dataclass(frozen=True)
class Suspect:
    """A partition with a hole at its head: its committed offset and how often it was seen."""

    committed: int
    checks: int


def holes(
    committed: Mapping[Partition, int | None], heads: Mapping[Partition, int]
) -> dict[Partition, int]:
    """Partitions whose lowest acked offset is more than one past the committed one.

    faust then returns no new offset to commit (its ``_new_offset``); the value
    is the committed offset the partition is stuck at.
    """
    return {
        tp: done
        for tp, done in committed.items()
        if done is not None and tp in heads and heads[tp] - done > 1
    }


def advance(
    suspects: Mapping[Partition, Suspect], stuck: Mapping[Partition, int], *, patience_checks: int
) -> tuple[dict[Partition, Suspect], dict[Partition, int]]:
    """One check: the updated suspects, and the partitions to seek back (to their offset).

    A suspect whose committed offset moved starts counting again; one that is
    no longer stuck is forgotten.
    """
    updated: dict[Partition, Suspect] = {}
    reseek: dict[Partition, int] = {}
    for tp, done in stuck.items():
        before = suspects.get(tp)
        checks = before.checks + 1 if before is not None and before.committed == done else 1
        if checks >= patience_checks:
            reseek[tp] = done
        else:
            updated[tp] = Suspect(done, checks)
    return updated, reseek


def register(
    app: faust.App,
    *,
    check_every_s: float = CHECK_EVERY_S,
    patience_checks: int = PATIENCE_CHECKS,
) -> dict[str, int]:
    """Run the guard on ``app``'s consumer; return its live counters (``reseeks``)."""
    stats: dict[str, int] = defaultdict(int)
    state: dict[str, dict[Partition, Suspect]] = {"suspects": {}}

    @app.timer(check_every_s, name="stall-guard")
    async def check() -> None:
        consumer = app.consumer
        repaired = repair_acks(consumer)
        if repaired:
            log.info("dropped %d duplicate or committed offsets from the ack lists", repaired)
            stats["acks_repaired"] += repaired
        stuck = holes(committed_offsets(consumer), acked_heads(consumer))
        state["suspects"], reseek = advance(
            state["suspects"], stuck, patience_checks=patience_checks
        )
        for (topic, partition), offset in sorted(reseek.items()):
            log.warning(
                "%s[%d]: commits stuck at offset %d behind acknowledged records; "
                "seeking back to deliver again",
                topic,
                partition,
                offset,
            )
            await seek(consumer, topic=topic, partition=partition, offset=offset)
            stats["reseeks"] += 1

    return stats
