"""Video detections: DeepStream messages for incident episodes and passing traffic.

An episode is one object (a vendor's stall, a parked car, a pile) present in
a camera's view for a while; DeepStream reports it every
``REPORT_INTERVAL_S`` seconds with one tracking id.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from connectors import deepstream
from pipelines.scenarios.demo_county.assets import Place
from pipelines.scenarios.demo_county.clock import at_local_hour, poisson

REPORT_INTERVAL_S = 30
CATEGORY_LABEL = {
    "out_of_store_business": "outdoor_stall",
    "unlicensed_peddler": "street_vendor",
    "piled_materials": "material_pile",
    "illegal_small_ads": "small_ad",
    "street_drying": "drying_clothes",
    "lane_occupation": "lane_stall",
    "illegal_parking": "vehicle",
}
# local hours when each category happens (start hour, end hour, weight)
ACTIVE_HOURS = {
    "out_of_store_business": ((9, 21, 1.0),),
    "unlicensed_peddler": ((7, 9, 0.5), (17, 22, 2.0)),
    "piled_materials": ((7, 18, 1.0),),
    "illegal_small_ads": ((5, 8, 1.0), (20, 24, 1.0)),
    "street_drying": ((8, 17, 1.0),),
    "lane_occupation": ((6, 9, 1.0), (17, 21, 1.5)),
    "illegal_parking": ((7, 9, 1.5), (17, 19.5, 1.5), (11, 13, 0.5)),
}


def uid(rnd: random.Random) -> str:
    """A deterministic UUID4 string."""
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def camera_message(
    rnd: random.Random,
    camera: dict,
    *,
    at: datetime,
    object_id: str,
    label: str,
    event_type: str,
    lat: float,
    lng: float,
    box: tuple[int, int, int, int],
    confidence: float,
) -> dict:
    """One DeepStream message from ``camera`` about one object (WGS-84 lat/lng)."""
    return deepstream.full_message(
        message_id=uid(rnd),
        event_id=uid(rnd),
        at=at,
        camera_id=camera["camera_id"],
        camera_lat=camera["lat"],
        camera_lng=camera["lng"],
        object_id=object_id,
        label=label,
        event_type=event_type,
        lat=lat,
        lng=lng,
        bbox_px=box,
        confidence=confidence,
        place_name=camera["name"],
    )


def pick_start(rnd: random.Random, day: date, category: str) -> datetime:
    """An episode start within its category's active hours."""
    spans = ACTIVE_HOURS[category]
    start, end, _ = rnd.choices(spans, [w * (e - s) for s, e, w in spans])[0]
    return at_local_hour(day, rnd.uniform(start, end))


def episode(
    rnd: random.Random, *, camera: dict, category: str, start: datetime, minutes: float
) -> list[tuple[datetime, dict]]:
    """The messages of one object's stay in view."""
    label = CATEGORY_LABEL[category]
    event_type = "parked" if label == "vehicle" else "stopped"
    object_id = f"{camera['camera_id']}-{rnd.getrandbits(32):08x}"
    lat = camera["lat"] + rnd.uniform(-0.0003, 0.0003)
    lng = camera["lng"] + rnd.uniform(-0.0003, 0.0003)
    left, top = rnd.randint(200, 1400), rnd.randint(400, 800)
    box = (left, top, left + rnd.randint(80, 400), top + rnd.randint(60, 260))
    confidence = rnd.uniform(0.55, 0.97)
    out = []
    for i in range(max(1, int(minutes * 60 // REPORT_INTERVAL_S))):
        at = start + timedelta(seconds=i * REPORT_INTERVAL_S + rnd.uniform(0, 2))
        jitter = rnd.uniform(-0.05, 0.05)
        out.append(
            (
                at,
                camera_message(
                    rnd,
                    camera,
                    at=at,
                    object_id=object_id,
                    label=label,
                    event_type=event_type,
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    box=box,
                    confidence=min(0.99, confidence + jitter),
                ),
            )
        )
    return out


def detections(
    rnd: random.Random, *, day: date, cameras: list[dict], places: list[Place], scale: float
) -> list[tuple[datetime, dict]]:
    """All video messages of the day, unsorted."""
    out: list[tuple[datetime, dict]] = []
    for i, camera in enumerate(cameras):
        # the first two cameras of each place watch it (see assets.cameras)
        place = places[i // 2] if i < 2 * len(places) and places[i // 2].evening else None
        for category in camera["categories"].split(","):
            episodes = poisson(rnd, 2.5 * scale)
            if place is not None and category in place.categories:
                episodes += poisson(rnd, 12 * scale)  # the evening vending cluster
            for _ in range(episodes):
                start = (
                    at_local_hour(day, rnd.uniform(17.5, 21.5))
                    if place is not None and category in place.categories
                    else pick_start(rnd, day, category)
                )
                out += episode(
                    rnd,
                    camera=camera,
                    category=category,
                    start=start,
                    minutes=rnd.uniform(5, 40),
                )
        out += traffic(rnd, day=day, camera=camera, scale=scale)
    return out


def traffic(
    rnd: random.Random, *, day: date, camera: dict, scale: float
) -> list[tuple[datetime, dict]]:
    """Moving vehicles: real detections that are not incidents."""
    out = []
    for _ in range(poisson(rnd, 60 * scale)):
        at = at_local_hour(day, rnd.uniform(6, 23))
        object_id = f"{camera['camera_id']}-{rnd.getrandbits(32):08x}"
        out.append(
            (
                at,
                camera_message(
                    rnd,
                    camera,
                    at=at,
                    object_id=object_id,
                    label="vehicle",
                    event_type="moving",
                    lat=camera["lat"],
                    lng=camera["lng"],
                    box=(100, 500, 400, 700),
                    confidence=rnd.uniform(0.6, 0.99),
                ),
            )
        )
    return out
