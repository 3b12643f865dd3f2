"""Validate raw source messages; route failures to ``<topic>.rejected``.

Pure functions: a batch of raw messages in, accepted rows and rejection
records out. Agents call these and do the I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts import ContractViolation, decode_rows
from citybrain.deadletters import dead_letter
from citybrain.topics import SOURCES

COMPACTED_TOPICS = frozenset(s.name for s in SOURCES if s.compacted)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One consumed Kafka message: where it came from and its value bytes."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: bytes | None

    @classmethod
    def from_event(cls, event: Any) -> RawMessage:
        """The message of a consumed faust event (value left as raw bytes)."""
        m = event.message
        return cls(m.topic, m.partition, m.offset, int(m.timestamp * 1000), event.value)


def rejection_id(*, topic: str, partition: int, offset: int) -> str:
    """Stable id of a rejected message: the same message always gets the same id."""
    return hashlib.sha1(f"{topic}:{partition}:{offset}".encode()).hexdigest()


def rejection(message: RawMessage, reason: str) -> dict[str, Any]:
    """The dead-letter record for a message that failed its contract.

    ``event_at`` is the Kafka message timestamp (not the wall clock), so a
    re-processed message produces an identical record.
    """
    return dead_letter(
        event_id=rejection_id(
            topic=message.topic, partition=message.partition, offset=message.offset
        ),
        at=datetime.fromtimestamp(message.timestamp_ms / 1000, tz=UTC),
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        reason=reason,
        raw=message.value or b"",
    )


def validate_batch(
    messages: Iterable[RawMessage],
) -> tuple[list[tuple[RawMessage, dict[str, Any]]], list[dict[str, Any]]]:
    """Split messages into (message, row) pairs that pass and rejection records.

    A message may hold several rows (a DeepStream minimal-schema frame holds one
    per object): each becomes a pair with the same message.

    Never raises for a bad record: any exception from a contract becomes a
    rejection with its reason, so one bad record cannot stop a stream.
    """
    accepted: list[tuple[RawMessage, dict[str, Any]]] = []
    rejected: list[dict[str, Any]] = []
    for message in messages:
        if message.value is None and message.topic in COMPACTED_TOPICS:
            continue  # a tombstone: the key was deleted on purpose (e.g. a revoked permit)
        try:
            accepted.extend((message, row) for row in decode_rows(message.topic, message.value))
        except ContractViolation as exc:
            rejected.append(rejection(message, exc.reason))
        except Exception as exc:  # a contract bug must not kill the worker either
            rejected.append(rejection(message, f"unexpected {type(exc).__name__}: {exc}"))
    return accepted, rejected
