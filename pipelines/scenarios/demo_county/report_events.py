"""Citizen and 12345 reports: what people call in, where and when."""

from __future__ import annotations

import random
from datetime import date, datetime

from citybrain.contracts.base import isoformat_utc
from pipelines.scenarios.demo_county.assets import Place, random_point
from pipelines.scenarios.demo_county.clock import at_local_hour, poisson
from pipelines.scenarios.demo_county.geography import grid_at
from pipelines.scenarios.demo_county.hydro_events import STORM_PEAK_H, STORM_START_H

ROADS = ("人民路", "解放路", "兴隆大道", "桃花路", "凤凰街", "滨江路", "工业大道", "文昌路")
CHANNELS = ("12345", "12345", "app", "wechat")
# category -> (reports per day at scale 1, local hours, description templates)
PROFILE: dict[str, tuple[float, tuple[float, float], tuple[str, ...]]] = {
    "exposed_garbage": (90, (6, 20), ("{road}路边垃圾堆积多日无人清理", "小区门口垃圾桶满溢")),
    "road_damage": (40, (7, 19), ("{road}路面坑洼，车辆经过颠簸", "人行道地砖松动破损")),
    "manhole_cover": (15, (7, 21), ("{road}井盖缺失，存在安全隐患", "井盖松动，车辆碾压异响")),
    "street_light": (25, (19, 23.9), ("{road}路灯不亮，夜间行人不便", "路灯白天常亮")),
    "noise": (45, (21, 23.9), ("夜间施工噪声扰民", "广场舞音响声音过大")),
    "illegal_parking": (60, (7, 20), ("{road}车辆乱停占用人行道", "车辆堵塞消防通道")),
    "illegal_small_ads": (30, (8, 18), ("墙面张贴大量小广告", "电线杆上喷涂办证广告")),
    "piled_materials": (25, (8, 18), ("店门前堆放建材占道", "{road}沿街堆放杂物")),
    "street_drying": (15, (9, 16), ("沿街晾晒衣物影响市容",)),
    "construction_waste": (20, (6, 22), ("工地渣土洒落路面", "夜间偷倒建筑垃圾")),
    "other": (20, (8, 20), ("其他市容问题",)),
}
VENDING = ("unlicensed_peddler", "out_of_store_business", "lane_occupation")
VENDING_TEXT = ("{place}流动摊贩占道经营", "{place}店外摆摊影响通行", "{place}夜市摊位占用车道")


def report(
    rnd: random.Random, *, at: datetime, category: str, lat: float, lng: float, text: str
) -> dict:
    """One report row under the report contract."""
    grid = grid_at(lat=lat, lng=lng)
    road = rnd.choice(ROADS)
    return {
        "event_id": f"R{int(at.timestamp())}{rnd.getrandbits(24):07d}",
        "event_at": isoformat_utc(at),
        "channel": rnd.choice(CHANNELS),
        "category": category,
        "service_code": category.upper()[:12],
        "description": text.format(road=road),
        "address": f"{grid.street}{road}{rnd.randint(1, 300)}号附近",
        "lat": round(lat, 6),
        "lng": round(lng, 6),
    }


def reports(
    rnd: random.Random, *, day: date, places: list[Place], stations: list[dict], scale: float
) -> list[tuple[datetime, dict]]:
    """All reports of the day, unsorted."""
    out = []
    for category, (per_day, (start_h, end_h), texts) in PROFILE.items():
        for _ in range(poisson(rnd, per_day * scale)):
            at = at_local_hour(day, rnd.uniform(start_h, end_h))
            lat, lng = random_point(rnd)
            out.append(
                (
                    at,
                    report(rnd, at=at, category=category, lat=lat, lng=lng, text=rnd.choice(texts)),
                )
            )
    for place in (p for p in places if p.evening):  # the evening vending clusters
        for _ in range(poisson(rnd, 40 * scale)):
            at = at_local_hour(day, rnd.uniform(17.5, 22))
            text = rnd.choice(VENDING_TEXT).replace("{place}", place.name)
            out.append(
                (
                    at,
                    report(
                        rnd,
                        at=at,
                        category=rnd.choice(VENDING),
                        lat=place.lat + rnd.gauss(0, 0.0002),
                        lng=place.lng + rnd.gauss(0, 0.0002),
                        text=text,
                    ),
                )
            )
    for station in (s for s in stations if s["kind"] == "waterlogging"):  # the storm
        for _ in range(poisson(rnd, 12 * scale)):
            at = at_local_hour(day, rnd.uniform(STORM_START_H + 0.5, STORM_PEAK_H + 1.5))
            out.append(
                (
                    at,
                    report(
                        rnd,
                        at=at,
                        category="waterlogging",
                        lat=station["lat"] + rnd.gauss(0, 0.0003),
                        lng=station["lng"] + rnd.gauss(0, 0.0003),
                        text=f"{station['name']}附近道路积水严重，车辆无法通行",
                    ),
                )
            )
    return out
