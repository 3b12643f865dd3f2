"""Benchmark: detection messages/s through the video rules for 50 cameras, vs a naive baseline.

Both run in this process on the same detection rows (decoded once before
timing; the decode rate of the contract is measured apart), no broker:

* **rules** — :meth:`streams.video.core.VideoRules.replay`: the agents' whole
  per-message work without Kafka, in batches of ``batch`` (grouped by
  camera, one table read and write per camera per batch): confidence,
  episodes, permit checks and cross-camera suppression;
* **naive** — every message appended to its object's history, the episode
  recomputed from that history, permits and all alerts so far scanned for
  each due episode: no state beyond the raw history, no batching. It runs
  on the first ``naive_messages`` messages (it slows as histories grow) and
  must send the same alert ids as the rules on them.

The day: ``cameras`` cameras × ``objects`` objects in view, a message per
object per frame at ``fps``; most objects are passers-by replaced every
``transient_s``, a few stay (vendors, parked cars, ads, piles) and alert.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import orjson

from citybrain.contracts import decode_rows, video
from connectors import deepstream
from streams.video import places
from streams.video.core import VideoRules
from streams.video.permits import LEGAL, distance_m

START = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)  # 18:00 local
ORIGIN_LAT, ORIGIN_LNG = 30.2, 120.1
LABELS = ("street_vendor", "vehicle", "small_ad", "material_pile", "outdoor_stall", "lane_stall")


def day(
    *, cameras: int, objects: int, fps: float, n: int, transient_s: float, seed: int
) -> list[dict]:
    """``n`` detection rows, in time order, as the contract gives them."""
    rnd = random.Random(seed)
    spots = [
        (ORIGIN_LAT + rnd.uniform(0, 0.1), ORIGIN_LNG + rnd.uniform(0, 0.1)) for _ in range(cameras)
    ]
    stays = {(c, k): k < 2 for c in range(cameras) for k in range(objects)}  # 2 stay per camera
    rows: list[dict] = []
    frame = 0
    while len(rows) < n:
        at = START + timedelta(seconds=frame / fps)
        for c in range(cameras):
            lat, lng = spots[c]
            for k in range(objects):
                generation = 0 if stays[c, k] else int(frame / fps // transient_s)
                label = LABELS[(c + k) % len(LABELS)]
                category = video.category_for(
                    label=label, event_type="parked" if label == "vehicle" else "stopped"
                )
                rows.append(
                    {
                        "event_id": f"m{len(rows)}",
                        "event_at": at,
                        "camera_id": f"CAM-{c:04d}",
                        "object_id": f"{c}-{k}-{generation}",
                        "label": label,
                        "category": category,
                        "event_type": "stopped",
                        "confidence": 0.4 + 0.5 * ((c * 7 + k * 3 + frame) % 10) / 10,
                        "lat": lat + k * 0.00005,
                        "lng": lng,
                        "bbox_left_px": 10,
                        "bbox_top_px": 10,
                        "bbox_right_px": 50,
                        "bbox_bottom_px": 50,
                    }
                )
        frame += 1
    return rows[:n]


def naive(rules: VideoRules, rows: list[dict]) -> list[str]:
    """Alert ids of the baseline: history per object, everything recomputed per message."""
    history: dict[tuple[str, str], list[dict]] = defaultdict(list)
    decided: set[tuple[str, str, float]] = set()
    alerts: list[dict] = []
    for row in rows:
        rule = rules.config.rules.get(row["category"]) if row["category"] else None
        if rule is None or row["confidence"] < rule.min_confidence:
            continue
        key = (row["camera_id"], row["object_id"])
        seen = history[key]
        seen.append(row)
        start = 0
        for i in range(1, len(seen)):  # the current episode starts after the last long gap
            if (seen[i]["event_at"] - seen[i - 1]["event_at"]).total_seconds() > rule.gap_s:
                start = i
        episode = seen[start:]
        first_s = episode[0]["event_at"].timestamp()
        span_s = row["event_at"].timestamp() - first_s
        if len(episode) < rule.min_samples or span_s < rule.persist_s:
            continue
        if (*key, first_s) in decided:
            continue
        decided.add((*key, first_s))
        verdict, _, _ = rules.permits.check(
            row["category"], lat=episode[0]["lat"], lng=episode[0]["lng"], at_s=first_s
        )
        if verdict == LEGAL:
            continue
        due_s = row["event_at"].timestamp()
        lat, lng = episode[0]["lat"], episode[0]["lng"]
        cell = places.latlng_to_cell(lat=lat, lng=lng, res=places.H3_RES_INCIDENT)
        policy = rules.config.suppression
        if any(
            a["category"] == row["category"]
            and a["camera_id"] != row["camera_id"]
            and abs(due_s - a["due_s"]) <= policy.open_s
            and a["key"] == places.place_key(category=row["category"], lat=lat, lng=lng)
            and (
                (policy.same_cell and a["cell"] == cell)
                or distance_m(lat1=a["lat"], lng1=a["lng"], lat2=lat, lng2=lng) <= policy.distance_m
            )
            for a in alerts
        ):
            continue
        alerts.append(
            {
                "alert_id": f"{key}-{first_s}",
                "category": row["category"],
                "camera_id": row["camera_id"],
                "due_s": due_s,
                "lat": lat,
                "lng": lng,
                "cell": cell,
                "key": places.place_key(category=row["category"], lat=lat, lng=lng),
                "object_id": row["object_id"],
                "first_s": first_s,
            }
        )
    return sorted(
        f"{a['camera_id']}|{a['object_id']}|{a['category']}|{a['first_s']}" for a in alerts
    )


def permit_rows(rnd: random.Random, n: int) -> list[dict]:
    """``n`` active outdoor-ad and parking permits scattered over the cameras' area."""
    rows = []
    for i in range(n):
        lat, lng = ORIGIN_LAT + rnd.uniform(0, 0.1), ORIGIN_LNG + rnd.uniform(0, 0.1)
        rows.append(
            {
                "permit_id": f"P-{i:05d}",
                "permit_type": ("outdoor_ad", "parking")[i % 2],
                "status": "active",
                "valid_from": "2026-01-01T00:00:00+00:00",
                "valid_to": "2027-01-01T00:00:00+00:00",
                "time_windows": "",
                "geometry_wkt": f"POINT ({lng} {lat})",
                "lat": lat,
                "lng": lng,
            }
        )
    return rows


