"""Nearest segment and nearest point in metres."""

import math

import pytest

from citybrain.geo import haversine_m
from warehouse.snapping import M_PER_DEG_LAT, line_points, nearest_points, nearest_segments

EAST_WEST = ("RD-1", "LINESTRING (120.1400 30.2440, 120.1490 30.2440)")
L_SHAPED = ("RD-2", "LINESTRING (120.1600 30.2400, 120.1600 30.2500, 120.1700 30.2500)")


def test_a_point_north_of_a_road_snaps_to_it_at_its_offset():
    ids, distance_m, along_m = nearest_segments(
        lats=[30.2440 + 20 / M_PER_DEG_LAT], lngs=[120.1445], segments=[EAST_WEST, L_SHAPED]
    )
    assert ids == ["RD-1"]
    assert distance_m[0] == pytest.approx(20.0, abs=0.01)
    half = haversine_m(lat1=30.244, lng1=120.14, lat2=30.244, lng2=120.149) / 2
    assert along_m[0] == pytest.approx(half, rel=1e-3)


def test_along_counts_the_legs_before_the_nearest_one():
    ids, distance_m, along_m = nearest_segments(
        lats=[30.2505], lngs=[120.1650], segments=[EAST_WEST, L_SHAPED]
    )
    assert ids == ["RD-2"]
    assert distance_m[0] == pytest.approx(0.0005 * M_PER_DEG_LAT, rel=1e-3)
    first_leg = 0.01 * M_PER_DEG_LAT
    second = 0.005 * M_PER_DEG_LAT * math.cos(math.radians(30.25))
    assert along_m[0] == pytest.approx(first_leg + second, rel=1e-3)


def test_beyond_the_end_of_a_segment_the_distance_is_to_its_end():
    _, distance_m, along_m = nearest_segments(lats=[30.2440], lngs=[120.1380], segments=[EAST_WEST])
    assert distance_m[0] == pytest.approx(
        haversine_m(lat1=30.244, lng1=120.138, lat2=30.244, lng2=120.14), rel=1e-3
    )
    assert along_m[0] == 0.0


def test_no_segments_no_snap():
    ids, distance_m, _ = nearest_segments(lats=[30.2], lngs=[120.1], segments=[])
    assert ids == [None] and math.isnan(distance_m[0])


def test_only_linestrings_are_roads():
    with pytest.raises(ValueError, match="LINESTRING"):
        line_points("POINT (120.1 30.2)")


def test_nearest_point_is_the_closest_bin_and_the_nearby_ones_are_counted():
    ids, distance_m, within = nearest_points(
        lats=[30.2500, 30.2600],
        lngs=[120.1500, 120.1500],
        target_ids=["a", "b", "c"],
        target_lats=[30.2501, 30.2590, 30.2506],
        target_lngs=[120.1500, 120.1500, 120.1500],
        within_m=100.0,
    )
    assert ids == ["a", "b"]
    assert distance_m == pytest.approx([0.0001 * M_PER_DEG_LAT, 0.001 * M_PER_DEG_LAT], rel=1e-6)
    assert within.tolist() == [2, 0]  # a at 11 m and c at 67 m; b is 111 m from the second
    none, nan, zero = nearest_points(
        lats=[30.25], lngs=[120.15], target_ids=[], target_lats=[], target_lngs=[]
    )
    assert none == [None] and math.isnan(nan[0]) and zero.tolist() == [0]


def test_points_are_taken_in_chunks_with_the_same_answer(monkeypatch):
    lats = [30.24 + i * 1e-5 for i in range(25)]
    kwargs = {
        "target_ids": ["a", "b"],
        "target_lats": [30.24, 30.2402],
        "target_lngs": [120.15] * 2,
    }
    whole = nearest_points(lats=lats, lngs=[120.15] * 25, **kwargs)
    monkeypatch.setattr("warehouse.snapping.CHUNK_POINTS", 4)
    chunked = nearest_points(lats=lats, lngs=[120.15] * 25, **kwargs)
    assert chunked[0] == whole[0]
    assert chunked[1].tolist() == whole[1].tolist() and chunked[2].tolist() == whole[2].tolist()
    segments = [("RD-1", "LINESTRING (120.1400 30.2440, 120.1600 30.2440)")]
    snapped = nearest_segments(lats=lats, lngs=[120.15] * 25, segments=segments)
    monkeypatch.setattr("warehouse.snapping.CHUNK_POINTS", 2_000)
    assert nearest_segments(lats=lats, lngs=[120.15] * 25, segments=segments)[1].tolist() == (
        snapped[1].tolist()
    )
