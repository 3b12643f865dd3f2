"""Dwell time of tracked objects in regions of interest (pure bookkeeping).

Per stream, per tracker id, per ROI: the time the object was first seen in
the ROI; its dwell is now minus that. Leaving an ROI forgets it (re-entering
starts again). A tracker id is a new object when its label changes, when the
stream's clock goes backwards (the source restarted) or when it was not seen
for more than ``forget_after_s``. Memory is bounded: objects unseen for
``forget_after_s`` are dropped as the stream advances, objects outside every
ROI are not kept, and each stream keeps at most ``max_objects_per_stream``.

Times are seconds on the stream's own clock (``at_s``), monotonic per stream.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

FORGET_AFTER_S = 10.0
MAX_OBJECTS_PER_STREAM = 2_000
# the attribute nvmsgconv publishes for one ROI (minimal schema, after "|#|")
_ATTRIBUTE = re.compile(r"roi:(?P<roi>[A-Za-z0-9_-]{1,64}):dwell_s:(?P<dwell>\d+(\.\d)?)")


@dataclass(frozen=True, slots=True)
class Dwell:
    """An object's stay in one ROI so far."""

    roi: str
    entered_at_s: float
    dwell_s: float


@dataclass(frozen=True, slots=True)
class _Track:
    label: str
    last_seen_s: float
    entered_at_s: dict[str, float]


class DwellClock:
    """Entry times of tracked objects in ROIs, per stream (one per pipeline)."""

    def __init__(
        self,
        *,
        forget_after_s: float = FORGET_AFTER_S,
        max_objects_per_stream: int = MAX_OBJECTS_PER_STREAM,
    ) -> None:
        if forget_after_s <= 0 or max_objects_per_stream < 1:
            raise ValueError("forget_after_s must be > 0 and max_objects_per_stream >= 1")
        self.forget_after_s = forget_after_s
        self.max_objects_per_stream = max_objects_per_stream
        self._streams: dict[int, OrderedDict[int, _Track]] = {}

    def __len__(self) -> int:
        """Objects currently held, over all streams."""
        return sum(len(tracks) for tracks in self._streams.values())

    def observe(
        self, *, stream_id: int, object_id: int, label: str, rois: Iterable[str], at_s: float
    ) -> tuple[Dwell, ...]:
        """Record one sighting; the object's dwell in each ROI it is in (in the given order)."""
        tracks = self._streams.setdefault(stream_id, OrderedDict())
        previous = tracks.pop(object_id, None)
        if previous is not None and (
            previous.label != label
            or at_s < previous.last_seen_s
            or at_s - previous.last_seen_s > self.forget_after_s
        ):
            previous = None  # a reused tracker id: a different object
        before = previous.entered_at_s if previous else {}
        entered = {roi: before.get(roi, at_s) for roi in dict.fromkeys(rois)}
        if entered:
            tracks[object_id] = _Track(label, at_s, entered)
        self._evict(tracks, now_s=at_s)
        return tuple(Dwell(roi, since, at_s - since) for roi, since in entered.items())

    def forget_stream(self, stream_id: int) -> None:
        """Drop a stream's objects (its source ended or was removed)."""
        self._streams.pop(stream_id, None)

    def _evict(self, tracks: OrderedDict[int, _Track], *, now_s: float) -> None:
        while tracks:
            oldest = next(iter(tracks.values()))
            stale = now_s - oldest.last_seen_s > self.forget_after_s
            if not (stale or len(tracks) > self.max_objects_per_stream):
                break
            tracks.popitem(last=False)


def roi_attribute(dwell: Dwell) -> str:
    """``roi:<label>:dwell_s:<seconds, 1 decimal>``, the object attribute the probe adds."""
    return f"roi:{dwell.roi}:dwell_s:{dwell.dwell_s:.1f}"


def parse_roi_attribute(text: str) -> tuple[str, float] | None:
    """(ROI label, dwell seconds) of an attribute :func:`roi_attribute` wrote, else None."""
    match = _ATTRIBUTE.fullmatch(text)
    return (match["roi"], float(match["dwell"])) if match else None
