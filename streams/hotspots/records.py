"""Records of the hotspot domain."""

from __future__ import annotations

from datetime import datetime

import faust


class HotspotCount(faust.Record, serializer="json", isodates=True):
    """Incidents of one category in one H3 res-9 cell in one closed window.

    Counts are per source partition (``source_partition``): the warehouse sums
    partitions. ``closed_at`` is the partition's event-time watermark when the
    window closed, so re-processing yields an identical record.
    """

    event_id: str
    event_at: datetime
    window_s: int
    window_start_at: datetime
    window_end_at: datetime
    h3_res9: str
    category: str
    source_partition: int
    event_count: int
    closed_at: datetime
