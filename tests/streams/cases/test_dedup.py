import math
import random
from datetime import UTC, datetime, timedelta

import h3
from hypothesis import given, settings
from hypothesis import strategies as st

from citybrain.geo import haversine_m, latlng_to_cell
from streams.cases.dedup import (
    DedupPolicy,
    assign,
    case_id_for,
    index_key,
    index_keys,
    reach_cells,
    with_case,
    without_case,
)

T0 = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
VENDOR = (30.2521, 120.1705)
POLICY = DedupPolicy(merge_distance_m=50.0)
M_PER_DEG_LAT = 111_195.0


def offset(point, *, north_m, east_m):
    """The (lat, lng) ``north_m`` north and ``east_m`` east of a (lat, lng) point."""
    lat, lng = point
    return lat + north_m / M_PER_DEG_LAT, lng + east_m / (
        M_PER_DEG_LAT * math.cos(math.radians(lat))
    )


class Engine:
    """What the agent does with the index table: one read, one write, fan-out."""

    def __init__(self, policy=POLICY):
        self.table: dict[str, dict] = {}
        self.policy = policy
        self.opened: list[str] = []

    def alert(self, alert_id, *, category, lat, lng, at=T0):
        key = index_key(category=category, cell=latlng_to_cell(lat=lat, lng=lng))
        result = assign(
            self.table.get(key),
            category=category,
            lat=lat,
            lng=lng,
            at=at,
            new_case_id=case_id_for(category=category, first_alert_id=alert_id),
            policy=self.policy,
        )
        self.table[key] = result.value
        for other in result.fanout_keys:  # in production: messages to the index topic
            self.table[other] = with_case(self.table.get(other), result.entry)
        if result.is_new:
            self.opened.append(result.case_id)
        return result.case_id

    def close(self, case_id, *, category, lat, lng):
        for key in index_keys(category=category, lat=lat, lng=lng, policy=self.policy):
            value = without_case(self.table.get(key), case_id=case_id)
            if value is None:
                self.table.pop(key, None)
            else:
                self.table[key] = value


def test_fifty_cameras_re_seeing_one_vendor_make_one_case():
    engine = Engine()
    rnd = random.Random(3)
    case_ids = set()
    for camera in range(50):
        for sighting in range(3):
            lat, lng = offset(VENDOR, north_m=rnd.uniform(-15, 15), east_m=rnd.uniform(-15, 15))
            at = T0 + timedelta(seconds=10 * sighting + camera)
            case_ids.add(
                engine.alert(
                    f"cam{camera}-{sighting}",
                    category="unlicensed_peddler",
                    lat=lat,
                    lng=lng,
                    at=at,
                )
            )
    assert len(case_ids) == 1 and len(engine.opened) == 1
    own = index_key(
        category="unlicensed_peddler", cell=latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    )
    entry = engine.table[own]["cases"][0]
    assert entry["case_id"] == engine.opened[0]
    assert entry["last_seen_at"] == "2026-07-15T12:01:09.000Z"


def test_alerts_across_a_cell_boundary_join_the_case_of_the_neighbouring_cell():
    cell = latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    # a point on the boundary between two cells: the midpoint of a shared edge
    edge = h3.origin_to_directed_edges(cell)[0]
    (lat1, lng1), (lat2, lng2) = h3.directed_edge_to_boundary(edge)
    mid = ((lat1 + lat2) / 2, (lng1 + lng2) / 2)
    engine = Engine()
    inside = offset(mid, north_m=0, east_m=0)
    first = engine.alert("a0", category="lane_occupation", lat=inside[0], lng=inside[1])
    cells = {latlng_to_cell(lat=inside[0], lng=inside[1])}
    for i in range(1, 40):
        angle = 2 * math.pi * i / 40
        lat, lng = offset(mid, north_m=20 * math.sin(angle), east_m=20 * math.cos(angle))
        cells.add(latlng_to_cell(lat=lat, lng=lng))
        assert engine.alert(f"a{i}", category="lane_occupation", lat=lat, lng=lng) == first
    assert len(cells) >= 2  # the alerts really fell in different cells
    assert engine.opened == [first]


