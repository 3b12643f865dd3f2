import random

import h3
import pytest

from citybrain.categories import CATEGORIES
from citybrain.geo import latlng_to_cell
from pipelines.scenarios.demo_county import geography
from streams.cases.routing import (
    H3_RES_GRID_LOOKUP,
    cells_to_grids,
    grid_at,
    is_grid_code,
    route,
    routing_table,
)

GRIDS = geography.grids()
GRID_BY_CODE = {g.code: g for g in GRIDS}


def outline(grid):
    s, w, n, e = grid.south_lat, grid.west_lng, grid.north_lat, grid.east_lng
    return [(s, w), (s, e), (n, e), (n, w)]


@pytest.fixture(scope="module")
def table():
    return routing_table(
        geography.departments(GRIDS),
        fallback_department_id="CMD",
        version="demo-1",
        cell_grids=cells_to_grids({g.code: outline(g) for g in GRIDS}),
    )


def test_every_demo_grid_and_category_has_exactly_one_owner(table):
    assert len(table.owners) == len(GRIDS) * len(CATEGORIES)


def test_street_squads_own_street_order_in_their_street_only(table):
    yunxi = next(g for g in GRIDS if g.street == "云溪街道")
    xinglong = next(g for g in GRIDS if g.street == "兴隆街道")
    assert route(grid_code=yunxi.code, category="unlicensed_peddler", table=table) == "E01"
    assert route(grid_code=xinglong.code, category="unlicensed_peddler", table=table) == "E02"
    assert route(grid_code=xinglong.code, category="other", table=table) == "E02"


def test_county_departments_own_their_categories_everywhere(table):
    for grid in GRIDS:
        assert route(grid_code=grid.code, category="exposed_garbage", table=table) == "D01"
        assert route(grid_code=grid.code, category="manhole_cover", table=table) == "D02"
        assert route(grid_code=grid.code, category="illegal_parking", table=table) == "D04"
        assert route(grid_code=grid.code, category="noise", table=table) == "D05"


def test_unowned_pairs_go_to_the_fallback(table):
    assert route(grid_code="33019999999999", category="noise", table=table) == "CMD"
    assert route(grid_code=None, category="noise", table=table) == "CMD"
    no_fallback = routing_table([{"department_id": "D1", "categories": "noise", "grid_codes": []}])
    assert route(grid_code=GRIDS[0].code, category="noise", table=no_fallback) is None


def test_a_pair_owned_twice_is_refused_when_the_table_is_built():
    code = GRIDS[0].code
    rows = [
        {"department_id": "D1", "categories": ["noise"], "grid_codes": [code]},
        {"department_id": "D2", "categories": "noise,other", "grid_codes": code},
    ]
    with pytest.raises(ValueError, match="owned by both D1 and D2"):
        routing_table(rows)


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (
            {"department_id": "D1", "categories": "unicorns", "grid_codes": "33019900100101"},
            "category",
        ),
        ({"department_id": "D1", "categories": "noise", "grid_codes": "3301990010"}, "grid code"),
    ],
)
def test_bad_rows_are_refused(row, says):
    with pytest.raises(ValueError, match=says):
        routing_table([row])


def test_grid_codes_are_14_or_15_digits():
    assert is_grid_code("33019900100101")
    assert is_grid_code("320582110152102")
    assert not is_grid_code("3301990010010")
    assert not is_grid_code("3301990010010a")
    assert not is_grid_code("３３０１９９００１００１０１")  # full-width digits


def test_every_grid_gets_cells_and_each_cell_centre_lies_in_its_grid(table):
    assert set(table.cell_grids.values()) == set(GRID_BY_CODE)
    for cell, code in table.cell_grids.items():
        lat, lng = h3.cell_to_latlng(cell)
        assert geography.grid_at(lat=lat, lng=lng).code == code


def metres_to_boundary(grid, *, lat, lng):
    m_per_deg_lat = 111_195.0
    m_per_deg_lng = m_per_deg_lat * 0.8649  # cos 30.25°
    return min(
        (lat - grid.south_lat) * m_per_deg_lat,
        (grid.north_lat - lat) * m_per_deg_lat,
        (lng - grid.west_lng) * m_per_deg_lng,
        (grid.east_lng - lng) * m_per_deg_lng,
    )


def test_points_farther_than_a_lookup_cell_from_a_boundary_find_their_grid(table):
    edge_m = h3.average_hexagon_edge_length(H3_RES_GRID_LOOKUP, unit="m")
    south, west, north, east = geography.bounds()
    rnd = random.Random(7)
    checked = 0
    for _ in range(3000):
        lat, lng = rnd.uniform(south, north), rnd.uniform(west, east)
        grid = geography.grid_at(lat=lat, lng=lng)
        if metres_to_boundary(grid, lat=lat, lng=lng) > 1.5 * edge_m:
            assert grid_at(lat=lat, lng=lng, table=table) == grid.code, (lat, lng)
            checked += 1
    assert checked > 1500  # about 60 % of the town is that far from a boundary
    for grid in GRIDS:
        lat, lng = grid.centre
        assert latlng_to_cell(lat=lat, lng=lng, res=H3_RES_GRID_LOOKUP) in table.cell_grids
    assert grid_at(lat=30.0, lng=120.0, table=table) is None  # outside the town
