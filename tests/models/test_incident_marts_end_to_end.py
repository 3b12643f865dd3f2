"""The demo county's days through landing → SQLMesh → the 三高, hot-spot and parking marts.

Two days of the demo county (one county: the same seed, so the same places, cameras and
permits; two scales, so different events) are landed as the sink lands them, with the
county's permits and its unit grids as reference tables, and the SQLMesh project is planned
once. Expected figures are counted here straight from the landed rows, independently of the
models.
"""

import csv
from collections import Counter
from datetime import date, timedelta

import h3
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from citybrain.categories import CATEGORIES
from citybrain.settings import load
from pipelines.scenarios.demo_county import build, geography
from pipelines.scenarios.demo_county.reference import export
from tests.models.marts_landing import (
    DAY_1,
    DAY_2,
    LOCAL,
    ROOT,
    land_incident_days,
    plan_project,
)
from warehouse.cells import bounds_cells, grid_of_cells
from warehouse.landing import LandingWriter

VENDING = ("unlicensed_peddler", "out_of_store_business", "lane_occupation")


def incidents(rows: list[dict]) -> Counter:
    """(local date, h3_res9, category) → incidents, counted from the rows themselves."""
    out: Counter = Counter()
    for row in rows:
        if row["category"] is None:
            continue
        cell = h3.latlng_to_cell(row["lat"], row["lng"], 9)
        out[(row["event_at"].astimezone(LOCAL).date(), cell, row["category"])] += 1
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("citybrain-home")
    rows, places, permits = land_incident_days(LandingWriter(home / "landing"))
    scenario = build(day=DAY_1)
    export(scenario, home / "reference")
    con = plan_project(home)
    yield con, rows, places, scenario.grids, permits
    con.close()


def test_category_seed_matches_the_code():
    with open(ROOT / "models" / "seeds" / "incident_categories.csv", encoding="utf-8") as f:
        seeded = {r["category"]: r["category_name_zh"] for r in csv.DictReader(f)}
    assert seeded == CATEGORIES


def test_cell_day_counts_equal_the_landed_rows(demo):
    con, rows, *_ = demo
    got = con.execute(
        "SELECT incident_date_local, h3_res9, category, incident_count, video_detection_count,"
        " citizen_report_count FROM marts.incident_counts_by_cell_day"
    ).fetchall()
    assert {(d, c, k): n for d, c, k, n, _, _ in got} == dict(incidents(rows))
    assert {d for d, *_ in got} == {DAY_1, DAY_2}
    reports = sum(1 for r in rows if r["_topic"] == "reports.citizen")
    assert sum(r[5] for r in got) == reports


def test_cells_carry_centre_and_the_grid_that_holds_it(demo):
    con, *_ = demo
    got = con.execute(
        "SELECT DISTINCT h3_res9, cell_centre_lat, cell_centre_lng, grid_code, street_name"
        " FROM marts.incident_counts_by_cell_day"
    ).fetchall()
    named = 0
    for cell, lat, lng, grid_code, street in got:
        assert (lat, lng) == pytest.approx(h3.cell_to_latlng(cell), abs=1e-12)
        grid = geography.grid_at(lat=lat, lng=lng)
        assert grid_code == (grid.code if grid else None)
        assert street == (grid.street if grid else None)
        named += grid is not None
    assert named > 0.9 * len(got)


def test_local_hours_put_street_vending_in_the_evening(demo):
    con, rows, *_ = demo
    by_hour = dict(
        con.execute(
            "SELECT hour_of_day_local, SUM(incident_count) FROM marts.incident_counts_by_local_hour"
            " WHERE category = 'unlicensed_peddler' GROUP BY 1"
        ).fetchall()
    )
    evening = sum(n for h, n in by_hour.items() if 17 <= h <= 21)
    assert evening > 0.8 * sum(by_hour.values())
    total = con.execute("SELECT SUM(incident_count) FROM marts.incident_counts_by_local_hour")
    assert total.fetchone()[0] == sum(incidents(rows).values())
    assert con.execute(
        "SELECT DISTINCT incident_date_local, day_of_week_local"
        " FROM marts.incident_counts_by_local_hour ORDER BY 1"
    ).fetchall() == [(DAY_1, 3), (DAY_2, 4)]  # a Wednesday and a Thursday


def test_pareto_ranks_categories_by_count_with_cumulative_shares(demo):
    con, rows, *_ = demo
    expected = Counter()
    for (day, _, category), n in incidents(rows).items():
        if day == DAY_1:
            expected[category] += n
    got = con.execute(
        "SELECT category, incident_count, incident_share, cumulative_incident_share,"
        " category_rank, is_vital_few FROM marts.incident_category_pareto_by_period"
        " WHERE period_grain = 'day' AND period_start_date_local = ? ORDER BY category_rank",
        [DAY_1],
    ).fetchall()
    assert {c: n for c, n, *_ in got} == dict(expected)
    assert [r[4] for r in got] == list(range(1, len(got) + 1))
    assert [r[1] for r in got] == sorted(expected.values(), reverse=True)
    total = sum(expected.values())
    running = 0
    for _, n, share, cumulative, _, vital in got:
        assert share == pytest.approx(n / total)
        assert vital == (running < 0.8 * total)
        running += n
        assert cumulative == pytest.approx(running / total)
    assert got[-1][3] == pytest.approx(1.0)


