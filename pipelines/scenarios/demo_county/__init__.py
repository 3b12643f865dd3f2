"""The demo county (云溪县): a deterministic, seeded day of a small city's data.

``build()`` returns the reference tables (unit grids, departments, cameras,
vehicles, stations, permits, forbidden zones, road segments, garbage bins) and
every message of the day, valid and broken, sorted by event time and ready to
replay into Kafka.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson

from citybrain.contracts import encode_row
from citybrain.geo import partition_key
from pipelines.scenarios.demo_county import (
    assets,
    geography,
    gps_events,
    hydro_events,
    infrastructure,
    malformed,
    planted,
    report_events,
    video_events,
    video_planted,
)
from pipelines.scenarios.demo_county.clock import day_start_utc

DEMO_DAY = date(2026, 7, 15)
DEFAULT_SEED = 20260715


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """One Kafka message to publish: topic, key and value bytes, event time, validity."""

    topic: str
    key: bytes
    value: bytes
    event_at: datetime
    valid: bool


@dataclass(frozen=True)
class Scenario:
    """Reference tables and the day's messages (sorted by event time)."""

    day: date
    seed: int
    scale: float
    grids: list[dict]
    departments: list[dict]
    cameras: list[dict]
    vehicles: list[dict]
    stations: list[dict]
    permits: list[dict]
    places: list[dict]
    messages: tuple[SourceMessage, ...]
    zones: list[dict] = field(default_factory=list)
    roads: list[dict] = field(default_factory=list)
    garbage_bins: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Valid and invalid message counts per topic."""
        out: dict[str, dict[str, int]] = {}
        for m in self.messages:
            entry = out.setdefault(m.topic, {"valid": 0, "invalid": 0})
            entry["valid" if m.valid else "invalid"] += 1
        return out


def build(*, seed: int = DEFAULT_SEED, scale: float = 1.0, day: date = DEMO_DAY) -> Scenario:
    """The demo county's day; same seed, scale and day give byte-identical messages."""
    rnd = random.Random(seed)
    grids = geography.grids()
    places = assets.hotspot_places(rnd)
    cameras = assets.cameras(rnd, places)
    fleet = assets.vehicles(rnd)
    stations = assets.stations(rnd, places)
    permits = assets.permits(rnd, fleet, day_start_utc(day))

    messages: list[SourceMessage] = []
    samples: dict[str, list[dict]] = {}

    def add(topic: str, key: bytes, at: datetime, doc: dict) -> None:
        value = orjson.dumps(doc) if topic == "detections.video" else encode_row(doc)
        messages.append(SourceMessage(topic, key, value, at, True))
        if len(samples.setdefault(topic, [])) < 50:
            samples[topic].append(doc)

    for at, doc in video_events.detections(
        rnd, day=day, cameras=cameras, places=places, scale=scale
    ):
        add("detections.video", doc["sensor"]["id"].encode(), at, doc)
    for at, doc in gps_events.fixes(rnd, day=day, fleet=fleet, scale=scale):
        add("gps.fixes", doc["vehicle_id"].encode(), at, doc)
    for at, doc in hydro_events.readings(rnd, day=day, stations=stations):
        add("hydro.readings", doc["station_id"].encode(), at, doc)
    for doc in permits:
        add("permits", doc["permit_id"].encode(), day_start_utc(day), doc)
    for at, doc in report_events.reports(
        rnd, day=day, places=places, stations=stations, scale=scale
    ):
        add("reports.citizen", partition_key(lat=doc["lat"], lng=doc["lng"]), at, doc)
    for at, topic, raw in malformed.broken(rnd, day=day, samples=samples):
        messages.append(SourceMessage(topic, b"broken", raw, at, False))
    # planted video problems, transients and their permits: no randomness, nothing else moves
    planted_permits = video_planted.permits(cameras, day)
    permits = permits + planted_permits
    for doc in planted_permits:
        messages.append(
            SourceMessage(
                "permits", doc["permit_id"].encode(), encode_row(doc), day_start_utc(day), True
            )
        )
    for at, doc in video_planted.detections(cameras, day):
        value = orjson.dumps(doc)
        messages.append(
            SourceMessage("detections.video", doc["sensor"]["id"].encode(), value, at, True)
        )
    # planted truths of the scenario marts (roads, bins, ads, a site): no randomness either
    scenario_permits = planted.permits(cameras, fleet, day)
    permits = permits + scenario_permits
    for doc in scenario_permits:
        messages.append(
            SourceMessage(
                "permits", doc["permit_id"].encode(), encode_row(doc), day_start_utc(day), True
            )
        )
    for at, doc in planted.reports(cameras, day):
        key = partition_key(lat=doc["lat"], lng=doc["lng"])
        messages.append(SourceMessage("reports.citizen", key, encode_row(doc), at, True))

    messages.sort(key=lambda m: (m.event_at, m.topic, m.key, m.value))
    return Scenario(
        day=day,
        seed=seed,
        scale=scale,
        grids=[
            {
                "grid_code": g.code,
                "street": g.street,
                "community": g.community,
                "centre_lat": round(g.centre[0], 6),
                "centre_lng": round(g.centre[1], 6),
                "polygon_wkt": g.wkt(),
            }
            for g in grids
        ],
        departments=geography.departments(grids),
        cameras=cameras,
        vehicles=fleet,
        stations=stations,
        permits=permits,
        places=[
            {
                "name": p.name,
                "lat": round(p.lat, 6),
                "lng": round(p.lng, 6),
                "categories": ",".join(p.categories),
                "evening": p.evening,
            }
            for p in places
        ],
        messages=tuple(messages),
        zones=assets.zones(places),
        roads=infrastructure.roads(),
        garbage_bins=infrastructure.garbage_bins(),
    )


__all__ = ["DEFAULT_SEED", "DEMO_DAY", "Scenario", "SourceMessage", "build"]
