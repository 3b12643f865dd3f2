"""Tracks and distances on real GeoLife fixes, against a direct numpy computation."""

import numpy as np
import pytest

from streams.vehicles.tracks import (
    DUPLICATE,
    IMPLAUSIBLE_JUMP,
    MAX_SPEED_KMH,
    MIN_JUMP_M,
    OUT_OF_ORDER,
    Fix,
    build_track,
    path_length_m,
)

R_M = 6_371_008.8


def direct_legs_m(lat, lng) -> np.ndarray:
    """Consecutive great-circle legs, vectorised (an independent haversine)."""
    p, q = np.radians(lat), np.radians(lng)
    a = np.sin(np.diff(p) / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(np.diff(q) / 2) ** 2
    return 2 * R_M * np.arcsin(np.sqrt(a))


def test_the_trace_survived_jt808_to_the_microdegree(geolife_rows, geolife_fixes):
    for trajectory, rows in geolife_rows.items():
        fixes = geolife_fixes[trajectory]
        assert len(fixes) == len(rows)
        assert max(abs(f.lat - r["lat"]) for f, r in zip(fixes, rows, strict=True)) <= 5e-7
        assert [f.at_s for f in fixes] == [r["fixed_at"].timestamp() for r in rows]


def test_path_length_matches_a_direct_computation(geolife_fixes):
    pyproj = pytest.importorskip("pyproj")
    geod = pyproj.Geod(ellps="WGS84")
    for fixes in geolife_fixes.values():
        lat = np.array([f.lat for f in fixes])
        lng = np.array([f.lng for f in fixes])
        direct = direct_legs_m(lat, lng).sum()
        assert path_length_m(fixes) == pytest.approx(direct, rel=1e-9)
        # and the ellipsoid agrees within half a percent
        assert path_length_m(fixes) == pytest.approx(geod.line_length(lng, lat), rel=5e-3)
        assert direct > 1_000  # each trajectory is kilometres long: the test can fail


def test_built_track_keeps_only_plausible_ordered_fixes(geolife_fixes):
    for fixes in geolife_fixes.values():
        track = build_track(fixes)
        kept = track.fixes
        assert len(kept) + len(track.dropped) == len(fixes)
        times = np.array([f.at_s for f in kept])
        assert np.all(np.diff(times) > 0)
        legs = direct_legs_m(np.array([f.lat for f in kept]), np.array([f.lng for f in kept]))
        speeds_kmh = legs / np.diff(times) * 3.6
        assert np.all((legs <= MIN_JUMP_M) | (speeds_kmh <= MAX_SPEED_KMH))
        assert track.distance_m == pytest.approx(legs.sum(), rel=1e-9)


def test_duplicates_late_fixes_and_jumps_are_dropped_with_their_reason(geolife_fixes):
    clean = build_track(geolife_fixes["1"]).fixes[:200]
    jump = Fix(at_s=clean[100].at_s + 0.5, lat=clean[100].lat + 0.05, lng=clean[100].lng)
    noisy = [*clean[:100], clean[99], clean[50], jump, *clean[100:]]
    track = build_track(noisy)
    assert track.fixes == clean
    assert [reason for _, reason in track.dropped] == [DUPLICATE, OUT_OF_ORDER, IMPLAUSIBLE_JUMP]
    assert track.distance_m == pytest.approx(path_length_m(clean))


def test_a_relocated_vehicle_is_followed_once_the_speed_becomes_plausible():
    start = Fix(at_s=0, lat=30.0, lng=120.0)
    far = [Fix(at_s=t, lat=30.02, lng=120.0) for t in (10, 30, 60, 120)]  # 2.2 km away
    track = build_track([start, *far])
    assert [f.at_s for f in track.fixes] == [0, 60, 120]  # 2.2 km in 60 s is 133 km/h
