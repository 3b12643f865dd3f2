"""The demo county's vehicles through the landing and SQLMesh: the vehicle marts on real volumes.

GPS fixes of the demo day (scale 0.25: a fix every two minutes) and the alerts
the vehicles core raises on them are landed as the sink lands them; the
vehicles reference table is written where the workers read it; then the
project is planned. Each mart is checked against a direct Python computation.
"""

from collections import defaultdict

import pytest

from citybrain.contracts import decode, encode_row, gps
from citybrain.geo import latlng_to_cell
from citybrain.reference import write_tables
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.clock import LOCAL
from streams.intake.validate import RawMessage
from streams.vehicles.fleet import Fleet
from streams.vehicles.tracks import Fix, build_track
from tests.models.marts_landing import land, plan_project
from warehouse.patrol import coverage_rows
from warehouse.reference import route_cells


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("citybrain-home")
    scenario = build(scale=0.25)
    rows = [
        decode(gps.TOPIC, m.value) for m in scenario.messages if m.topic == gps.TOPIC and m.valid
    ]
    fleet = Fleet(vehicles=scenario.vehicles, permits=scenario.permits, zones=scenario.zones)
    _, alerts, _ = fleet.replay(rows)
    messages = [
        RawMessage(gps.TOPIC, 0, offset, 0, encode_row(row)) for offset, row in enumerate(rows)
    ]
    messages += [RawMessage("alerts", 0, o, 0, encode_row(doc)) for o, doc in enumerate(alerts)]
    land(home / "landing", messages)
    write_tables(
        home / "citybrain" / "reference", {"vehicles": scenario.vehicles, "grids": scenario.grids}
    )
    con = plan_project(home, CITYBRAIN_REFERENCE_DIR=str(home / "citybrain" / "reference"))
    yield scenario, rows, alerts, con
    con.close()


def test_latest_positions_are_every_vehicles_last_fix(demo):
    scenario, rows, _, con = demo
    last = {}
    for row in sorted(rows, key=lambda r: r["event_at"]):
        last[row["vehicle_id"]] = row
    got = con.execute(
        "SELECT vehicle_id, fix_id, vehicle_type, department, company"
        " FROM marts.vehicle_latest_positions"
    ).fetchall()
    kinds = {v["vehicle_id"]: v["vehicle_type"] for v in scenario.vehicles}
    assert {g[0]: (g[1], g[2]) for g in got} == {
        v: (r["event_id"], kinds[v]) for v, r in last.items()
    }
    assert all((g[2] == "muck_truck") == (g[4] is not None and g[3] is None) for g in got)


def test_daily_distance_and_fix_counts_match_the_python_tracks(demo):
    _, rows, _, con = demo
    days = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["event_at"]):
        day = row["event_at"].astimezone(LOCAL).date()
        days[(row["vehicle_id"], day)].append(
            Fix(at_s=row["event_at"].timestamp(), lat=row["lat"], lng=row["lng"])
        )
    got = {
        (v, d): (km, n)
        for v, d, km, n in con.execute(
            "SELECT vehicle_id, track_date, distance_km, fix_count FROM marts.vehicle_tracks_by_day"
        ).fetchall()
    }
    assert set(got) == set(days)
    for key, fixes in days.items():
        km, n = got[key]
        assert n == len(fixes)
        assert km == pytest.approx(build_track(fixes).distance_m / 1000, abs=0.001)
    assert sum(km for km, _ in got.values()) > 100  # a working day of 28 vehicles


def test_muck_violations_are_the_alerts_once_each(demo):
    _, _, alerts, con = demo
    got = con.execute(
        "SELECT alert_id, violation_rule, company FROM marts.muck_truck_violations ORDER BY 1"
    ).fetchall()
    assert [(a, r) for a, r, _ in got] == sorted((a["alert_id"], a["level"]) for a in alerts)
    assert len(got) == 3 and all(company for _, _, company in got)
    per_company = con.execute(
        "SELECT SUM(violation_count) FROM marts.muck_truck_violations_by_company_day"
    ).fetchone()
    assert per_company == (3,)


def test_sanitation_vehicles_cover_most_of_their_route_cells(demo):
    scenario, rows, _, con = demo
    got = con.execute(
        "SELECT vehicle_id, assigned_cell_count, covered_cell_count, coverage_ratio"
        " FROM marts.sanitation_coverage_by_vehicle_day"
    ).fetchall()
    sweepers = {v["vehicle_id"]: v for v in scenario.vehicles if v["vehicle_type"] == "sanitation"}
    assert {g[0] for g in got} == set(sweepers)
    for vehicle_id, assigned, covered, ratio in got:
        cells = set(route_cells(sweepers[vehicle_id]["route_wkt"]))
        visited = {
            latlng_to_cell(lat=r["lat"], lng=r["lng"])
            for r in rows
            if r["vehicle_id"] == vehicle_id
        }
        assert (assigned, covered) == (len(cells), len(cells & visited))
        assert ratio == pytest.approx(covered / assigned)
        assert ratio > 0.5  # the sweepers drive their own routes all shift


def test_patrol_coverage_is_the_pure_computation_per_shift(demo):
    scenario, rows, _, con = demo
    got = con.execute(
        "SELECT vehicle_id, shift_date, shift, plate, department, assigned_grid_count,"
        " covered_grid_count, coverage_ratio, visited_grid_count"
        " FROM marts.patrol_coverage_by_vehicle_shift ORDER BY vehicle_id, shift_date, shift"
    ).fetchall()
    expected = coverage_rows(
        ((r["vehicle_id"], r["event_at"], r["lat"], r["lng"]) for r in rows),
        vehicles=scenario.vehicles,
        grids=scenario.grids,
    )
    plates = {v["vehicle_id"]: v["plate"] for v in scenario.vehicles}
    assert got == [
        (
            e["vehicle_id"],
            e["shift_date"],
            e["shift"],
            plates[e["vehicle_id"]],
            "综合执法局",
            e["assigned_grid_count"],
            e["covered_grid_count"],
            pytest.approx(e["coverage_ratio"]),
            e["visited_grid_count"],
        )
        for e in expected
    ]
    assert {shift for _, _, shift, *_ in got} == {"day", "evening"}


def test_the_demo_sweepers_keep_to_the_sweeping_limit(demo):
    scenario, rows, _, con = demo
    sweepers = {v["vehicle_id"] for v in scenario.vehicles if v["vehicle_type"] == "sanitation"}
    assert max(r["speed_kmh"] for r in rows if r["vehicle_id"] in sweepers) < 15.0
    assert con.execute("SELECT COUNT(*) FROM marts.sweeper_speeding_violations").fetchone() == (0,)
