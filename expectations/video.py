"""Expectations for ``detections.video`` (contract :mod:`citybrain.contracts.video`)."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import VIDEO_CATEGORIES
from citybrain.contracts.video import BBOX_MAX_PX, EVENT_TYPES, MINIMAL_EVENT_TYPE, TOPIC
from expectations.common import between, one_of, source

BBOX_COLUMNS = ("bbox_left_px", "bbox_top_px", "bbox_right_px", "bbox_bottom_px")


def bbox_corner_order(*, far: str, near: str) -> gxe.Expectation:
    """The bottom-right corner is not above or left of the top-left corner."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=far, column_B=near, or_equal=True, description=f"{far} >= {near}"
    )


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; known event type and category; confidence and box in range."""
    return [
        *source(TOPIC, required=("camera_id", "object_id", "label", "event_type", *BBOX_COLUMNS)),
        one_of("event_type", EVENT_TYPES | {MINIMAL_EVENT_TYPE}, what="DeepStream event type"),
        one_of("category", VIDEO_CATEGORIES, what="citybrain video category (or none)"),
        between("confidence", low=0.0, high=1.0, unit="probability"),
        *(between(c, low=0, high=BBOX_MAX_PX, unit="px") for c in BBOX_COLUMNS),
        bbox_corner_order(far="bbox_right_px", near="bbox_left_px"),
        bbox_corner_order(far="bbox_bottom_px", near="bbox_top_px"),
    ]
