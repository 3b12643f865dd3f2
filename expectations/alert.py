"""Expectations for ``alerts`` (contract :mod:`citybrain.contracts.alert`).

The stream workers produce alerts (flood, video, vehicles, case clocks); what
lands must still be what duty staff and the case engine were promised: known
message types, sources and CAP severities, a place inside the county, a send
time no earlier than the observation, and details that parse as JSON.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import CATEGORIES
from citybrain.contracts.alert import MSG_TYPES, SEVERITIES, SOURCES, TOPIC
from expectations.common import one_of, param, source


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; known type, source, severity and category; sane send time."""
    return [
        *source(TOPIC, required=("alert_id", "msg_type", "source", "severity", "sent_at")),
        one_of("msg_type", MSG_TYPES, what="CAP message type"),
        one_of("source", SOURCES, what="alert source"),
        one_of("severity", SEVERITIES, what="CAP 1.2 severity"),
        one_of("category", CATEGORIES, what="citybrain category"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="sent_at",
            column_B="event_at",
            or_equal=True,
            description="sent_at (UTC) is not before the observation it rests on (event_at)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="sent_at",
            max_value=param("latest_event_at"),
            description="sent_at (UTC) is not in the future (beyond the allowed skew)",
        ),
        gxe.ExpectColumnValuesToBeJsonParseable(
            column="details_json", description="details_json is a JSON document"
        ),
    ]
