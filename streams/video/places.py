"""Suppression across neighbouring cameras: one alert per problem at one place.

Candidates (due episodes that passed the permit checks) travel keyed by
:func:`place_key`, the category and the H3 **res-6** parent of their res-9
cell, so the candidates of one category from cameras that see the same place
meet in one table entry (except across res-6 borders). The entry's value::

    {"open": [{"alert_id", "camera_id", "lat", "lng", "cell", "opened_s"}],
     "suppressed": [{"alert_id", "by", "due_s"}], "latest_s": due time of the latest}

:func:`decide` drops a candidate from camera B while an alert of the same
category from another camera A is open (``open_s`` either side of its
opening: candidates from other partitions may arrive out of order) and
within ``distance_m`` or in the same res-9 cell; the suppression names the
alert it folded into. Whichever of two such candidates arrives first is the
alert. A candidate already decided (a redelivery) changes nothing. Entries
more than ``keep_s`` before the latest candidate's due time are forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import h3

from citybrain.geo import H3_RES_INCIDENT, latlng_to_cell
from streams.video.permits import distance_m
from streams.video.rules import Suppression

H3_RES_PLACE_PARTITION = 6  # the Kafka key of the candidates topic

ALERT = "alert"
SUPPRESSED = "suppressed"
DUPLICATE = "duplicate"


def place_key(*, category: str, lat: float, lng: float) -> str:
    """``<category>|<H3 res-6 cell>`` of a candidate."""
    cell = latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT)
    return f"{category}|{h3.cell_to_parent(cell, H3_RES_PLACE_PARTITION)}"


def decide(
    value: Mapping[str, Any] | None, candidate: Mapping[str, Any], *, policy: Suppression
) -> tuple[dict[str, Any], str, str | None]:
    """(new value, ``alert`` | ``suppressed`` | ``duplicate``, the suppressing alert id)."""
    due_s = candidate["due_s"]
    latest_s = max(due_s, (value or {}).get("latest_s", due_s))
    horizon_s = latest_s - policy.keep_s
    opened = [e for e in (value or {}).get("open", []) if e["opened_s"] >= horizon_s]
    dropped = [e for e in (value or {}).get("suppressed", []) if e["due_s"] >= horizon_s]
    new = {"open": opened, "suppressed": dropped, "latest_s": latest_s}
    alert_id = candidate["alert_id"]
    if any(e["alert_id"] == alert_id for e in opened + dropped):
        return new, DUPLICATE, None
    cell = latlng_to_cell(lat=candidate["lat"], lng=candidate["lng"], res=H3_RES_INCIDENT)
    for entry in opened:
        if entry["camera_id"] == candidate["camera_id"]:
            continue
        if abs(due_s - entry["opened_s"]) > policy.open_s:
            continue
        near = (policy.same_cell and entry["cell"] == cell) or distance_m(
            lat1=entry["lat"], lng1=entry["lng"], lat2=candidate["lat"], lng2=candidate["lng"]
        ) <= policy.distance_m
        if near:
            by = entry["alert_id"]
            new["suppressed"] = [*dropped, {"alert_id": alert_id, "by": by, "due_s": due_s}]
            return new, SUPPRESSED, by
    new["open"] = [
        *opened,
        {
            "alert_id": alert_id,
            "camera_id": candidate["camera_id"],
            "lat": candidate["lat"],
            "lng": candidate["lng"],
            "cell": cell,
            "opened_s": due_s,
        },
    ]
    return new, ALERT, None
