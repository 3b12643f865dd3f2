"""Event-time progress along the signal path, so the case engine can decide in event-time order.

Off unless ``CITYBRAIN_EVENT_TIME_ORDER_IDLE_S`` is set
(``Settings.event_time_order_idle_s``).
Which open case a signal joins depends on which signal of a place the case
engine decides first. Signals reach it by several paths (citizen reports
straight from their topic, video alerts after two stages, flood and vehicle
alerts after one), so arrival order differs from run to run. With progress
on, every stage on those paths says how far in event time it has emitted
everything, and the case engine's dedup holds each signal until every path
has passed it (:mod:`streams.cases.holding`).

- A **channel** is one source partition of one stage:
  ``"<stage>:<topic>/<partition>"`` (:func:`channel`).
- After a batch's outputs are in Kafka, a stage sends one **progress record**
  to every partition of its output topic. Its key is ``~progress``, its
  header ``citybrain-progress`` (consumers that do not follow progress skip it
  by that header), and its value ``{"progress": {channel: epoch seconds}}``
  for the source partitions the batch moved. A mark ``T`` says: every output
  raised while processing this source partition's records up to event time
  ``T`` is already on this output partition, before this record. Sources are
  in event-time order per partition (a record older than its partition's mark
  is decided on arrival: late).
- Every output carries the event time it was **raised** at, the time of the
  input record whose processing produced it: the ``citybrain-raised-at``
  header (epoch seconds as text) on ``alerts`` and ``video.candidates``.
- A stage reading a derived topic keeps, per input partition, the last mark
  of each upstream channel (:func:`merged`, in its table under
  :func:`marks_key`); that partition's own mark is the lowest over the
  channels it expects (:func:`low_water`), none until each has been heard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from citybrain.topics import spec

HEADER = "citybrain-progress"
RAISED_AT = "citybrain-raised-at"
KEY = b"~progress"

Marks = dict[str, float]  # channel -> epoch seconds

# The signal path: per topic, the stages writing it and the source each reads. A reader of
# the topic expects a mark from every partition of every writer's source (:func:`expected`).
WRITERS: dict[str, tuple[tuple[str, str], ...]] = {
    "video.candidates": (("video_episodes", "detections.video"),),
    "alerts": (
        ("video_places", "video.candidates"),
        ("flood", "hydro.readings"),
        ("vehicles", "gps.fixes"),
    ),
    "cases.alerts-by-place": (("cases-intake", "alerts"), ("cases-intake", "reports.citizen")),
}


def channel(stage: str, topic: str, partition: int) -> str:
    """The channel of ``stage`` reading ``topic``'s ``partition``."""
    return f"{stage}:{topic}/{partition}"


def channels(stage: str, topic: str, partitions: int) -> tuple[str, ...]:
    """Every channel of ``stage`` reading a topic of ``partitions`` partitions."""
    return tuple(channel(stage, topic, p) for p in range(partitions))


def expected(topic: str) -> tuple[str, ...]:
    """Every channel a reader of ``topic`` waits for."""
    return tuple(
        c
        for stage, source in WRITERS[topic]
        for c in channels(stage, source, spec(source).partitions)
    )


def marks_key(partition: int) -> str:
    """Table key of the upstream marks seen on one input partition (co-partitioned)."""
    return f"~progress|{partition}"


def _headers(headers: Any) -> Mapping[str, bytes]:
    if not headers:
        return {}
    if isinstance(headers, Mapping):
        return headers
    return dict(headers)


def is_progress(headers: Any) -> bool:
    """True for a progress record (by its header)."""
    return HEADER in _headers(headers)


def progress_value(marks: Mapping[str, float]) -> bytes:
    """The value of a progress record."""
    return orjson.dumps({"progress": dict(marks)})


def marks_of(value: bytes | None) -> Marks:
    """The marks a progress record carries; ValueError when it is not one."""
    doc = orjson.loads(value or b"")
    if not isinstance(doc, dict) or not isinstance(doc.get("progress"), dict):
        raise ValueError("not a progress record")
    return {str(c): float(t) for c, t in doc["progress"].items()}


def progress_headers() -> list[tuple[str, bytes]]:
    """Headers of a progress record."""
    return [(HEADER, b"1")]


