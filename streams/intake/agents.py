"""Dead-lettering for source topics that no domain agent validates yet.

The hotspot agent validates video detections and citizen reports itself; this
agent covers GPS fixes, hydrology readings and permits, so every source's bad
records reach ``<topic>.rejected`` with a reason.
"""

from __future__ import annotations

from collections import defaultdict

import faust

from citybrain.contracts import encode_row, gps, hydro, permit
from citybrain.settings import Settings
from citybrain.topics import rejected, spec
from streams.guard import or_exit
from streams.intake.validate import RawMessage, validate_batch

INTAKE_TOPICS: tuple[str, ...] = (gps.TOPIC, hydro.TOPIC, permit.TOPIC)
BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 0.5


def register(app: faust.App, settings: Settings) -> dict[str, int]:
    """Declare one validating agent per intake topic; return its live counters."""
    stats: dict[str, int] = defaultdict(int)
    for name in INTAKE_TOPICS:
        _register_topic(app, name, stats)
    return stats


def _register_topic(app: faust.App, name: str, stats: dict[str, int]) -> None:
    source = app.topic(
        name, key_serializer="raw", value_serializer="raw", partitions=spec(name).partitions
    )
    dead_letters = app.topic(
        rejected(name), key_serializer="raw", value_serializer="raw", partitions=1
    )

    async def validate(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: _validate(events), what=f"intake {name}")

    async def _validate(events) -> None:
        messages = [RawMessage.from_event(e) for e in events]
        accepted, rejections = validate_batch(messages)
        for record in rejections:
            await dead_letters.send(key=record["event_id"].encode(), value=encode_row(record))
        stats[f"{name}.accepted"] += len(accepted)
        stats[f"{name}.rejected"] += len(rejections)

    app.agent(source, name=f"intake-{name}")(validate)
