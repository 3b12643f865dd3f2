"""The demo county's day, looped: lap ``k`` is the day shifted ``k`` days later.

Every valid message of lap ``k > 0`` gets its timestamps moved forward by ``k``
days and its identifiers (event id, video message, object and event ids)
suffixed with ``~k``, so event ids stay unique across laps, windows keep
closing and trackers see new objects, as a county's next day would. Malformed
messages are replayed unchanged (they carry no id to keep unique).

The day's messages span a little more than 24 hours, so the stream is merged
by event time: day slot ``j`` holds lap ``j``'s first 24 hours and the part of
lap ``j - 1`` that runs past its own day.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import count, dropwhile
from typing import Any

import orjson

from pipelines.scenarios.demo_county import SourceMessage

DAY = timedelta(days=1)
_ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_ID_FIELDS = ("event_id", "messageid")
_NESTED_ID_FIELDS = ("object", "event")  # video: the tracked object and its event


def _shift_time(text: str, days: int) -> str:
    """An ISO-8601 UTC string moved ``days`` later, keeping its millisecond format."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(days=days)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _shift(doc: Any, days: int) -> Any:
    """Every ISO-8601 UTC timestamp string inside ``doc`` moved ``days`` later."""
    if isinstance(doc, dict):
        return {k: _shift(v, days) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_shift(v, days) for v in doc]
    if isinstance(doc, str) and _ISO_UTC.match(doc):
        return _shift_time(doc, days)
    return doc


def shift_message(message: SourceMessage, lap: int) -> SourceMessage:
    """``message`` as lap ``lap`` sends it (lap 0 is the day itself)."""
    if lap == 0 or not message.valid:
        return replace(message, event_at=message.event_at + lap * DAY)
    doc = _shift(orjson.loads(message.value), lap)
    suffix = f"~{lap}"
    for name in _ID_FIELDS:
        if isinstance(doc.get(name), str):
            doc[name] += suffix
    for name in _NESTED_ID_FIELDS:
        nested = doc.get(name)
        if isinstance(nested, dict) and isinstance(nested.get("id"), str):
            nested["id"] += suffix
    return replace(message, value=orjson.dumps(doc), event_at=message.event_at + lap * DAY)


def looped(
    messages: Sequence[SourceMessage], *, laps: int | None = None
) -> Iterator[SourceMessage]:
    """The day's messages (sorted by event time) repeated ``laps`` times (None: forever).

    The result is sorted by event time: each day slot merges lap ``j``'s first
    24 hours with lap ``j - 1``'s overrun past 24 hours.
    """
    if not messages:
        return
    start = messages[0].event_at
    head = [m for m in messages if m.event_at - start < DAY]
    overrun = [m for m in messages if m.event_at - start >= DAY]
    slots = count() if laps is None else range(laps + (1 if overrun else 0))
    for j in slots:
        current = (shift_message(m, j) for m in head) if laps is None or j < laps else iter(())
        earlier = (shift_message(m, j - 1) for m in overrun) if j >= 1 else iter(())
        yield from heapq.merge(current, earlier, key=lambda m: m.event_at)


def starting_at(
    messages: Sequence[SourceMessage], *, hours: float, laps: int | None = None
) -> Iterator[SourceMessage]:
    """:func:`looped`, but lap 0 starts ``hours`` into the day (e.g. 8: the morning's traffic)."""
    if not messages:
        return iter(())
    start = messages[0].event_at + timedelta(hours=hours)
    return dropwhile(lambda m: m.event_at < start, looped(messages, laps=laps))
