"""Planted truths for the scenario marts (no randomness, so every other message stays put).

What the marts must find on every demo day:

- road damage (:data:`ROAD_DAMAGE`): extra ``road_damage`` reports a few
  metres off two named segments (兴隆大道二段, 人民路三段), spread along them;
- an exposed-garbage black spot: :data:`GARBAGE_REPORTS` ``exposed_garbage``
  reports within 10 m of the centre of the unit grid without bins
  (:data:`.infrastructure.BINLESS_GRID_ROW_COLUMN`);
- an outdoor-ad company with repeated violations (:data:`AD_COMPANY`): an
  expired ad permit 20 m from the planted unpermitted ad the video rules
  alert on (:mod:`.video_planted`; an expired permit does not cover it, so the
  alert stays), and an active permit with :data:`AD_REPORTS` small-ad reports
  50-80 m from it (beyond the video rules' 30 m, inside the marts' 100 m);
- a construction site (:data:`SITE_PERMIT_ID`) at the loading point (route
  start) of the off-route muck truck (:mod:`.gps_events`), so its violations
  count against the site as well as the company.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from citybrain.contracts.base import isoformat_utc
from pipelines.scenarios.demo_county.assets import square_wkt
from pipelines.scenarios.demo_county.clock import at_local_hour, day_start_utc
from pipelines.scenarios.demo_county.infrastructure import (
    binless_grid_centre,
    roads,
    segment_point,
)
from pipelines.scenarios.demo_county.video_planted import FIRST_TOWN_CAMERA, M_DEG, spots

ROAD_DAMAGE = {"RD-03-02": 12, "RD-01-03": 8}  # segment -> reports per day
GARBAGE_REPORTS = 15
AD_COMPANY = "云溪速印广告有限公司"
AD_REPORTS = 4
AD_REPORT_OFFSETS_M = (50, 60, 70, 80)  # west of the company's active permit
AD_CAMERA = FIRST_TOWN_CAMERA + 12  # the active permit stands 10 m north of this camera
SITE_PERMIT_ID = "CO-2026-P010"
SITE_HOLDER = "云溪建工集团城北项目部"


def _report(day: date, key: str, n: int, *, hour: float, category: str, lat, lng, text) -> tuple:
    at = at_local_hour(day, hour)
    return at, {
        "event_id": f"P{day:%Y%m%d}-{key}-{n:02d}",
        "event_at": isoformat_utc(at),
        "channel": "12345",
        "category": category,
        "service_code": category.upper()[:12],
        "description": text,
        "address": text[:12],
        "lat": round(lat, 6),
        "lng": round(lng, 6),
    }


def _permit(permit_id, ptype, holder, lat, lng, day, *, status, valid_to_d, geometry) -> dict:
    start = day_start_utc(day)
    return {
        "event_id": f"{permit_id}@1",
        "event_at": isoformat_utc(start - timedelta(days=400)),
        "permit_id": permit_id,
        "permit_type": ptype,
        "holder": holder,
        "status": status,
        "valid_from": isoformat_utc(start - timedelta(days=400)),
        "valid_to": isoformat_utc(start + timedelta(days=valid_to_d)),
        "time_windows": "",
        "geometry_wkt": geometry,
        "plates": "",
        "lat": round(lat, 6),
        "lng": round(lng, 6),
    }


def ad_permit_points(cameras: list[dict]) -> dict[str, tuple[float, float]]:
    """The ad company's permits: permit id -> (lat, lng)."""
    _, ad_lat, ad_lng = spots(cameras)["unpermitted_ad"]
    camera = cameras[AD_CAMERA]
    return {
        "OU-2025-P002": (ad_lat + 20 * M_DEG, ad_lng),  # expired, 20 m from the planted ad
        "OU-2026-P003": (camera["lat"] + 10 * M_DEG, camera["lng"]),
    }


def permits(cameras: list[dict], fleet: list[dict], day: date) -> list[dict]:
    """The ad company's two permits and the off-route truck's construction site."""
    points = ad_permit_points(cameras)
    rows = [
        _permit(
            permit_id,
            "outdoor_ad",
            AD_COMPANY,
            lat,
            lng,
            day,
            status="expired" if permit_id.startswith("OU-2025") else "active",
            valid_to_d=-30 if permit_id.startswith("OU-2025") else 335,
            geometry=f"POINT ({lng:.6f} {lat:.6f})",
        )
        for permit_id, (lat, lng) in points.items()
    ]
    truck = next(v for v in fleet if v.get("violation") == "off_route")
    lng, lat = map(float, truck["route_wkt"].split("(")[1].split(",")[0].split())
    rows.append(
        _permit(
            SITE_PERMIT_ID,
            "construction_site",
            SITE_HOLDER,
            lat,
            lng,
            day,
            status="active",
            valid_to_d=335,
            geometry=square_wkt(lat=lat, lng=lng, half_deg=0.0003),
        )
    )
    return rows


def reports(cameras: list[dict], day: date) -> list[tuple[datetime, dict]]:
    """The planted road-damage, exposed-garbage and small-ad reports of the day, unsorted."""
    out = []
    segments = {s["road_segment_id"]: s for s in roads()}
    for segment_id, count in ROAD_DAMAGE.items():
        segment = segments[segment_id]
        for n in range(count):
            lat, lng = segment_point(
                segment, share=(n + 0.5) / count, offset_m=(-1) ** n * (4 + 2 * (n % 5))
            )
            text = f"{segment['segment_name']}路面坑洼破损"
            out.append(
                _report(
                    day, segment_id, n, hour=8 + n * 0.7, category="road_damage", lat=lat,
                    lng=lng, text=text,
                )
            )  # fmt: skip
    centre_lat, centre_lng = binless_grid_centre()
    text = "巷口垃圾堆积无人清运，附近没有垃圾桶"
    for n in range(GARBAGE_REPORTS):
        dlat, dlng = ((n % 5) - 2) * 2 * M_DEG, ((n // 5) - 1) * 3 * M_DEG  # within 10 m
        out.append(
            _report(
                day, "GARBAGE", n, hour=7 + n * 0.8, category="exposed_garbage",
                lat=centre_lat + dlat, lng=centre_lng + dlng, text=text,
            )
        )  # fmt: skip
    lat, lng = ad_permit_points(cameras)["OU-2026-P003"]
    for n, offset_m in enumerate(AD_REPORT_OFFSETS_M[:AD_REPORTS]):
        out.append(
            _report(
                day, "AD", n, hour=9 + n, category="illegal_small_ads", lat=lat,
                lng=lng - offset_m * M_DEG / 0.8643, text="墙面新贴速印广告，无审批",
            )
        )  # fmt: skip
    return out
