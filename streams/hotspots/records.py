"""Records of the hotspot domain."""

from __future__ import annotations

from datetime import datetime

import faust


class CellCount(faust.Record, serializer="json"):
    """Incidents of one category in one H3 res-9 cell."""

    h3_res9: str
    category: str
    event_count: int


class HotspotWindow(faust.Record, serializer="json", isodates=True):
    """The counts of one closed window of one source partition (a ``hotspots`` message).

    Counts are per source topic-partition: consumers sum them. A large window
    is split over several messages (``event_id`` ends in the chunk number).
    ``closed_at`` is the partition's event-time watermark when the window
    closed, so re-processing yields identical messages.
    """

    event_id: str
    event_at: datetime
    window_s: int
    window_start_at: datetime
    window_end_at: datetime
    source_topic: str
    source_partition: int
    closed_at: datetime
    counts: list[CellCount]
