"""Alert deduplication: alerts of one category at one place join one open case.

The index is a table keyed by ``"<category>|<H3 res-9 cell>"``. The value of
a key lists the open cases an alert in that cell may join: cases anchored in
the cell, and cases anchored within ``merge_distance_m`` of it, because a new
case is written under every cell it can reach (:func:`index_keys`). An alert
therefore needs one read, of its own key; alerts are repartitioned by that
key, so one worker sees all alerts of one category in one cell in order, and
50 cameras re-seeing one street vendor make one case. Entries written to the
other keys travel as messages, so an alert in a neighbouring cell that
arrives before its key's entry can still open a second case.

Index value (JSON)::

    {"cases": [{"case_id", "cell", "lat", "lng", "opened_at", "last_seen_at",
                "alert_count"}]}

``cell``/``lat``/``lng`` are the case's anchor (its first alert);
``last_seen_at`` and ``alert_count`` count the alerts merged through this
key. With ``same_cell`` on, a cell holds at most one open case of a category.
When a case ends, :func:`without_case` removes it from every key of
:func:`index_keys` (same category and anchor).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import h3

from citybrain.contracts.base import isoformat_utc
from citybrain.geo import H3_RES_INCIDENT, haversine_m, latlng_to_cell

CASE_ID_NAMESPACE = uuid.UUID("6f1d7c52-3a8e-4d1b-9a57-2f0c9e4b8d11")
# a segment shorter than a cell's edge (res 9: >= ~100 m) crosses into neighbours only
MIN_EDGE_M = 0.5 * h3.average_hexagon_edge_length(H3_RES_INCIDENT, unit="m")

Index = dict[str, Any]


@dataclass(frozen=True)
class DedupPolicy:
    """When an alert joins an open case: same res-9 cell, or within ``merge_distance_m``."""

    merge_distance_m: float = 50.0
    same_cell: bool = True


@dataclass(frozen=True)
class Assignment:
    """The case an alert belongs to, the new value of its own key, and the fan-out."""

    case_id: str
    is_new: bool
    value: Index
    entry: dict[str, Any]  # the case's entry, to add under each of fanout_keys
    fanout_keys: tuple[str, ...] = ()


def index_key(*, category: str, cell: str) -> str:
    """Table key of one category in one H3 res-9 cell."""
    return f"{category}|{cell}"


def reach_cells(*, lat: float, lng: float, merge_distance_m: float) -> list[str]:
    """Res-9 cells holding every point within ``merge_distance_m`` of (lat, lng)."""
    cell = latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT)
    return sorted(h3.grid_disk(cell, 1 + int(merge_distance_m // MIN_EDGE_M)))


def index_keys(*, category: str, lat: float, lng: float, policy: DedupPolicy) -> list[str]:
    """Every key a case anchored at (lat, lng) is indexed under."""
    cells = reach_cells(lat=lat, lng=lng, merge_distance_m=policy.merge_distance_m)
    return [index_key(category=category, cell=c) for c in cells]


def find_case(
    value: Mapping[str, Any] | None, *, lat: float, lng: float, policy: DedupPolicy
) -> str | None:
    """The open case an alert at (lat, lng) joins (the nearest match), or None."""
    cell = latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT)
    matches = []
    for entry in (value or {}).get("cases", []):
        distance_m = haversine_m(lat1=lat, lng1=lng, lat2=entry["lat"], lng2=entry["lng"])
        if distance_m <= policy.merge_distance_m or (policy.same_cell and entry["cell"] == cell):
            matches.append((distance_m, entry["opened_at"], entry["case_id"]))
    return min(matches)[2] if matches else None


def case_entry(*, case_id: str, lat: float, lng: float, at: datetime) -> dict[str, Any]:
    """A case's index entry, anchored at its first alert."""
    seen = isoformat_utc(at)
    return {
        "case_id": case_id,
        "cell": latlng_to_cell(lat=lat, lng=lng, res=H3_RES_INCIDENT),
        "lat": lat,
        "lng": lng,
        "opened_at": seen,
        "last_seen_at": seen,
        "alert_count": 0,
    }


def with_case(value: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> Index:
    """``value`` with ``entry`` added (replacing an entry of the same case)."""
    kept = [e for e in (value or {}).get("cases", []) if e["case_id"] != entry["case_id"]]
    return {"cases": [*kept, dict(entry)]}


def with_alert(value: Mapping[str, Any], *, case_id: str, at: datetime) -> Index:
    """``value`` with one more alert merged into ``case_id`` at ``at``."""
    seen = isoformat_utc(at)
    return {
        "cases": [
            e | {"alert_count": e["alert_count"] + 1, "last_seen_at": max(e["last_seen_at"], seen)}
            if e["case_id"] == case_id
            else dict(e)
            for e in value["cases"]
        ]
    }


def without_case(value: Mapping[str, Any] | None, *, case_id: str) -> Index | None:
    """``value`` without ``case_id``; None when no case is left (delete the key)."""
    kept = [dict(e) for e in (value or {}).get("cases", []) if e["case_id"] != case_id]
    return {"cases": kept} if kept else None


def assign(
    value: Mapping[str, Any] | None,
    *,
    category: str,
    lat: float,
    lng: float,
    at: datetime,
    new_case_id: str,
    policy: DedupPolicy,
) -> Assignment:
    """Join the alert to an open case of its key, or open ``new_case_id`` at its place."""
    found = find_case(value, lat=lat, lng=lng, policy=policy)
    if found is not None:
        entry = next(e for e in value["cases"] if e["case_id"] == found)  # type: ignore[index]
        return Assignment(found, False, with_alert(value, case_id=found, at=at), dict(entry))
    entry = case_entry(case_id=new_case_id, lat=lat, lng=lng, at=at)
    own = index_key(category=category, cell=entry["cell"])
    keys = index_keys(category=category, lat=lat, lng=lng, policy=policy)
    return Assignment(
        new_case_id,
        True,
        with_alert(with_case(value, entry), case_id=new_case_id, at=at),
        entry,
        tuple(k for k in keys if k != own),
    )


def case_id_for(*, category: str, first_alert_id: str) -> str:
    """A stable case id from the alert that opened it: re-processing opens the same case."""
    return f"case-{uuid.uuid5(CASE_ID_NAMESPACE, f'{category}|{first_alert_id}').hex[:20]}"
