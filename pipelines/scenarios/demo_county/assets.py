"""The demo county's things: cameras, vehicles, stations, permits, zones, hotspot places.

Everything is drawn from one ``random.Random`` so a seed fixes the county.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from citybrain.categories import VIDEO_CATEGORIES
from citybrain.contracts.base import isoformat_utc
from pipelines.scenarios.demo_county.geography import bounds, grid_at

VEHICLE_FLEET = (  # (type, count, department or company)
    ("sanitation", 12, "县环卫处"),
    ("enforcement", 6, "综合执法局"),
    ("muck_truck", 8, None),
    ("emergency", 2, "县市政管理处"),
)
MUCK_COMPANIES = (
    "云溪宏达渣土运输有限公司",
    "云溪顺通建筑垃圾清运有限公司",
    "兴隆路桥运输有限公司",
)
ROI_FULL_FRAME = "[[120, 380], [1800, 380], [1800, 1060], [120, 1060]]"  # 1920x1080 pixels


@dataclass(frozen=True)
class Place:
    """A spot where incidents recur (a vending street, a school gate, a market)."""

    name: str
    lat: float
    lng: float
    categories: tuple[str, ...]
    evening: bool


def random_point(rnd: random.Random, *, margin: float = 0.002) -> tuple[float, float]:
    """A uniform (lat, lng) inside the town, away from its edge."""
    south, west, north, east = bounds()
    return (rnd.uniform(south + margin, north - margin), rnd.uniform(west + margin, east - margin))


def hotspot_places(rnd: random.Random) -> list[Place]:
    """Recurring incident spots: three evening vending clusters and daytime trouble spots."""
    names = (
        "兴隆夜市口",
        "桃花路学校门口",
        "云溪菜市场",
        "凤凰广场",
        "老街拐角",
        "北塘公交站",
        "工业园南门",
        "滨江步道",
    )
    vending = ("unlicensed_peddler", "out_of_store_business", "lane_occupation")
    daytime = ("piled_materials", "illegal_small_ads", "street_drying", "illegal_parking")
    places = []
    for i, name in enumerate(names):
        lat, lng = random_point(rnd, margin=0.003)
        evening = i < 3
        places.append(Place(name, lat, lng, vending if evening else daytime, evening))
    return places


def cameras(rnd: random.Random, places: list[Place], count: int = 50) -> list[dict]:
    """``count`` cameras: two at each hotspot place, the rest spread over the town."""
    rows = []
    for i in range(count):
        if i < 2 * len(places):
            place = places[i // 2]
            lat = place.lat + rnd.uniform(-0.0004, 0.0004)
            lng = place.lng + rnd.uniform(-0.0004, 0.0004)
            watched = place.categories
        else:
            lat, lng = random_point(rnd)
            watched = tuple(rnd.sample(sorted(VIDEO_CATEGORIES), 3))
        grid = grid_at(lat=lat, lng=lng)
        rows.append(
            {
                "camera_id": f"CAM-{i + 1:04d}",
                "name": f"{grid.street}{i + 1:02d}号枪机",
                "lat": round(lat, 6),
                "lng": round(lng, 6),
                "grid_code": grid.code,
                "categories": ",".join(watched),
                "roi_px": ROI_FULL_FRAME,
                "no_parking": "illegal_parking" in watched,
            }
        )
    return rows


def vehicles(rnd: random.Random) -> list[dict]:
    """The fleet with plates, owners and a looping route of 4–6 waypoints."""
    rows = []
    for vtype, count, owner in VEHICLE_FLEET:
        for i in range(count):
            vehicle_id = f"0{13300000000 + len(rows) * 7919:011d}"[-12:]  # JT/T 808 phone (BCD 6)
            company = owner or MUCK_COMPANIES[i % len(MUCK_COMPANIES)]
            waypoints = [random_point(rnd) for _ in range(rnd.randint(4, 6))]
            rows.append(
                {
                    "vehicle_id": vehicle_id,
                    "plate": f"浙A·{rnd.randint(10000, 99999)}",
                    "vehicle_type": vtype,
                    "owner": company,
                    "route_wkt": "LINESTRING ("
                    + ", ".join(f"{g:.6f} {t:.6f}" for t, g in waypoints)
                    + ")",
                    "violation": {1: "off_route", 4: "outside_window"}.get(i, "")
                    if vtype == "muck_truck"
                    else "",
                }
            )
    return rows


def stations(rnd: random.Random, places: list[Place]) -> list[dict]:
    """Rain gauges, river water-level stations and underpass waterlogging sensors."""
    rows = []
    kinds = (
        ("rain", 6, "雨量站"),
        ("water_level", 3, "水位站"),
        ("waterlogging", 4, "下穿积水监测"),
    )
    for kind, count, label in kinds:
        for i in range(count):
            lat, lng = random_point(rnd)
            rows.append(
                {
                    "station_id": f"00{len(rows) + 1:08d}",
                    "kind": kind,
                    "name": f"{grid_at(lat=lat, lng=lng).street}{label}{i + 1}",
                    "lat": round(lat, 6),
                    "lng": round(lng, 6),
                    "warning_level_m": 4.2 if kind == "water_level" else None,
                    "guaranteed_level_m": 5.0 if kind == "water_level" else None,
                }
            )
    return rows


def square_wkt(*, lat: float, lng: float, half_deg: float) -> str:
    """A WKT square centred on a WGS-84 point (x = lng, y = lat)."""
    s, n, w, e = lat - half_deg, lat + half_deg, lng - half_deg, lng + half_deg
    ring = [(w, s), (e, s), (e, n), (w, n), (w, s)]
    return "POLYGON ((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring) + "))"


def permits(rnd: random.Random, fleet: list[dict], day_start: datetime) -> list[dict]:
    """Permit rows valid under the permit contract, issued before the day."""
    issued = isoformat_utc(day_start - timedelta(days=30))
    valid_from = isoformat_utc(day_start - timedelta(days=30))
    valid_to = isoformat_utc(day_start + timedelta(days=335))
    rows = []

    def add(
        ptype: str,
        holder: str,
        lat: float,
        lng: float,
        geometry: str,
        windows: str = "",
        plates: str = "",
    ):
        permit_id = f"{ptype[:2].upper()}-2026-{len(rows) + 1:04d}"
        rows.append(
            {
                "event_id": f"{permit_id}@1",
                "event_at": issued,
                "permit_id": permit_id,
                "permit_type": ptype,
                "holder": holder,
                "status": "active",
                "valid_from": valid_from,
                "valid_to": valid_to,
                "time_windows": windows,
                "geometry_wkt": geometry,
                "plates": plates,
                "lat": round(lat, 6),
                "lng": round(lng, 6),
            }
        )

    for i in range(20):
        lat, lng = random_point(rnd)
        add(
            "outdoor_ad",
            f"云溪{['广告', '传媒', '文化', '商贸'][i % 4]}有限公司{i + 1:02d}",
            lat,
            lng,
            f"POINT ({lng:.6f} {lat:.6f})",
        )
    for i in range(4):
        lat, lng = random_point(rnd)
        d = 0.0012
        add(
            "construction_site",
            f"云溪建工集团第{i + 1}项目部",
            lat,
            lng,
            square_wkt(lat=lat, lng=lng, half_deg=d),
        )
    for vehicle in (v for v in fleet if v["vehicle_type"] == "muck_truck"):
        first = vehicle["route_wkt"].split("(")[1].split(",")[0].split()
        add(
            "muck_transport",
            vehicle["owner"],
            float(first[1]),
            float(first[0]),
            vehicle["route_wkt"],
            "22:00-05:00",
            vehicle["plate"],  # each truck's own permit and route
        )
    for i in range(10):
        lat, lng = random_point(rnd)
        add(
            "parking",
            "云溪县交通运输局",
            lat,
            lng,
            f"POINT ({lng:.6f} {lat:.6f})",
            "00:00-07:00,19:00-23:59" if i % 2 else "",
        )
    for i in range(5):
        lat, lng = random_point(rnd)
        add(
            "street_vendor",
            f"个体摊贩{i + 1:02d}",
            lat,
            lng,
            f"POINT ({lng:.6f} {lat:.6f})",
            "17:00-21:30",
        )
    return rows


FORBIDDEN_ZONES = (  # (zone id, kind, place it surrounds, local windows, half side in degrees)
    ("ZN-0001", "school", "桃花路学校门口", "", 0.0015),  # 渣土车全天禁行
    ("ZN-0002", "old_town", "老街拐角", "08:00-20:00", 0.0015),  # 白天禁行; trucks cross at night
)


def zones(places: list[Place]) -> list[dict]:
    """Zones forbidden to muck trucks, squares around two places (no randomness)."""
    by_name = {p.name: p for p in places}
    rows = []
    for zone_id, kind, name, windows, half_deg in FORBIDDEN_ZONES:
        place = by_name[name]
        rows.append(
            {
                "zone_id": zone_id,
                "kind": kind,
                "name": f"{name}渣土车禁行区",
                "polygon_wkt": square_wkt(lat=place.lat, lng=place.lng, half_deg=half_deg),
                "time_windows": windows,
                "vehicle_types": "muck_truck",
            }
        )
    return rows
