"""One camera's tracked objects and how detections step them: one alert per object episode.

The value is one JSON object per camera (a faust Table keyed by camera id,
co-partitioned with ``detections.video``, whose key is the camera id)::

    {"objects": {object_id: {"category", "first_s", "last_s", "samples",
                             "lat", "lng", "bbox", "confidence_max", "refs",
                             "alert_id" (once due)}}}

A detection of an incident category at or above its rule's confidence
(:mod:`streams.video.rules`) is a *sighting* of its object (DeepStream's
tracking id). A sighting more than the rule's ``gap_s`` after the object's
last one starts a new episode. An episode is **due** the first time it spans
``persist_s`` with ``min_samples`` sightings: it then gets its alert id,
fixed by camera, category, object and first sighting (:func:`alert_id`),
and later sightings only extend it, so an object seen for an hour is one
alert, not one per frame. ``refs`` keeps the message ids of the first
:data:`EVIDENCE_MAX_REFS` sightings (frame references for the evidence).
A redelivered detection changes nothing: the value keeps ``offset``, the
highest ``detections.video`` offset it has counted (a camera's detections
share one partition, keyed by camera id), and :func:`step` skips rows whose
``OFFSET_FIELD`` is not above it, so a batch re-read after a crash counts no
sighting twice; without offsets, the object's last message id again is skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts.base import MAX_ID_CHARS
from streams.video.rules import Rule

EVIDENCE_MAX_REFS = 10
OFFSET_FIELD = "_offset"  # the Kafka offset of the row's record, set by the agent
Objects = dict[str, dict[str, Any]]


def stamp(at_s: float) -> str:
    """UTC ``yyyymmddThhmmssZ`` of epoch seconds."""
    return datetime.fromtimestamp(at_s, UTC).strftime("%Y%m%dT%H%M%SZ")


def alert_id(*, camera_id: str, category: str, object_id: str, first_s: float) -> str:
    """``video-<camera>-<category>-<object>-<UTC yyyymmddThhmmssZ of the first sighting>``.

    An id longer than the contracts allow carries a hash of the object id instead.
    """
    out = f"video-{camera_id}-{category}-{object_id}-{stamp(first_s)}"
    if len(out) > MAX_ID_CHARS:
        digest = hashlib.sha1(object_id.encode()).hexdigest()[:16]
        out = f"video-{camera_id}-{category}-{digest}-{stamp(first_s)}"[:MAX_ID_CHARS]
    return out


def sight(
    objects: Objects, row: Mapping[str, Any], *, rule: Rule, at_s: float
) -> dict[str, Any] | None:
    """Step ``objects`` (the caller's copy) with one sighting; the episode if it is due now."""
    key = row["object_id"]
    old = objects.get(key)
    if old is not None and (
        at_s - old["last_s"] > rule.gap_s or old["category"] != row["category"]
    ):
        old = None
    if old is None:
        objects[key] = {
            "category": row["category"],
            "first_s": at_s,
            "last_s": at_s,
            "samples": 1,
            "lat": row["lat"],
            "lng": row["lng"],
            "bbox": [
                row["bbox_left_px"],
                row["bbox_top_px"],
                row["bbox_right_px"],
                row["bbox_bottom_px"],
            ],
            "confidence_max": row["confidence"],
            "refs": [row["event_id"]],
            "last_event_id": row["event_id"],
        }
        due = rule.min_samples <= 1 and rule.persist_s <= 0
    else:
        if row["event_id"] == old["last_event_id"]:
            return None  # a redelivery
        refs = old["refs"]
        if len(refs) < EVIDENCE_MAX_REFS:
            refs = [*refs, row["event_id"]]
        new = {
            **old,
            "last_s": max(old["last_s"], at_s),
            "samples": old["samples"] + 1,
            "confidence_max": max(old["confidence_max"], row["confidence"]),
            "refs": refs,
            "last_event_id": row["event_id"],
        }
        objects[key] = new
        due = (
            "alert_id" not in new
            and new["samples"] >= rule.min_samples
            and new["last_s"] - new["first_s"] >= rule.persist_s
        )
    if not due:
        return None
    episode = objects[key]
    episode["alert_id"] = alert_id(
        camera_id=row["camera_id"],
        category=episode["category"],
        object_id=key,
        first_s=episode["first_s"],
    )
    return {
        **episode,
        "camera_id": row["camera_id"],
        "object_id": key,
        "due_s": at_s,
        "due_event_id": row["event_id"],
    }


def expire(objects: Objects, *, now_s: float, rules: Mapping[str, Rule]) -> Objects:
    """The objects still within their rule's ``gap_s`` of ``now_s`` (a new dict)."""
    return {k: v for k, v in objects.items() if now_s - v["last_s"] <= rules[v["category"]].gap_s}


def step(
    value: Mapping[str, Any] | None,
    rows: Iterable[Mapping[str, Any]],
    *,
    rules: Mapping[str, Rule],
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, int]]:
    """(new value, due episodes, counts) of one camera's rows in arrival order."""
    objects: Objects = dict((value or {}).get("objects") or {})
    counted = (value or {}).get("offset")
    highest = counted
    due: list[dict[str, Any]] = []
    counts = {"not_incident": 0, "low_confidence": 0, "sightings": 0, "redelivered": 0}
    now_s = None
    for row in rows:
        offset = row.get(OFFSET_FIELD)
        if offset is not None:
            if counted is not None and offset <= counted:
                counts["redelivered"] += 1
                continue
            highest = offset if highest is None else max(highest, offset)
        category = row["category"]
        rule = rules.get(category) if category else None
        if rule is None:
            counts["not_incident"] += 1
            continue
        if row["confidence"] < rule.min_confidence:
            counts["low_confidence"] += 1
            continue
        at_s = row["event_at"].timestamp()
        now_s = at_s if now_s is None else max(now_s, at_s)
        counts["sightings"] += 1
        episode = sight(objects, row, rule=rule, at_s=at_s)
        if episode is not None:
            due.append(episode)
    if now_s is not None:
        objects = expire(objects, now_s=now_s, rules=rules)
    new: dict[str, Any] = {"objects": objects}
    if highest is not None:
        new["offset"] = highest
    return new, due, counts
