"""Expectations for ``hotspots``: the stream's closed count windows (:mod:`streams.hotspots`).

Each row is one window of one source partition: a cell, a category and how
many events of that source fell in the window. ``event_at`` is the window's
start, which is also the hour partition it lands in.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import CATEGORIES
from citybrain.contracts import SOURCE_TOPICS
from expectations.common import H3_RES9_PATTERN, keys, landed_schema, one_of, param

TOPIC = "hotspots"
WINDOW_MAX_S = 86_400


def expectations() -> list[gxe.Expectation]:
    """Schema and keys; a known category and source; a window that makes sense."""
    return [
        *landed_schema(TOPIC),
        *keys("window_s", "window_start_at", "window_end_at", "h3_res9", "category"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="h3_res9",
            regex=H3_RES9_PATTERN,
            description="h3_res9 is an H3 resolution-9 cell id",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="window_start_at",
            min_value=param("hour_start_at"),
            max_value=param("latest_event_at"),
            description="the window starts in the hour partition holding it, not in the future",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="window_end_at",
            column_B="window_start_at",
            description="window_end_at (UTC) is after window_start_at",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="window_s",
            min_value=1,
            max_value=WINDOW_MAX_S,
            description=f"window_s is within 1..{WINDOW_MAX_S} s",
            meta={"unit": "s"},
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_count",
            min_value=1,
            description="a landed window counted at least one event",
        ),
        one_of("category", CATEGORIES, what="citybrain category"),
        one_of("source_topic", SOURCE_TOPICS, what="source topic"),
    ]
