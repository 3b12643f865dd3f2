"""Benchmark: muck-truck geofence checks against N permit corridors, indexed vs a naive scan.

Both run in this process on the same fixes and corridors (no broker: the
check is pure, and the agent calls it once per batch):

* **indexed** — :func:`streams.vehicles.compliance.check`: one bulk STRtree
  query per batch of ``batch`` fixes, then array lookups of plates, windows
  and validity;
* **naive** — for every fix, test the point against every corridor polygon
  (one vectorised shapely call per fix over all corridors, then the same
  plate, window and validity tests): a scan, no index;
* **core** — :meth:`streams.vehicles.fleet.Fleet.replay`: the agent's whole
  per-fix work without Kafka (decode excluded): check, track cleaning and
  episodes.

The corridors are random 2–5-waypoint routes in a 30 km square, one
permit per truck plate (``trucks`` trucks share them round-robin); fixes are
trucks driving along their own route at night, a fifth of them shifted
600 m off it. The naive scan runs on ``naive_fixes`` fixes (it is slow) and
must agree with the indexed check fix for fix.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import numpy as np
import shapely

from streams.vehicles.compliance import check
from streams.vehicles.corridors import CorridorIndex, corridors_of_permits, local_minute
from streams.vehicles.fleet import Fleet

NIGHT = datetime(2026, 7, 14, 16, 0, tzinfo=UTC)  # 00:00 in Asia/Shanghai
ORIGIN_LAT, ORIGIN_LNG = 30.0, 120.0
SPAN_DEG = 0.3  # ~30 km


def permits(rnd: random.Random, n: int) -> list[dict]:
    """``n`` active night muck-transport permits, one plate each."""
    rows = []
    for i in range(n):
        lat, lng = ORIGIN_LAT + rnd.uniform(0, SPAN_DEG), ORIGIN_LNG + rnd.uniform(0, SPAN_DEG)
        points = [(lat, lng)]
        for _ in range(rnd.randint(1, 4)):
            lat, lng = lat + rnd.uniform(-0.02, 0.02), lng + rnd.uniform(-0.02, 0.02)
            points.append((lat, lng))
        rows.append(
            {
                "permit_id": f"MU-{i:05d}",
                "permit_type": "muck_transport",
                "holder": f"company {i % 50}",
                "status": "active",
                "valid_from": "2026-01-01T00:00:00+00:00",
                "valid_to": "2027-01-01T00:00:00+00:00",
                "time_windows": "22:00-05:00",
                "geometry_wkt": "LINESTRING ("
                + ", ".join(f"{g:.6f} {t:.6f}" for t, g in points)
                + ")",
                "plates": f"P{i:05d}",
            }
        )
    return rows


def fixes(rnd: random.Random, permit_rows: list[dict], n: int, trucks: int) -> dict[str, list]:
    """``n`` fixes of ``trucks`` trucks on (or, one in five, 600 m north of) their routes."""
    lines = [shapely.from_wkt(p["geometry_wkt"]) for p in permit_rows]
    out: dict[str, list] = {"plates": [], "vehicle_ids": [], "at_s": [], "lat": [], "lng": []}
    for k in range(n):
        truck = k % trucks
        line = lines[truck % len(lines)]
        point = line.interpolate(rnd.random(), normalized=True)
        off = 0.0054 if rnd.random() < 0.2 else 0.0
        out["plates"].append(permit_rows[truck % len(permit_rows)]["plates"])
        out["vehicle_ids"].append(f"T{truck:05d}")
        out["at_s"].append(NIGHT.timestamp() + k // trucks * 30)
        out["lat"].append(point.y + off)
        out["lng"].append(point.x)
    return out


def naive_check(index: CorridorIndex, *, plates, at_s, lat, lng) -> list[bool]:
    """On-route of each fix by scanning every corridor (the baseline)."""
    polygons = np.array(index.polygons, dtype=object)
    x, y = index.plane.xy(lat=np.asarray(lat), lng=np.asarray(lng))
    minutes = local_minute(np.asarray(at_s))
    plate_of = [c.plates for c in index.corridors]
    out = []
    for k in range(len(plates)):
        inside = shapely.intersects(polygons, shapely.Point(x[k], y[k]))
        ok = False
        for c in np.flatnonzero(inside):
            if plates[k] in plate_of[c] and index.windows[c, minutes[k]]:
                ok = index.valid_from_s[c] <= at_s[k] <= index.valid_to_s[c]
                if ok:
                    break
        out.append(ok)
    return out


def bench(
    *,
    corridors: int = 1_000,
    n_fixes: int = 200_000,
    naive_fixes: int = 5_000,
    trucks: int = 1_000,
    batch: int = 5_000,
    seed: int = 808,
) -> dict[str, float | int | bool]:
    """Measure indexed vs naive geofence checks and the whole core; return the figures."""
    rnd = random.Random(seed)
    permit_rows = permits(rnd, corridors)
    t0 = time.perf_counter()
    index = CorridorIndex(corridors_of_permits(permit_rows))
    build_s = time.perf_counter() - t0
    data = fixes(rnd, permit_rows, n_fixes, trucks)
    at_s, lat, lng = (np.array(data[k]) for k in ("at_s", "lat", "lng"))
    speed = np.full(n_fixes, 30.0)

    t0 = time.perf_counter()
    indexed = []
    for start in range(0, n_fixes, batch):
        part = slice(start, start + batch)
        indexed += check(
            index,
            plates=data["plates"][part],
            at_s=at_s[part],
            lat=lat[part],
            lng=lng[part],
            speed_kmh=speed[part],
        )
    indexed_s = time.perf_counter() - t0

    m = min(naive_fixes, n_fixes)
    t0 = time.perf_counter()
    naive = naive_check(index, plates=data["plates"][:m], at_s=at_s[:m], lat=lat[:m], lng=lng[:m])
    naive_s = time.perf_counter() - t0
    agree = naive == [v is None for v in indexed[:m]]

    vehicles = [
        {
            "vehicle_id": f"T{t:05d}",
            "plate": permit_rows[t % corridors]["plates"],
            "vehicle_type": "muck_truck",
        }
        for t in range(trucks)
    ]
    rows = [
        {
            "event_id": f"{v}-{int(s)}",
            "event_at": datetime.fromtimestamp(s, UTC),
            "vehicle_id": v,
            "lat": a,
            "lng": g,
            "speed_kmh": 30.0,
            "heading_deg": 0.0,
        }
        for v, s, a, g in zip(
            data["vehicle_ids"], data["at_s"], data["lat"], data["lng"], strict=True
        )
    ]
    fleet = Fleet(vehicles=vehicles, permits=permit_rows)
    t0 = time.perf_counter()
    _, alerts, _ = fleet.replay(rows, batch=batch)
    core_s = time.perf_counter() - t0

    indexed_rate = n_fixes / indexed_s
    naive_rate = m / naive_s
    return {
        "corridors": corridors,
        "fixes": n_fixes,
        "batch": batch,
        "index_build_s": round(build_s, 3),
        "indexed_fixes_per_s": round(indexed_rate),
        "naive_fixes": m,
        "naive_fixes_per_s": round(naive_rate),
        "ratio": round(indexed_rate / naive_rate, 1),
        "agrees_with_naive": agree,
        "off_route_share": round(sum(v is not None for v in indexed) / n_fixes, 3),
        "core_fixes_per_s": round(n_fixes / core_s),
        "core_alerts": len(alerts),
        "target_fixes_per_s": 50_000,
        "meets_target": indexed_rate >= 50_000,
    }


__all__ = ["bench", "naive_check"]
