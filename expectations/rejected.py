"""Expectations for the dead-letter topics ``<source topic>.rejected``.

A dead letter keeps what is needed to replay or explain it: the topic,
partition and offset it came from, the reason, and the original bytes as
base64. ``event_at`` is when it was rejected (the record had no trustworthy
time of its own), so it lies in its hour partition and not in the future.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.contracts import SOURCE_TOPICS
from citybrain.topics import rejected
from expectations.common import event_time, keys, landed_schema, one_of

TOPICS: tuple[str, ...] = tuple(rejected(t) for t in SOURCE_TOPICS)
BASE64_PATTERN = r"^[A-Za-z0-9+/]*={0,2}$"


def source_of(topic: str) -> str:
    """The source topic a dead-letter topic holds records of."""
    suffix = ".rejected"
    if not topic.endswith(suffix) or topic[: -len(suffix)] not in SOURCE_TOPICS:
        raise KeyError(f"{topic!r} is not a dead-letter topic of a source contract")
    return topic[: -len(suffix)]


def expectations_for(topic: str) -> list[gxe.Expectation]:
    """Schema, keys and time; the source it names, a reason, offsets and base64 bytes."""
    return [
        *landed_schema(topic),
        *keys("source_topic", "reason", "raw_base64"),
        *event_time(),
        one_of("source_topic", [source_of(topic)], what=f"source of {topic}"),
        gxe.ExpectColumnValuesToBeBetween(
            column="source_offset", min_value=0, description="source_offset is an offset"
        ),
        gxe.ExpectColumnValueLengthsToBeBetween(
            column="reason", min_value=1, description="reason says why it was rejected"
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="raw_base64",
            regex=BASE64_PATTERN,
            description="raw_base64 holds the original bytes as base64",
        ),
    ]
