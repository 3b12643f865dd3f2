"""Planted video problems and transients: what the video rules must (and must not) alert on.

No randomness: positions are offsets from registered cameras, ids are fixed,
so adding these leaves every other message of the day unchanged.

:data:`PLANTED` problems (object ids ``PLANT-…``), with the outcome expected
under the default rules (:mod:`streams.video.rules`):

- ``peddler``: a vendor in view of a camera for 10 minutes at 19:00 → one
  ``unlicensed_peddler`` alert (``persistent``);
- ``car_two_cameras``: one car parked 25 minutes at 20:30 between the two
  cameras of a place, each tracking it under its own id → one
  ``illegal_parking`` alert (the first camera's to reach its place), the
  other suppressed;
- ``unpermitted_ad``: a small ad seen for 15 minutes with no ad permit near → alert;
- ``permitted_ad``: the same 10 m from a planted outdoor-ad permit → nothing;
- ``parking_in_window``: a car at a planted parking permit (19:00-23:59)
  at 20:00 → nothing; ``parking_out_of_window``: the same spot at 17:00 →
  ``illegal_parking`` alert (``no_parking``);
- ``site_expired``: materials piled for an hour (a sample every 5 minutes)
  at a planted construction site whose permit has expired → alert
  ``construction_without_permit``; ``site_valid``: the same at a site with a
  valid permit → nothing.

Transients (object ids ``PASS-…``): a vendor walking through for a minute,
a car stopping for 90 seconds, a pedestrian: nothing.

Times are chosen inside the hours the demo's marts expect each category
(parking 07-09, 11-13, 17-20 local) and away from the random parking
episodes of the same cameras, so other tests' expectations hold.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from citybrain.contracts.base import isoformat_utc
from citybrain.contracts.video import LABEL_TO_CATEGORY
from connectors import deepstream
from pipelines.scenarios.demo_county.assets import square_wkt
from pipelines.scenarios.demo_county.clock import at_local_hour, day_start_utc

NAMESPACE = uuid.UUID("0a7d5c1e-9b3f-4e62-8d0c-5c1a2f3e4b60")
M_DEG = 1 / 111_195  # degrees of latitude per metre
FIRST_TOWN_CAMERA = 16  # cameras before this index watch the hotspot places in pairs
PLACE_PAIR = (10, 11)  # the two cameras of the 北塘公交站 place (a daytime place)

# name -> (label, event type, local start hour, minutes, seconds between sightings, expected)
PLANTED: dict[str, tuple[str, str, float, float, int, str | None]] = {
    "peddler": ("street_vendor", "stopped", 19.0, 10, 30, "persistent"),
    "car_two_cameras": ("vehicle", "parked", 20.5, 25, 30, "no_parking"),
    "unpermitted_ad": ("small_ad", "stopped", 10.0, 15, 60, "unpermitted_ad"),
    "permitted_ad": ("small_ad", "stopped", 10.0, 15, 60, None),
    "parking_in_window": ("vehicle", "parked", 20.0, 30, 30, None),
    "parking_out_of_window": ("vehicle", "parked", 17.0, 30, 30, "no_parking"),
    "site_expired": ("material_pile", "stopped", 9.0, 60, 300, "construction_without_permit"),
    "site_valid": ("material_pile", "stopped", 9.0, 60, 300, None),
}
TRANSIENTS = {  # name -> (label, event type, local start hour, seconds in view)
    "vendor_walking": ("street_vendor", "stopped", 18.2, 60),
    "car_stopping": ("vehicle", "parked", 18.0, 90),
    "pedestrian": ("person", "moving", 12.0, 90),
}


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(map(str, parts))))


def _town(cameras: list[dict]) -> list[dict]:
    return cameras[FIRST_TOWN_CAMERA:]


def spots(cameras: list[dict]) -> dict[str, tuple[dict, float, float]]:
    """Planted problem -> (camera, lat, lng) of the object."""
    town = _town(cameras)
    no_parking = [c for c in town if c["no_parking"]]
    a, b = cameras[PLACE_PAIR[0]], cameras[PLACE_PAIR[1]]
    mid = ((a["lat"] + b["lat"]) / 2, (a["lng"] + b["lng"]) / 2)
    out = {
        "peddler": town[1],
        "unpermitted_ad": town[3],
        "permitted_ad": town[5],
        "site_expired": town[7],
        "site_valid": town[9],
        "parking_in_window": no_parking[-1],
        "parking_out_of_window": no_parking[-1],
    }
    placed = {k: (c, c["lat"] + 10 * M_DEG, c["lng"]) for k, c in out.items()}
    placed["car_two_cameras"] = (a, mid[0], mid[1])
    return placed


def permits(cameras: list[dict], day: date) -> list[dict]:
    """The permits the planted problems are checked against (an ad, a parking space, two sites)."""
    placed = spots(cameras)
    start = day_start_utc(day)
    rows = []

    def add(permit_id, ptype, key, *, status="active", valid_to_d=335, windows="", area=False):
        _, lat, lng = placed[key]
        rows.append(
            {
                "event_id": f"{permit_id}@1",
                "event_at": isoformat_utc(start - timedelta(days=400)),
                "permit_id": permit_id,
                "permit_type": ptype,
                "holder": "云溪县演示许可",
                "status": status,
                "valid_from": isoformat_utc(start - timedelta(days=400)),
                "valid_to": isoformat_utc(start + timedelta(days=valid_to_d)),
                "time_windows": windows,
                "geometry_wkt": square_wkt(lat=lat, lng=lng, half_deg=0.0008)
                if area
                else f"POINT ({lng:.6f} {lat:.6f})",
                "plates": "",
                "lat": round(lat, 6),
                "lng": round(lng, 6),
            }
        )

    add("OU-2026-P001", "outdoor_ad", "permitted_ad")
    add("PA-2026-P001", "parking", "parking_in_window", windows="19:00-23:59")
    add(
        "CO-2025-P001",
        "construction_site",
        "site_expired",
        status="expired",
        valid_to_d=-20,
        area=True,
    )
    add("CO-2026-P002", "construction_site", "site_valid", area=True)
    return rows


def _message(camera: dict, *, name: str, object_id: str, at: datetime, label, event_type, lat, lng):
    return deepstream.full_message(
        message_id=_uid(name, object_id, at.isoformat()),
        event_id=_uid("event", name, object_id, at.isoformat()),
        at=at,
        camera_id=camera["camera_id"],
        camera_lat=camera["lat"],
        camera_lng=camera["lng"],
        object_id=object_id,
        label=label,
        event_type=event_type,
        lat=round(lat, 6),
        lng=round(lng, 6),
        bbox_px=(600, 500, 760, 720),
        confidence=0.86,
        place_name=camera["name"],
    )


def _sightings(camera, *, name, object_id, start, seconds, every_s, label, event_type, lat, lng):
    return [
        (
            at,
            _message(
                camera,
                name=name,
                object_id=object_id,
                at=at,
                label=label,
                event_type=event_type,
                lat=lat,
                lng=lng,
            ),
        )
        for at in (start + timedelta(seconds=s) for s in range(0, int(seconds) + 1, every_s))
    ]


def detections(cameras: list[dict], day: date) -> list[tuple[datetime, dict]]:
    """The planted problems' and transients' DeepStream messages, unsorted."""
    out = []
    for name, (camera, lat, lng) in spots(cameras).items():
        label, event_type, hour, minutes, every_s, _ = PLANTED[name]
        viewers = [camera]
        if name == "car_two_cameras":
            viewers.append(cameras[PLACE_PAIR[1]])
        for k, viewer in enumerate(viewers):
            out += _sightings(
                viewer,
                name=name,
                object_id=f"PLANT-{name}-{k}",
                start=at_local_hour(day, hour + k / 60),  # the second camera a minute later
                seconds=minutes * 60,
                every_s=every_s,
                label=label,
                event_type=event_type,
                lat=lat,
                lng=lng,
            )
    for i, camera in enumerate(_town(cameras)[10:16]):
        for name, (label, event_type, hour, seconds) in TRANSIENTS.items():
            out += _sightings(
                camera,
                name=name,
                object_id=f"PASS-{name}-{i}",
                start=at_local_hour(day, hour + i / 10),
                seconds=seconds,
                every_s=30,
                label=label,
                event_type=event_type,
                lat=camera["lat"] - 15 * M_DEG,
                lng=camera["lng"],
            )
    return out


def expected(cameras: list[dict]) -> dict[str, tuple[str, str, str] | None]:
    """Planted problem -> (camera id, category, level) of its one alert, or None."""
    out = {}
    for name, (camera, _, _) in spots(cameras).items():
        label, _, _, _, _, level = PLANTED[name]
        out[name] = (
            None if level is None else (camera["camera_id"], LABEL_TO_CATEGORY[label], level)
        )
    return out
