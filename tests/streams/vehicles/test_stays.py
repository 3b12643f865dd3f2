"""Stay points on real GeoLife fixes, against a direct pairwise computation."""

import numpy as np
import pytest

from streams.vehicles.stays import STAY_MIN_DURATION_S, STAY_RADIUS_M, stay_points
from streams.vehicles.tracks import Fix, build_track

R_M = 6_371_008.8


def pairwise_m(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Great-circle distance matrix in metres."""
    p, q = np.radians(lat)[:, None], np.radians(lng)[:, None]
    a = np.sin((p - p.T) / 2) ** 2 + np.cos(p) * np.cos(p.T) * np.sin((q - q.T) / 2) ** 2
    return 2 * R_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def direct_stays(fixes, radius_m=STAY_RADIUS_M, min_s=STAY_MIN_DURATION_S):
    """(first, last index) of each stay, from the full distance matrix."""
    lat = np.array([f.lat for f in fixes])
    lng = np.array([f.lng for f in fixes])
    t = np.array([f.at_s for f in fixes])
    far = pairwise_m(lat, lng) > radius_m
    out, i, n = [], 0, len(fixes)
    while i < n:
        beyond = np.flatnonzero(far[i, i + 1 :])
        j = i + 1 + beyond[0] if len(beyond) else n
        if t[j - 1] - t[i] >= min_s:
            out.append((i, j - 1))
            i = j
        else:
            i += 1
    return out


def test_stay_points_match_the_direct_computation(geolife_fixes):
    found_any = 0
    for fixes in geolife_fixes.values():
        track = list(build_track(fixes).fixes)[:2500]
        expected = direct_stays(track)
        stays = stay_points(track)
        assert [(s.arrived_s, s.left_s) for s in stays] == [
            (track[i].at_s, track[j].at_s) for i, j in expected
        ]
        for stay, (i, j) in zip(stays, expected, strict=True):
            assert stay.fix_count == j - i + 1
            assert stay.lat == pytest.approx(np.mean([f.lat for f in track[i : j + 1]]), abs=1e-9)
        found_any += len(stays)
    assert found_any >= 1


def test_a_parked_vehicle_makes_one_stay_and_a_drive_none():
    parked = [Fix(at_s=60 * i, lat=30.0 + 1e-5 * (i % 3), lng=120.0) for i in range(15)]
    driving = [Fix(at_s=900 + 60 * i, lat=30.0 + 0.005 * (i + 1), lng=120.0) for i in range(10)]
    stays = stay_points(parked + driving)
    assert len(stays) == 1
    assert (stays[0].arrived_s, stays[0].left_s, stays[0].fix_count) == (0, 840, 15)
    assert stay_points(driving) == []
