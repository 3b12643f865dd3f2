"""The case engine's topics, the messages its pure parts ask to send, and the command codec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka.partitioner import murmur2
from faust.serializers.codecs import Codec

from citybrain.topics import rejected

ALERTS = "alerts"
REPORTS = "reports.citizen"
PLACES = "cases.alerts-by-place"  # signals and index updates, keyed by signals.place_key
COMMANDS = "cases.commands"  # keyed by case id
EVENTS = "cases.events"  # keyed by case id
REFUSALS = rejected(COMMANDS)  # refused and unreadable commands, with the reason
ALERTS_REJECTED = rejected(ALERTS)  # alerts that break their contract


def partition_of(case_id: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives the key ``case_id``.

    The engine keeps each case in this partition of ``cases.commands`` and of
    its tables (it forwards a command that arrives elsewhere), so it also
    names the worker that holds the case.
    """
    return (murmur2(case_id.encode()) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True)
class Outgoing:
    """One message to produce: topic, key (a str, sent as UTF-8), a JSON value, a partition.

    ``partition`` None: the key's (Kafka's default partitioner).
    """

    topic: str
    key: str
    value: dict[str, Any]
    partition: int | None = None


class JsonOrBytesOut(Codec):
    """Sends a dict as JSON or bytes as they are; receives raw bytes (decoded by the agent).

    The command topic uses it, so the HTTP API may send ``Command.to_dict()``
    or its JSON bytes, and a malformed command still reaches the agent, which
    refuses it with a reason instead of faust dropping it.
    """

    def _dumps(self, obj: Any) -> bytes:
        return obj if isinstance(obj, bytes) else orjson.dumps(obj)

    def _loads(self, s: bytes) -> Any:
        return s
