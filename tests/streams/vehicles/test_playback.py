"""Playback: Douglas–Peucker in metres, request checks, and the landing read."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely

from streams.vehicles.landed import vehicle_fixes
from streams.vehicles.playback import parse_request, plane_xy, playback, simplify_indexes
from streams.vehicles.tracks import build_track
from warehouse.landing import LandingWriter

T0 = datetime(2026, 7, 15, 1, 58, tzinfo=UTC)


def recursive_dp(x, y, tolerance_m):
    """Douglas–Peucker straight from its definition, with shapely's point-segment distance."""

    def keep(first, last):
        if last - first < 2:
            return []
        chord = shapely.LineString([(x[first], y[first]), (x[last], y[last])])
        d = [shapely.Point(x[i], y[i]).distance(chord) for i in range(first + 1, last)]
        k = int(np.argmax(d))
        if d[k] <= tolerance_m:
            return []
        split = first + 1 + k
        return [*keep(first, split), split, *keep(split, last)]

    return [0, *keep(0, len(x) - 1), len(x) - 1]


@pytest.mark.parametrize("tolerance_m", [5.0, 30.0, 200.0])
def test_simplification_matches_the_definition_and_geos_on_geolife(geolife_fixes, tolerance_m):
    for fixes in geolife_fixes.values():
        track = list(build_track(fixes).fixes)[:800]
        lat, lng = [f.lat for f in track], [f.lng for f in track]
        got = simplify_indexes(lat=lat, lng=lng, tolerance_m=tolerance_m)
        x, y = plane_xy(lat=np.array(lat), lng=np.array(lng))
        assert got == recursive_dp(x, y, tolerance_m)
        line = shapely.LineString(np.column_stack([x, y]))
        geos = shapely.get_coordinates(line.simplify(tolerance_m, preserve_topology=False))
        assert np.allclose(geos, np.column_stack([x[got], y[got]]))
        # every fix left out lies within the tolerance of the simplified path
        path = shapely.LineString(np.column_stack([x[got], y[got]]))
        assert max(path.distance(shapely.points(x, y))) <= tolerance_m + 1e-6
        assert 2 <= len(got) < len(track)


def test_a_straight_drive_keeps_its_ends_and_a_corner():
    lat = [30.0] * 5 + [30.0 + 0.001 * k for k in range(1, 5)]
    lng = [120.0 + 0.001 * k for k in range(5)] + [120.004] * 4
    assert simplify_indexes(lat=lat, lng=lng, tolerance_m=1.0) == [0, 4, 8]
    assert simplify_indexes(lat=lat, lng=lng, tolerance_m=0.0) == list(range(9))
    assert simplify_indexes(lat=lat[:2], lng=lng[:2], tolerance_m=50.0) == [0, 1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"end": "2026-07-15T02:00:00Z"}, "start is required"),
        ({"start": "yesterday", "end": "2026-07-15T02:00:00Z"}, "not an ISO-8601"),
        ({"start": "2026-07-15T01:00:00", "end": "2026-07-15T02:00:00Z"}, "no zone"),
        ({"start": "2026-07-15T02:00:00Z", "end": "2026-07-15T01:00:00Z"}, "after start"),
        ({"start": "2026-07-13T00:00:00Z", "end": "2026-07-15T00:00:00Z"}, "at most 24"),
        ({"start": "2026-07-15T01:00Z", "end": "2026-07-15T02:00Z", "tolerance_m": "-1"}, "0 and"),
        ({"start": "2026-07-15T01:00Z", "end": "2026-07-15T02:00Z", "tolerance_m": "x"}, "number"),
    ],
)
def test_bad_requests_say_what_is_wrong(query, message):
    with pytest.raises(ValueError, match=message):
        parse_request(query)


def test_an_unescaped_plus_offset_is_read_back():
    got = parse_request({"start": "2026-07-15T09:00:00 08:00", "end": "2026-07-15T02:00:00Z"})
    assert got["start"] == datetime(2026, 7, 15, 1, 0, tzinfo=UTC) and got["tolerance_m"] == 10.0


def row(i, *, vehicle_id="v1", lat=30.0):
    return {
        "event_id": f"{vehicle_id}-{i}",
        "event_at": T0 + timedelta(seconds=30 * i),
        "vehicle_id": vehicle_id,
        "lat": lat,
        "lng": 120.0 + 1e-4 * i,
        "speed_kmh": 12.0,
        "heading_deg": 90.0,
        "altitude_m": None,
        "alarm_flags": 0,
        "status_flags": 3,
        "source": "jt808",
    }


def test_the_landing_read_crosses_hours_and_keeps_one_vehicle(tmp_path):
    rows = [row(i) for i in range(12)] + [row(i, vehicle_id="v2") for i in range(12)]
    LandingWriter(tmp_path).write(
        "gps.fixes", rows, partitions=[0] * 24, offsets=list(range(24)), landed_at=T0
    )
    start, end = T0 + timedelta(seconds=60), T0 + timedelta(seconds=300)
    got = vehicle_fixes(tmp_path, vehicle_id="v1", start=start, end=end)
    assert sorted(r["event_id"] for r in got) == sorted(f"v1-{i}" for i in range(2, 11))
    assert {r["event_at"].hour for r in got} == {1, 2}  # two hour directories
    assert vehicle_fixes(tmp_path / "none", vehicle_id="v1", start=start, end=end) == []


def test_playback_orders_cleans_and_simplifies():
    rows = [row(i) for i in range(10)]
    jump = {**row(10), "lat": 31.0}  # 111 km in 30 s: dropped
    again = dict(rows[3])  # a duplicate
    got = playback([rows[5], *rows[:5], *rows[6:], jump, again], tolerance_m=5.0)
    assert (got["fix_count"], got["kept_count"], got["point_count"]) == (12, 10, 2)
    assert [p["fixed_at"] for p in got["points"]] == [
        rows[0]["event_at"].isoformat(),
        rows[9]["event_at"].isoformat(),
    ]
    assert got["distance_m"] == pytest.approx(9 * 9.64, rel=0.01)  # 1e-4 deg of lng at 30 N
    assert playback([], tolerance_m=5.0)["points"] == []
