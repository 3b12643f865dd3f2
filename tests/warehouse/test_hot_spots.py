"""Gi* tests per period and category over a study area, and H3 cells as places."""

import h3
import pytest

from warehouse.cells import bounds_cells, cell_rows, grid_of_cells, polygon_cells
from warehouse.hot_spots import gi_star_rows

CENTRE = h3.latlng_to_cell(30.25, 120.15, 9)
AREA = sorted(h3.grid_disk(CENTRE, 4))  # 61 cells
GRID = {
    "grid_code": "33019900100101",
    "street": "云溪街道",
    "community": "东门社区",
    "polygon_wkt": "POLYGON ((120.14 30.24, 120.16 30.24, 120.16 30.26, 120.14 30.26,"
    " 120.14 30.24))",
}


def test_one_busy_neighbourhood_is_hot_and_quiet_cells_are_left_out():
    busy = [CENTRE, *h3.grid_ring(CENTRE, 1)]
    counts = [("2026-07-15", "noise", c, 20) for c in busy]
    counts.append(("2026-07-15", "noise", AREA[0], 1))
    rows = gi_star_rows(counts, study_area=AREA)
    by_cell = {r["h3_res9"]: r for r in rows}
    assert by_cell[CENTRE]["hot_spot_class"] == "hot_99"
    assert by_cell[CENTRE]["ring_incident_count"] == 140
    assert by_cell[CENTRE]["study_area_cell_count"] == 61
    assert {r["study_area_cell_count"] for r in rows} == {61}
    assert len(rows) < 61  # cells with nothing in their ring and no significance
    everything = gi_star_rows(counts, study_area=AREA, keep_quiet_cells=True)
    assert len(everything) == 61


def test_each_period_and_category_is_its_own_test():
    counts = [
        ("d1", "noise", CENTRE, 5),
        ("d1", "road_damage", AREA[0], 3),
        ("d2", "noise", AREA[1], 2),
    ]
    rows = gi_star_rows(counts, study_area=AREA, keep_quiet_cells=True)
    tests = {(r["period"], r["category"]) for r in rows}
    assert tests == {("d1", "noise"), ("d1", "road_damage"), ("d2", "noise")}
    d1_noise = [r for r in rows if (r["period"], r["category"]) == ("d1", "noise")]
    assert sum(r["incident_count"] for r in d1_noise) == 5


def test_cells_outside_the_study_area_join_it():
    far = h3.latlng_to_cell(30.5, 120.5, 9)
    rows = gi_star_rows([("d1", "noise", far, 4)], study_area=AREA)
    assert {r["study_area_cell_count"] for r in rows} == {62}


def test_constant_counts_give_null_z_and_no_significance():
    counts = [("d1", "noise", c, 2) for c in AREA]
    rows = gi_star_rows(counts, study_area=AREA)
    assert all(r["gi_star_z_score"] is None and r["gi_bin"] == 0 for r in rows)


def test_cells_take_the_grid_that_holds_their_centre():
    inside = polygon_cells(GRID["polygon_wkt"])
    assert CENTRE in inside
    assert grid_of_cells([GRID]).keys() == inside
    far = h3.latlng_to_cell(30.5, 120.5, 9)
    near_row, far_row = sorted(
        cell_rows([CENTRE, far], [GRID]), key=lambda r: r["h3_res9"] != CENTRE
    )
    assert near_row["street_name"] == "云溪街道"
    assert near_row["h3_res8"] == h3.cell_to_parent(CENTRE, 8)
    assert (near_row["cell_centre_lat"], near_row["cell_centre_lng"]) == pytest.approx(
        h3.cell_to_latlng(CENTRE)
    )
    assert far_row["grid_code"] is None


def test_bounds_cells_cover_a_box():
    cells = bounds_cells(south_lat=30.24, west_lng=120.14, north_lat=30.26, east_lng=120.16, res=9)
    assert cells == polygon_cells(GRID["polygon_wkt"])
