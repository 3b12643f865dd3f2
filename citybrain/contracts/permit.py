"""Contract: permits on the compacted ``permits`` topic.

Published by the permit loader (and the demo generator) as flat JSON, keyed by
``permit_id`` so compaction keeps each permit's latest version. ``event_at``
is when this version was issued or changed. Geometry is WGS-84 WKT: a point
for an ad or a parking place, a polygon for a construction site, a line for a
muck-transport route. ``time_windows`` are local (Asia/Shanghai) clock ranges
such as ``"22:00-05:00"`` during which the permit applies; ``plates`` lists the
vehicles a muck-transport permit covers (comma-separated).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import faust

from citybrain.contracts.base import (
    ContractViolation,
    identifier,
    text,
    utc_timestamp,
    wgs84,
)

TOPIC = "permits"

PERMIT_TYPES = frozenset(
    {"outdoor_ad", "construction_site", "muck_transport", "parking", "street_vendor"}
)
STATUSES = frozenset({"active", "suspended", "expired", "revoked"})
TIME_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
WKT_PREFIXES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOLYGON", "MULTILINESTRING")

COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "permit_id": "string",
    "permit_type": "string",
    "holder": "string",
    "status": "string",
    "valid_from": "timestamp",
    "valid_to": "timestamp",
    "time_windows": "string",
    "geometry_wkt": "string",
    "plates": "string",
    "lat": "double",
    "lng": "double",
}


class Permit(faust.Record, serializer="json", isodates=True):
    """One version of one permit."""

    event_id: str
    event_at: datetime
    permit_id: str
    permit_type: str
    holder: str
    status: str
    valid_from: datetime
    valid_to: datetime
    time_windows: str
    geometry_wkt: str
    plates: str
    lat: float
    lng: float


def validate(doc: dict[str, Any]) -> dict[str, Any]:
    """Flat permit document → normalised row."""
    permit_type = doc.get("permit_type")
    if not isinstance(permit_type, str) or permit_type not in PERMIT_TYPES:
        raise ContractViolation(f"unknown permit_type {permit_type!r}")
    status = doc.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        raise ContractViolation(f"unknown status {status!r}")
    valid_from = utc_timestamp(doc.get("valid_from"), field="valid_from")
    valid_to = utc_timestamp(doc.get("valid_to"), field="valid_to")
    if valid_to < valid_from:
        raise ContractViolation("valid_to is before valid_from")
    windows = text(doc, "time_windows", required=False, max_chars=200)
    for window in filter(None, windows.split(",")):
        if not TIME_WINDOW.match(window.strip()):
            raise ContractViolation(f"time window {window!r} is not HH:MM-HH:MM")
    geometry = text(doc, "geometry_wkt", required=False, max_chars=100_000)
    if geometry and not geometry.upper().startswith(WKT_PREFIXES):
        raise ContractViolation("geometry_wkt is not a WKT point, line or polygon")
    lat, lng = wgs84(lat=doc.get("lat"), lng=doc.get("lng"))
    return {
        "event_id": identifier(doc, "event_id"),
        "event_at": utc_timestamp(doc.get("event_at")),
        "permit_id": identifier(doc, "permit_id"),
        "permit_type": permit_type,
        "holder": text(doc, "holder", max_chars=200),
        "status": status,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "time_windows": windows,
        "geometry_wkt": geometry,
        "plates": text(doc, "plates", required=False, max_chars=2000),
        "lat": lat,
        "lng": lng,
    }
