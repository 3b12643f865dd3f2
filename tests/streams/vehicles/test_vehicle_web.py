"""Live positions over HTTP: token scheme of the case API, filters, offline vehicles."""

from datetime import UTC, datetime

import h3
import pytest

from citybrain import auth
from streams.cases.api import ApiConfig
from streams.vehicles.fleet import Fleet
from streams.vehicles.web import answer, answer_track

SECRET = "s" * 40
NOW = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
VEHICLES = [
    {"vehicle_id": "m1", "plate": "浙A·1", "vehicle_type": "muck_truck", "owner": "宏达渣土"},
    {"vehicle_id": "s1", "plate": "浙A·2", "vehicle_type": "sanitation", "owner": "县环卫处"},
]


def value(*, lat: float, lng: float, age_s: float, episodes=None):
    at_s = NOW.timestamp() - age_s
    last = {
        "event_id": "e",
        "fixed_at": datetime.fromtimestamp(at_s, UTC).isoformat(),
        "at_s": at_s,
        "lat": lat,
        "lng": lng,
        "speed_kmh": 20.0,
        "heading_deg": 90.0,
    }
    return {"last": last, "episodes": episodes or {}}


VALUES = [
    ("m1", value(lat=30.0, lng=120.0, age_s=60, episodes={"off_route": {}})),
    ("s1", value(lat=30.1, lng=120.1, age_s=3600)),
    ("x9", value(lat=30.2, lng=120.2, age_s=1)),  # not in the reference: not served
]


def token(role: str = "supervisor") -> str:
    claims = auth.new_claims(subject="duty-1", role=role, department_id=None, ttl_h=1, now_at=NOW)
    return "Bearer " + auth.sign(claims, secret=SECRET)


def call(tail=(), query=None, authorization="token", secret=SECRET):
    authorization = token() if authorization == "token" else authorization
    return answer(
        tail,
        query or {},
        authorization,
        values=VALUES,
        fleet=Fleet(vehicles=VEHICLES, permits=[]),
        config=ApiConfig(secret=secret),
        now_s=NOW.timestamp(),
    )


def test_no_secret_is_503_and_no_token_is_401():
    assert call(secret=None)[0] == 503
    status, body, headers = call(authorization=None)
    assert (status, body["error"]) == (401, "missing_token")
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert call(authorization="Bearer cb1.forged.sig")[0] == 401


def test_every_known_vehicle_with_attributes_and_offline_flag():
    status, body, _ = call()
    assert status == 200
    assert [(v["vehicle_id"], v["is_offline"]) for v in body] == [("m1", False), ("s1", True)]
    assert (body[0]["company"], body[0]["department"]) == ("宏达渣土", None)
    assert (body[1]["company"], body[1]["department"]) == (None, "县环卫处")
    assert body[0]["open_violations"] == ["off_route"]
    assert call(query={"offline_s": "7200"})[1][1]["is_offline"] is False


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "muck_truck"}, ["m1"]),
        ({"bbox": "30.05,120.05,30.15,120.15"}, ["s1"]),
        ({"cells": h3.latlng_to_cell(30.0, 120.0, 7)}, ["m1"]),
        ({"type": "sanitation", "bbox": "29,119,31,121"}, ["s1"]),
    ],
)
def test_filters(query, expected):
    status, body, _ = call(query=query)
    assert status == 200 and [v["vehicle_id"] for v in body] == expected


def test_one_vehicle_and_bad_queries():
    assert call(("s1",))[1]["plate"] == "浙A·2"
    assert call(("x9",))[0] == 404
    assert call(query={"bbox": "1,2,3"})[0] == 400
    assert call(query={"type": "tank"})[0] == 400
    assert call(query={"cells": "nonsense"})[0] == 400


def track(vehicle_id, query, tmp_path, authorization="token"):
    from functools import partial

    from streams.vehicles.landed import vehicle_fixes

    return answer_track(
        vehicle_id,
        query,
        token() if authorization == "token" else authorization,
        read=partial(vehicle_fixes, tmp_path),
        fleet=Fleet(vehicles=VEHICLES, permits=[]),
        config=ApiConfig(secret=SECRET),
        now_s=NOW.timestamp(),
    )