def bench(
    *,
    cameras: int = 50,
    objects: int = 12,
    fps: float = 0.2,
    n_messages: int = 300_000,
    naive_messages: int = 20_000,
    batch: int = 5_000,
    transient_s: float = 60.0,
    permits: int = 200,
    seed: int = 2026,
) -> dict[str, float | int | bool]:
    """Measure the rules and the naive baseline on the same rows; return the figures."""
    rows = day(
        cameras=cameras, objects=objects, fps=fps, n=n_messages, transient_s=transient_s, seed=seed
    )
    rules = VideoRules(permits=permit_rows(random.Random(seed), permits))

    t0 = time.perf_counter()
    alerts, counts = rules.replay(rows, batch=batch)
    rules_s = time.perf_counter() - t0

    m = min(naive_messages, n_messages)
    t0 = time.perf_counter()
    naive_ids = naive(rules, rows[:m])
    naive_s = time.perf_counter() - t0
    subset, _ = rules.replay(rows[:m], batch=batch)
    core_ids = sorted(
        f"{a['details']['camera']['camera_id']}|{a['details']['object_id']}|{a['category']}|"
        f"{datetime.fromisoformat(a['event_at'].replace('Z', '+00:00')).timestamp()}"
        for a in subset
    )

    raw = [
        orjson.dumps(
            deepstream.full_message(
                message_id=r["event_id"],
                event_id=r["event_id"],
                at=r["event_at"],
                camera_id=r["camera_id"],
                camera_lat=r["lat"],
                camera_lng=r["lng"],
                object_id=r["object_id"],
                label=r["label"],
                event_type="parked" if r["label"] == "vehicle" else "stopped",
                lat=r["lat"],
                lng=r["lng"],
                bbox_px=(10, 10, 50, 50),
                confidence=r["confidence"],
            )
        )
        for r in rows[:m]
    ]
    t0 = time.perf_counter()
    for value in raw:
        decode_rows(video.TOPIC, value)
    decode_s = time.perf_counter() - t0

    rate = n_messages / rules_s
    naive_rate = m / naive_s
    return {
        "cameras": cameras,
        "objects_per_camera": objects,
        "messages": n_messages,
        "batch": batch,
        "rules_messages_per_s": round(rate),
        "naive_messages": m,
        "naive_messages_per_s": round(naive_rate),
        "ratio": round(rate / naive_rate, 1),
        "agrees_with_naive": naive_ids == core_ids,
        "alerts": len(alerts),
        "suppressed": counts.get("suppressed", 0),
        "legal": sum(v for k, v in counts.items() if k.startswith("legal_")),
        "decode_messages_per_s": round(m / decode_s),
        "target_messages_per_s": 20_000,
        "meets_target": rate >= 20_000,
    }


__all__ = ["bench", "naive"]