def test_category_trend_compares_with_the_day_before(demo):
    con, rows, *_ = demo
    counts = Counter()
    for (day, _, category), n in incidents(rows).items():
        counts[(day, category)] += n
    got = con.execute(
        "SELECT period_start_date_local, category, incident_count, previous_incident_count,"
        " incident_change_count, incident_change_ratio, has_previous_period"
        " FROM marts.incident_trend_by_category_period WHERE period_grain = 'day'"
    ).fetchall()
    day_2 = {c: r for d, c, *r in got if d == DAY_2}
    for category in {c for _, c in counts}:
        now, before = counts[(DAY_2, category)], counts[(DAY_1, category)]
        n, previous, change, ratio, has_previous = day_2[category]
        assert (n, previous, change, has_previous) == (now, before, now - before, True)
        assert ratio == (pytest.approx((now - before) / before) if before else None)
    assert all(not r[6] for r in got if r[0] == DAY_1)
    week = con.execute(
        "SELECT period_start_date_local, SUM(incident_count), BOOL_AND(is_period_complete)"
        " FROM marts.incident_trend_by_category_period WHERE period_grain = 'week' GROUP BY 1"
    ).fetchall()
    assert week == [(date(2026, 7, 13), sum(counts.values()), False)]


def test_cell_trend_sums_the_categories(demo):
    con, rows, *_ = demo
    counts = Counter()
    for (day, cell, _), n in incidents(rows).items():
        counts[(day, cell)] += n
    got = con.execute(
        "SELECT period_start_date_local, h3_res9, incident_count, previous_incident_count"
        " FROM marts.incident_trend_by_cell_period WHERE period_grain = 'day'"
    ).fetchall()
    last_day = max(d for d, _ in counts)
    keys = {*counts, *((d + timedelta(days=1), c) for d, c in counts if d < last_day)}
    assert {(d, c): (n, p) for d, c, n, p in got} == {
        (day, cell): (counts.get((day, cell), 0), counts.get((day - timedelta(days=1), cell), 0))
        for day, cell in keys
    }


def test_evening_vending_clusters_are_hot_spots_at_99_percent(demo):
    con, _, places, *_ = demo
    for day, place in places:
        cell = h3.latlng_to_cell(place["lat"], place["lng"], 9)
        for category in VENDING:
            row = con.execute(
                "SELECT gi_bin, hot_spot_class, gi_star_fdr_p_value, incident_count"
                " FROM marts.hotspot_gi_star_by_cell_day"
                " WHERE incident_date_local = ? AND category = ? AND h3_res9 = ?",
                [day, category, cell],
            ).fetchone()
            assert row is not None, (day, place["name"], category)
            assert row[:2] == (3, "hot_99"), (day, place["name"], category, row)
    # Gi* marks a neighbourhood: the strongest scores of each day sit on or next to a place
    place_rings = {
        c for _, p in places for c in h3.grid_disk(h3.latlng_to_cell(p["lat"], p["lng"], 9), 1)
    }
    for day in (DAY_1, DAY_2):
        for category in VENDING:
            top = con.execute(
                "SELECT h3_res9 FROM marts.hotspot_gi_star_by_cell_day"
                " WHERE incident_date_local = ? AND category = ?"
                " ORDER BY gi_star_z_score DESC LIMIT 3",
                [day, category],
            ).fetchall()
            assert {c for (c,) in top} <= place_rings, (day, category)


def test_mart_z_scores_equal_esda_on_the_same_day(demo):
    con, rows, _, grids, _ = demo
    day, category = DAY_1, "lane_occupation"
    day_cells = {cell for (d, cell, _) in incidents(rows) if d == day}
    south, west, north, east = load().area_bounds  # the default service area: the demo county's
    county = bounds_cells(south_lat=south, west_lng=west, north_lat=north, east_lng=east, res=9)
    cells = sorted(county | set(grid_of_cells(grids)) | day_cells)
    counts = incidents(rows)
    y = np.array([counts.get((day, c, category), 0) for c in cells], dtype=float)
    position = {c: i for i, c in enumerate(cells)}
    weights = W(
        {
            i: [position[n] for n in h3.grid_disk(c, 1) if n in position and n != c]
            for i, c in enumerate(cells)
        },
        silence_warnings=True,
    )
    expected = G_Local(y, weights, transform="B", star=True, permutations=0).Zs
    got = con.execute(
        "SELECT h3_res9, gi_star_z_score, study_area_cell_count"
        " FROM marts.hotspot_gi_star_by_cell_day"
        " WHERE incident_date_local = ? AND category = ?",
        [day, category],
    ).fetchall()
    assert len(got) > 10
    for cell, z, n in got:
        assert n == len(cells)
        assert z == pytest.approx(expected[position[cell]], abs=1e-9)


