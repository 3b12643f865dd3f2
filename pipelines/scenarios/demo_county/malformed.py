"""Records that break their contracts, as field systems really send them.

Each is paired with the contract rule it breaks; the worker must dead-letter
every one and keep going.
"""

from __future__ import annotations

import random
from datetime import date, datetime

import orjson

from pipelines.scenarios.demo_county.clock import at_local_hour

VIDEO_BREAKS = (
    lambda d: orjson.dumps(d)[:-40],  # truncated frame
    lambda d: orjson.dumps({k: v for k, v in d.items() if k != "messageid"}),
    lambda d: orjson.dumps({**d, "@timestamp": d["@timestamp"].rstrip("Z")}),  # no zone
    lambda d: orjson.dumps(
        {**d, "object": {**d["object"], "location": {"lat": 95.1, "lon": 120.1}}}
    ),
    lambda d: orjson.dumps({**d, "event": {"id": "x", "type": "teleported"}}),
)
FLAT_BREAKS: dict[str, tuple] = {
    "gps.fixes": (
        lambda d: orjson.dumps({**d, "lat": str(d["lat"])}),
        lambda d: orjson.dumps(
            {**d, "event_at": d["event_at"].replace("Z", "").replace("+00:00", "")}
        ),
        lambda d: orjson.dumps({**d, "speed_kmh": -12.5}),
        lambda d: orjson.dumps({**d, "lat": 0, "lng": 0}),
        lambda d: b"\x7e\x02\x00\x00\x26\x01\x38\x00\x13\x80\x00\x7e",  # a raw JT/T 808 frame
    ),
    "hydro.readings": (
        lambda d: orjson.dumps({**d, "element": "air_temperature_c"}),
        lambda d: orjson.dumps({**d, "value": -999.0}),  # a sensor fault code
        lambda d: orjson.dumps({**d, "unit": "cm"}),
        lambda d: b"7E7E0012345678",
    ),
    "permits": (
        lambda d: orjson.dumps({**d, "permit_type": "fireworks"}),
        lambda d: orjson.dumps({**d, "time_windows": "22:00-29:00"}),
        lambda d: orjson.dumps({**d, "valid_to": "2020-01-01T00:00:00Z"}),
    ),
    "reports.citizen": (
        lambda d: orjson.dumps({**d, "category": "ufo_sighting"}),
        lambda d: orjson.dumps({**d, "channel": "fax"}),
        lambda d: orjson.dumps({**d, "lng": 181.5}),
        lambda d: orjson.dumps({**d, "event_id": ""}),
        lambda d: b"\xff\xfe not utf-8 \x80",
    ),
}


def broken(
    rnd: random.Random, *, day: date, samples: dict[str, list[dict]]
) -> list[tuple[datetime, str, bytes]]:
    """One broken record per rule per source: (when, topic, bytes)."""
    out = []
    for topic, breaks in (("detections.video", VIDEO_BREAKS), *FLAT_BREAKS.items()):
        for rule in breaks:
            at = at_local_hour(day, rnd.uniform(1, 23))
            out.append((at, topic, rule(rnd.choice(samples[topic]))))
    return out
