"""The dead-letter record: what lands in ``<topic>.rejected`` for a refused message."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any


def dead_letter(
    *,
    event_id: str,
    at: datetime,
    source_topic: str,
    reason: str,
    raw: bytes,
    source_partition: int = -1,
    source_offset: int = -1,
) -> dict[str, Any]:
    """A rejection with its reason and the original bytes (base64).

    Partition and offset are -1 when the message was refused before it
    reached Kafka (at a gateway).
    """
    return {
        "event_id": event_id,
        "event_at": at,
        "source_topic": source_topic,
        "source_partition": source_partition,
        "source_offset": source_offset,
        "reason": reason,
        "raw_base64": base64.b64encode(raw).decode("ascii"),
    }


def content_id(*parts: bytes | str) -> str:
    """A stable id from the parts that identify a refused message."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()
