"""Land a small fixture of case events and a flood storm, plan the SQLMesh project, read the marts.

The case figures are computed by hand in ``test_case_models.yaml`` (the same seven cases);
here they come out of the whole pipeline: sink parsing → Parquet landing → staging → marts,
with the audits of every model run by the plan.
"""

from datetime import timedelta

import duckdb
import pytest

from citybrain.contracts import encode_row
from streams.cases.engine import command_of
from streams.cases.lifecycle import apply
from streams.intake.validate import RawMessage
from tests.models.marts_landing import (
    DEPTHS_M,
    T0,
    case_events,
    land,
    plan_project,
    storm,
)


def test_the_fixture_follows_the_case_lifecycle():
    cases: dict[str, dict | None] = {}
    for event in case_events():
        result = apply(cases.get(event["case_id"]), command_of(event))
        assert isinstance(result, tuple), (event["event_id"], result)
        cases[event["case_id"]], replayed = result
        assert replayed == {k: v for k, v in event.items() if k != "deadline_at"}


def test_the_flood_watch_issues_raises_and_cancels_during_the_storm():
    _, alerts = storm()
    assert [(a["msg_type"], a["level"], a["event_at"]) for a in alerts] == [
        ("Alert", "yellow", "2026-07-15T06:05:00.000Z"),
        ("Update", "red", "2026-07-15T06:10:00.000Z"),
        ("Cancel", "none", "2026-07-15T06:40:00.000Z"),
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    home = tmp_path_factory.mktemp("citybrain-home")
    readings, alerts = storm()
    messages = [
        RawMessage("cases.events", 0, offset, 0, encode_row(event))
        for offset, event in enumerate(case_events())
    ]
    messages += [
        RawMessage("hydro.readings", 0, offset, 0, encode_row(row))
        for offset, row in enumerate(readings)
    ]
    messages += [
        RawMessage("alerts", 1, offset, 0, encode_row(doc)) for offset, doc in enumerate(alerts)
    ]
    land(home / "landing", messages)
    con = plan_project(home)
    yield con
    con.close()


def test_case_state_folds_the_landed_events(warehouse):
    rows = warehouse.execute(
        "SELECT case_id, state, department_id, is_held_by_department, is_handled_on_time,"
        " rework_count, return_count, postponement_count, category"
        " FROM marts.case_state_by_case ORDER BY case_id"
    ).fetchall()
    assert rows == [
        ("c1", "closed", "E01", True, True, 0, 0, 0, "exposed_garbage"),
        ("c2", "closed", "E01", True, False, 1, 0, 0, "illegal_parking"),
        ("c3", "dispatched", "E01", True, None, 0, 0, 0, "piled_materials"),
        ("c4", "closed", "E02", True, True, 0, 1, 1, "lane_occupation"),
        ("c5", "handled", "E02", True, True, 0, 0, 0, "noise"),
        ("c6", "returned", "E01", False, None, 0, 1, 0, "exposed_garbage"),
        ("c7", "cancelled", None, False, None, 0, 0, 0, "street_drying"),
    ]


def test_department_evaluation_by_day_matches_hand_figures(warehouse):
    rows = warehouse.execute(
        "SELECT department_id, dispatch_date::TEXT, cases_dispatched, cases_handled_on_time,"
        " cases_reworked, cases_closed, on_time_handling_rate, rework_rate, closure_rate,"
        " composite_index FROM marts.case_evaluation_by_department_day ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        ("E01", "2026-07-15", 3, 1, 1, 2, 0.3333, 0.3333, 0.6667, 60.0),
        ("E02", "2026-07-15", 1, 1, 0, 1, 1.0, 0.0, 1.0, 100.0),
        ("E02", "2026-07-16", 1, 1, 0, 0, 1.0, 0.0, 0.0, 70.0),
    ]


def test_department_evaluation_by_month_matches_hand_figures(warehouse):
    rows = warehouse.execute(
        "SELECT department_id, dispatch_month::TEXT, cases_dispatched, cases_handled_on_time,"
        " cases_reworked, cases_closed, closure_rate, composite_index"
        " FROM marts.case_evaluation_by_department_month ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("E01", "2026-07-01", 3, 1, 1, 2, 0.6667, 60.0),
        ("E02", "2026-07-01", 2, 2, 0, 1, 0.5, 85.0),
    ]


def test_flood_buckets_carry_the_level_in_force(warehouse):
    rows = warehouse.execute(
        "SELECT strftime(bucket_start_at, '%H:%M'), waterlogging_depth_max_m, max_alert_level"
        " FROM marts.flood_station_readings_by_5min"
        " WHERE station_id = '0010100001' ORDER BY bucket_start_at"
    ).fetchall()
    # yellow from 06:05, red from 06:10, cancelled at 06:40 (a level ends where the next begins)
    expected_levels = ["none", "yellow"] + ["red"] * 6 + ["none"] * 7
    assert [(minute, level) for minute, _, level in rows] == [
        ((T0 + timedelta(minutes=5 * i)).strftime("%H:%M"), level)
        for i, level in enumerate(expected_levels)
    ]
    assert [depth for _, depth, _ in rows] == DEPTHS_M