def test_track_playback_from_the_landing(tmp_path):
    from datetime import timedelta

    from warehouse.landing import LandingWriter

    start = NOW - timedelta(hours=1)
    rows = [
        {
            "event_id": f"s1-{i}",
            "event_at": start + timedelta(seconds=60 * i),
            "vehicle_id": "s1",
            "lat": 30.0 + (0.001 * (i - 20) if i > 20 else 0.0),  # east, then north
            "lng": 120.0 + 0.001 * min(i, 20),
            "speed_kmh": 8.0,
            "heading_deg": 90.0,
        }
        for i in range(40)
    ]
    LandingWriter(tmp_path).write(
        "gps.fixes", rows, partitions=[0] * 40, offsets=list(range(40)), landed_at=NOW
    )
    query = {"start": start.isoformat(), "end": NOW.isoformat(), "tolerance_m": "2"}
    status, body, _ = track("s1", query, tmp_path)
    assert status == 200, body
    assert (body["plate"], body["fix_count"], body["kept_count"]) == ("浙A·2", 40, 40)
    assert [p["fixed_at"] for p in body["points"]] == [
        rows[i]["event_at"].isoformat() for i in (0, 20, 39)
    ]
    assert track("m1", query, tmp_path)[1]["points"] == []  # known, nothing landed


def test_track_refusals(tmp_path):
    ok = {"start": "2026-07-15T00:00:00Z", "end": "2026-07-15T01:00:00Z"}
    assert track("s1", ok, tmp_path, authorization=None)[0] == 401
    status, body, _ = track("x9", ok, tmp_path)
    assert (status, body["error"]) == (404, "unknown_vehicle")
    status, body, _ = track("s1", {**ok, "end": "2026-07-17T00:00:00Z"}, tmp_path)
    assert (status, body["error"]) == (400, "invalid_query") and "24 hours" in body["message"]
    assert track("s1", {"start": "noon", "end": ok["end"]}, tmp_path)[0] == 400


def test_offline_filter_and_the_configured_offline_time():
    assert [v["vehicle_id"] for v in call(query={"offline": "true"})[1]] == ["s1"]
    assert [v["vehicle_id"] for v in call(query={"offline": "false"})[1]] == ["m1"]
    assert call(query={"offline": "maybe"})[0] == 400
    assert call(query={"offline_s": "0"})[0] == 400
    assert call(query={"bbox": "95,120,96,121"})[0] == 400
    configured = answer(
        (),
        {"offline": "true"},
        token(),
        values=VALUES,
        fleet=Fleet(vehicles=VEHICLES, permits=[]),
        config=ApiConfig(secret=SECRET),
        now_s=NOW.timestamp(),
        offline_s=30.0,
    )
    assert [v["vehicle_id"] for v in configured[1]] == ["m1", "s1"]


def test_settings_read_the_vehicle_knobs():
    from citybrain.settings import load

    got = load({"HOME": "/x", "CITYBRAIN_VEHICLE_OFFLINE_S": "120", "CITYBRAIN_SWEEP_MAX_KMH": "9"})
    assert (got.vehicle_offline_s, got.sweep_max_kmh, got.sweep_over_s) == (120.0, 9.0, 60.0)
    with pytest.raises(ValueError, match="CITYBRAIN_SWEEP_OVER_S"):
        load({"HOME": "/x", "CITYBRAIN_SWEEP_OVER_S": "-5"})


def test_an_unreadable_landing_file_is_503_not_a_crash(tmp_path):
    hour = tmp_path / "gps.fixes" / "date=2026-07-15" / "hour=00"
    hour.mkdir(parents=True)
    (hour / "part-0-0-broken.parquet").write_bytes(b"PAR1 not really parquet")
    ok = {"start": "2026-07-15T00:00:00Z", "end": "2026-07-15T01:00:00Z"}
    status, body, _ = track("s1", ok, tmp_path)
    assert (status, body["error"]) == (503, "landing_unreadable")