def test_other_categories_far_alerts_and_closed_cases_open_new_cases():
    engine = Engine()
    first = engine.alert("a1", category="unlicensed_peddler", lat=VENDOR[0], lng=VENDOR[1])
    garbage = engine.alert("a2", category="exposed_garbage", lat=VENDOR[0], lng=VENDOR[1])
    far = offset(VENDOR, north_m=0, east_m=600)
    elsewhere = engine.alert("a3", category="unlicensed_peddler", lat=far[0], lng=far[1])
    assert len({first, garbage, elsewhere}) == 3
    engine.close(first, category="unlicensed_peddler", lat=VENDOR[0], lng=VENDOR[1])
    assert not any(e["case_id"] == first for v in engine.table.values() for e in v["cases"])
    again = engine.alert("a4", category="unlicensed_peddler", lat=VENDOR[0], lng=VENDOR[1])
    assert again not in {first, garbage, elsewhere}


def test_same_cell_joins_even_beyond_the_distance_unless_turned_off():
    cell = latlng_to_cell(lat=VENDOR[0], lng=VENDOR[1])
    centre = h3.cell_to_latlng(cell)
    corner = h3.cell_to_boundary(cell)[0]
    near_corner = ((centre[0] + 9 * corner[0]) / 10, (centre[1] + 9 * corner[1]) / 10)
    assert latlng_to_cell(lat=near_corner[0], lng=near_corner[1]) == cell
    assert (
        haversine_m(lat1=centre[0], lng1=centre[1], lat2=near_corner[0], lng2=near_corner[1]) > 100
    )
    for same_cell, expected_cases in ((True, 1), (False, 2)):
        engine = Engine(DedupPolicy(merge_distance_m=50.0, same_cell=same_cell))
        engine.alert("a1", category="noise", lat=centre[0], lng=centre[1])
        engine.alert("a2", category="noise", lat=near_corner[0], lng=near_corner[1])
        assert len(engine.opened) == expected_cases


def test_an_alert_joins_the_nearest_of_several_open_cases():
    engine = Engine(DedupPolicy(merge_distance_m=50.0, same_cell=False))
    west = offset(VENDOR, north_m=0, east_m=-30)
    east = offset(VENDOR, north_m=0, east_m=30)
    west_case = engine.alert("w", category="noise", lat=west[0], lng=west[1])
    east_case = engine.alert("e", category="noise", lat=east[0], lng=east[1])
    assert west_case != east_case  # 60 m apart
    for east_m, expected in ((5, east_case), (-5, west_case)):
        lat, lng = offset(VENDOR, north_m=0, east_m=east_m)  # within 50 m of both
        assert engine.alert(f"x{east_m}", category="noise", lat=lat, lng=lng) == expected


def test_case_ids_are_stable_per_first_alert_and_category():
    a = case_id_for(category="noise", first_alert_id="alert-1")
    assert a == case_id_for(category="noise", first_alert_id="alert-1")
    assert a != case_id_for(category="other", first_alert_id="alert-1")
    assert a.startswith("case-") and len(a) == 25


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(min_value=-60, max_value=60),
    lng=st.floats(min_value=-179, max_value=179),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    distance_m=st.floats(min_value=0.5, max_value=1),
    merge_distance_m=st.sampled_from([10.0, 50.0, 150.0, 400.0]),
)
def test_reach_cells_cover_every_point_within_the_merge_distance(
    lat, lng, bearing, distance_m, merge_distance_m
):
    d = distance_m * merge_distance_m
    plat, plng = offset((lat, lng), north_m=d * math.sin(bearing), east_m=d * math.cos(bearing))
    if haversine_m(lat1=lat, lng1=lng, lat2=plat, lng2=plng) > merge_distance_m:
        return  # the flat offset overshot near the poles
    cells = reach_cells(lat=lat, lng=lng, merge_distance_m=merge_distance_m)
    assert latlng_to_cell(lat=plat, lng=plng) in cells


def test_reach_cells_grow_with_the_merge_distance():
    for merge_distance_m in (50.0, 150.0, 400.0):
        for lat, lng in (VENDOR, (45.0, 7.0), (-33.9, 151.2)):
            cells = reach_cells(lat=lat, lng=lng, merge_distance_m=merge_distance_m)
            for step in range(72):
                bearing = 2 * math.pi * step / 72
                plat, plng = offset(
                    (lat, lng),
                    north_m=0.99 * merge_distance_m * math.sin(bearing),
                    east_m=0.99 * merge_distance_m * math.cos(bearing),
                )
                assert latlng_to_cell(lat=plat, lng=plng) in cells, (merge_distance_m, lat, lng)