def raised_headers(raised_at_s: float) -> list[tuple[str, bytes]]:
    """Headers of an output raised at ``raised_at_s``."""
    return [(RAISED_AT, repr(float(raised_at_s)).encode())]


def raised_at(headers: Any) -> float | None:
    """The raised-at time an output carries, or None."""
    text = _headers(headers).get(RAISED_AT)
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def epoch_s(iso: str | datetime) -> float:
    """Epoch seconds of an ISO UTC text or an aware datetime."""
    if isinstance(iso, str):
        iso = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return iso.timestamp()


def merged(old: Mapping[str, float] | None, new: Mapping[str, float]) -> Marks:
    """``old`` moved forward by ``new`` (a mark never goes back: a restarted stage re-sends)."""
    out = dict(old or {})
    for c, t in new.items():
        if t > out.get(c, float("-inf")):
            out[c] = t
    return out


def low_water(marks: Mapping[str, float] | None, expected: Iterable[str]) -> float | None:
    """The lowest mark of the ``expected`` channels; None while one has not been heard."""
    marks = marks or {}
    values = [marks.get(c) for c in expected]
    if not values or any(v is None for v in values):
        return None
    return min(values)  # type: ignore[type-var]


def passed_on(
    old: Mapping[str, float] | None, value: bytes | None, expected: Iterable[str]
) -> tuple[Marks, float | None]:
    """A progress record on an input partition of a derived topic: (the partition's upstream
    marks now, its own mark: the lowest of the ``expected`` channels', None until each is
    heard). ValueError when the record is malformed.
    """
    marks = merged(old, marks_of(value))
    return marks, low_water(marks, expected)


class SourceMarks:
    """A stage's own marks: per source partition, the latest event time it processed."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.marks: Marks = {}

    def note(self, topic: str, partition: int, at_s: float | None) -> None:
        """The stage processed a record of ``topic``/``partition`` observed at ``at_s``."""
        if at_s is None:
            return
        name = channel(self.stage, topic, partition)
        if at_s > self.marks.get(name, float("-inf")):
            self.marks[name] = at_s

    def of(self, names: Sequence[str]) -> Marks:
        """The current marks of ``names`` (those heard)."""
        return {n: self.marks[n] for n in names if n in self.marks}


async def send_progress(topic: Any, partitions: int, marks: Mapping[str, float]) -> None:
    """Send ``marks`` to every partition of ``topic`` (a faust topic); nothing when empty."""
    if not marks:
        return
    value = progress_value(marks)
    for p in range(partitions):
        await topic.send(key=KEY, value=value, partition=p, headers=progress_headers())


class Emitter:
    """One stage's side of progress: raised-at headers on its outputs, marks after a batch.

    ``on`` False (event-time order off): no headers, no progress records.
    """

    def __init__(self, stage: str, source: str, out: Any, *, on: bool) -> None:
        self.stage, self.source, self.out, self.on = stage, source, out, on
        self.out_partitions = spec(out.get_topic_name()).partitions if on else 0
        self.mine = SourceMarks(stage)
        self.moved: set[int] = set()
        self.upstream = expected(source) if on and source in WRITERS else ()

    def options(self, raised_at_s: float | None) -> dict[str, Any]:
        """``send`` options of an output raised at ``raised_at_s``: its header, none when off."""
        if not self.on or raised_at_s is None:
            return {}
        return {"headers": raised_headers(raised_at_s)}

    def note(self, partition: int, at_s: float | None) -> None:
        """The stage processed ``partition`` of its source up to event time ``at_s``."""
        if self.on and at_s is not None:
            self.mine.note(self.source, partition, at_s)
            self.moved.add(partition)

    def note_upstream(self, partition: int, old: Mapping | None, value: bytes | None) -> Marks:
        """A progress record on ``partition`` of a derived source: the marks to store.

        The partition's own mark becomes the lowest of its upstream channels'.
        ValueError when the record is malformed.
        """
        marks, low = passed_on(old, value, self.upstream)
        self.note(partition, low)
        return marks

    async def send(self) -> None:
        """Send the marks the batch moved to every output partition (after its outputs)."""
        if not self.moved:
            return
        names = [channel(self.stage, self.source, p) for p in sorted(self.moved)]
        self.moved.clear()
        await send_progress(self.out, self.out_partitions, self.mine.of(names))