def test_emerging_patterns_follow_the_daily_hot_spots(demo):
    con, _, places, *_ = demo
    daily = con.execute(
        "SELECT category, h3_res9, incident_date_local FROM marts.hotspot_gi_star_by_cell_day"
        " WHERE gi_bin >= 2"  # hot at 95 %: the emerging cube's significance
    ).fetchall()
    hot_days: dict = {}
    for category, cell, day in daily:
        hot_days.setdefault((category, cell), set()).add(day)
    got = con.execute(
        "SELECT category, h3_res9, emerging_pattern, hot_step_count, time_step_count,"
        " as_of_date_local FROM marts.emerging_hot_spots_by_cell"
    ).fetchall()
    expected = {  # 28 daily steps, the last two the demo days; none is ever cold here
        frozenset({DAY_2}): "new_hot_spot",
        frozenset({DAY_1, DAY_2}): "consecutive_hot_spot",
        frozenset({DAY_1}): "no_pattern_detected",
        frozenset(): "no_pattern_detected",
    }
    for category, cell, pattern, hot_count, steps, as_of in got:
        days = frozenset(hot_days.get((category, cell), ()))
        assert (pattern, hot_count, steps, as_of) == (expected[days], len(days), 28, DAY_2)
    # the evening vending places are hot on both demo days after 26 quiet ones
    by_key = {(c, cell): p for c, cell, p, *_ in got}
    for _, place in places:
        cell = h3.latlng_to_cell(place["lat"], place["lng"], 9)
        for category in VENDING:
            assert by_key[(category, cell)] == "consecutive_hot_spot"


def permit_hours(time_windows: str) -> set[int]:
    """Local hours a permit's windows (HH:MM-HH:MM, comma-separated; empty: all day) touch."""
    if not time_windows:
        return set(range(24))
    minutes: set[int] = set()
    for window in time_windows.split(","):
        start, end = (int(t[:2]) * 60 + int(t[3:]) for t in window.strip().split("-"))
        minutes |= (
            set(range(start, end)) if start < end else set(range(start, 1440)) | set(range(0, end))
        )
    return {m // 60 for m in minutes}


def test_tidal_parking_suggests_recurring_cell_hours_without_permitted_parking(demo):
    con, rows, _, _, permits = demo
    days: dict = {}
    counts: Counter = Counter()
    for row in rows:
        if row["category"] == "illegal_parking":
            local = row["event_at"].astimezone(LOCAL)
            key = (h3.latlng_to_cell(row["lat"], row["lng"], 9), local.hour)
            days.setdefault(key, set()).add(local.date())
            counts[key] += 1
    permitted: Counter = Counter()
    for permit in permits:
        if permit["permit_type"] == "parking" and permit["status"] == "active":
            cell = h3.latlng_to_cell(permit["lat"], permit["lng"], 9)
            for hour in permit_hours(permit["time_windows"] or ""):
                permitted[(cell, hour)] += 1
    got = con.execute(
        "SELECT h3_res9, hour_of_day_local, illegal_parking_day_count, illegal_parking_count,"
        " permitted_parking_count, is_tidal_parking_suggested, observed_day_count"
        " FROM marts.tidal_parking_suggestions_by_cell_hour"
    ).fetchall()
    assert {(c, h): (d, n, p, o) for c, h, d, n, p, _, o in got} == {
        key: (len(days[key]), counts[key], permitted[key], 2) for key in days
    }
    suggested = {(c, h) for c, h, *_, is_suggested, _ in got if is_suggested}
    assert suggested == {k for k, d in days.items() if len(d) == 2 and not permitted[k]}
    assert len(suggested) >= 3
    # citizens report illegal parking 07-20 local, cameras see it 07-09, 11-13 and 17-19:30
    # (episodes up to 40 min), near the cameras that watch for it: the video-driven
    # suggestions are those cells and hours
    assert {h for _, h in suggested} <= set(range(7, 21))
    watched = {
        cell
        for camera in build(day=DAY_1).cameras
        if "illegal_parking" in camera["categories"]
        for cell in h3.grid_disk(h3.latlng_to_cell(camera["lat"], camera["lng"], 9), 1)
    }
    busy = {(c, h) for c, h in suggested if counts[(c, h)] >= 10}
    assert len(busy) >= 10
    assert {c for c, _ in busy} <= watched
    assert {h for _, h in busy} <= {7, 8, 9, 11, 12, 13, 17, 18, 19, 20}
