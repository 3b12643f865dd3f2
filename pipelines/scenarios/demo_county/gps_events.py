"""Vehicle GPS fixes: each vehicle drives its route back and forth during its shifts.

Muck trucks work at night inside their permit's window; two of them break
their permit (one leaves its route corridor, one drives in the morning).
The planted breaches are :data:`DETOUR_H` after the start of each of the
off-route truck's night shifts (it drives a parallel road well north of its
whole route, reached and left over ``DETOUR_RAMP_H``) and the other truck's
extra morning shift; :func:`planted_violations` lists them.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from itertools import pairwise

from citybrain.contracts.base import isoformat_utc
from citybrain.geo import haversine_m
from pipelines.scenarios.demo_county.clock import at_local_hour

SHIFTS_LOCAL_H = {  # vehicle type -> [(start hour, end hour)], local time
    "sanitation": ((5, 11), (14, 18)),
    "enforcement": ((8, 12), (14, 20)),
    "muck_truck": ((0, 5), (22, 24)),
    "emergency": ((14.5, 17.5),),
}
SPEED_KMH = {"sanitation": 8, "enforcement": 22, "muck_truck": 32, "emergency": 38}
FIX_INTERVAL_S = 30
DETOUR_H = (1.0, 2.0)  # hours after a shift's start that the off-route truck is away
DETOUR_RAMP_H = 5 / 60  # it turns off (and back) over five minutes
DETOUR_NORTH_DEG = 0.004  # ~450 m north of the route's northernmost point
MORNING_SHIFT_H = (6.0, 7.5)  # the outside-window truck's extra shift, local hours


def route_points(route_wkt: str) -> list[tuple[float, float]]:
    """(lat, lng) waypoints of a WKT LINESTRING (x = lng, y = lat)."""
    body = route_wkt[route_wkt.index("(") + 1 : route_wkt.rindex(")")]
    return [(float(y), float(x)) for x, y in (p.split() for p in body.split(","))]


def position(points: list[tuple[float, float]], distance_m: float) -> tuple[float, float, float]:
    """(lat, lng, heading) after driving ``distance_m`` along the route, back and forth."""
    legs = [
        (a, b, haversine_m(lat1=a[0], lng1=a[1], lat2=b[0], lng2=b[1])) for a, b in pairwise(points)
    ]
    total = sum(length for _, _, length in legs)
    lap = distance_m % (2 * total)
    forward = lap <= total
    along = lap if forward else 2 * total - lap
    for a, b, length in legs:
        if along <= length or (a, b, length) == legs[-1]:
            f = min(along / length, 1.0) if length else 0.0
            lat, lng = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
            dy, dx = b[0] - a[0], (b[1] - a[1]) * math.cos(math.radians(a[0]))
            heading = math.degrees(math.atan2(dx, dy)) % 360
            return lat, lng, heading if forward else (heading + 180) % 360
        along -= length
    raise AssertionError("unreachable")


def shifts(vehicle: dict) -> tuple[tuple[float, float], ...]:
    """Local-hour shifts; a violating muck truck also drives in the morning."""
    base = SHIFTS_LOCAL_H[vehicle["vehicle_type"]]
    if vehicle["violation"] == "outside_window":
        return (*base, MORNING_SHIFT_H)  # outside the permit's 22:00-05:00 window
    return base


def detour_share(hours_into_shift: float) -> float:
    """How far (0..1) the off-route truck has turned onto its detour road."""
    start, end = DETOUR_H
    if not start < hours_into_shift < end:
        return 0.0
    return min(
        1.0, (hours_into_shift - start) / DETOUR_RAMP_H, (end - hours_into_shift) / DETOUR_RAMP_H
    )


def planted_violations(fleet: list[dict]) -> list[dict]:
    """The breaches the day holds: vehicle, rule and local hours (one alert each)."""
    planted = []
    for vehicle in fleet:
        if vehicle["violation"] == "off_route":
            for start_h, _ in SHIFTS_LOCAL_H["muck_truck"]:
                window = (start_h + DETOUR_H[0], start_h + DETOUR_H[1])
                planted.append({**_who(vehicle), "rule": "off_route", "local_hours": window})
        elif vehicle["violation"] == "outside_window":
            planted.append(
                {**_who(vehicle), "rule": "outside_window", "local_hours": MORNING_SHIFT_H}
            )
    return planted


def _who(vehicle: dict) -> dict:
    return {"vehicle_id": vehicle["vehicle_id"], "plate": vehicle["plate"]}


def fixes(
    rnd: random.Random, *, day: date, fleet: list[dict], scale: float
) -> list[tuple[datetime, dict]]:
    """All GPS fixes of the day, unsorted."""
    interval_s = max(5.0, FIX_INTERVAL_S / max(scale, 1e-6))
    out = []
    for vehicle in fleet:
        points = route_points(vehicle["route_wkt"])
        speed_ms = SPEED_KMH[vehicle["vehicle_type"]] / 3.6
        detour = vehicle["violation"] == "off_route"
        north = max(lat for lat, _ in points) + DETOUR_NORTH_DEG
        for start_h, end_h in shifts(vehicle):
            t, end = at_local_hour(day, start_h), at_local_hour(day, end_h)
            driven = 0.0
            while t < end:
                lat, lng, heading = position(points, driven)
                if detour:
                    share = detour_share((t - at_local_hour(day, start_h)).total_seconds() / 3600)
                    lat += share * (north - lat)  # away from every leg of its corridor
                speed = speed_ms * 3.6 * rnd.uniform(0.6, 1.3)
                out.append(
                    (
                        t,
                        {
                            "event_id": f"{vehicle['vehicle_id']}-{int(t.timestamp())}",
                            "event_at": isoformat_utc(t),
                            "vehicle_id": vehicle["vehicle_id"],
                            "lat": round(lat + rnd.gauss(0, 0.00003), 6),
                            "lng": round(lng + rnd.gauss(0, 0.00003), 6),
                            "speed_kmh": round(speed, 1),
                            "heading_deg": round(heading, 1),
                            "altitude_m": round(rnd.uniform(8, 14), 1),
                            "alarm_flags": 0,
                            "status_flags": 3,
                            "source": "jt808",
                        },
                    )
                )
                driven += speed_ms * interval_s
                t += timedelta(seconds=interval_s)
    return out
