"""The mart suites over a real published snapshot file: clean marts pass, planted rows are named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from expectations.findings import render
from expectations.mart_check import check_marts, parameters
from expectations.marts import CHECKED_MARTS, mart_module
from tests.expectations.conftest import AREA

NOW_AT = datetime(2026, 7, 16, 2, tzinfo=UTC)  # 10:00 on 2026-07-16 in Asia/Shanghai
DAY = date(2026, 7, 15)
CELL = "89309a42cabffff"
AT = datetime(2026, 7, 15, 3, 0)  # naive UTC, as the marts hold times


def clean_marts() -> dict[str, list[dict]]:
    """Two plausible rows of every checked mart (the columns the suites read)."""
    place = {"cell_centre_lat": 30.25, "cell_centre_lng": 120.15, "grid_code": "33019900400202"}
    return {
        "marts.incident_counts_by_cell_day": [
            {
                "incident_date_local": DAY,
                "h3_res9": CELL,
                "h3_res8": "88309a42cbfffff",
                "h3_res7": "87309a42cffffff",
                **place,
                "category": category,
                "category_name_zh": name,
                "incident_count": 3,
            }
            for category, name in (("illegal_parking", "违章停车"), ("exposed_garbage", "暴露垃圾"))
        ],
        "marts.hotspot_gi_star_by_cell_day": [
            {
                "incident_date_local": DAY,
                "category": "lane_occupation",
                "h3_res9": cell,
                **place,
                "ring_cell_count": 7,
                "study_area_cell_count": 120,
                "gi_star_z_score": z,
                "gi_star_p_value": p,
                "gi_star_fdr_p_value": q,
                "hot_spot_class": klass,
            }
            for cell, z, p, q, klass in (
                (CELL, 4.2, 2.7e-5, 1.6e-3, "hot_99"),
                ("89309a42cb3ffff", 0.3, 0.76, 0.91, "not_significant"),
            )
        ],
        "marts.case_state_by_case": [
            {
                "case_id": f"case-{i:020x}",
                "category": "illegal_parking",
                "source": source,
                "grid_code": "33019900400202",
                "lat": 30.2521,
                "lng": 120.1705,
                "reported_at": AT,
                "first_dispatched_at": AT.replace(hour=4),
                "department_dispatched_at": AT.replace(hour=4),
                "last_dispatched_at": AT.replace(hour=4),
                "last_handled_at": AT.replace(hour=5),
                "handling_deadline_at": AT.replace(hour=8),
                "closed_at": AT.replace(hour=6),
                "updated_at": AT.replace(hour=6),
            }
            for i, source in enumerate(("citizen", "video"))
        ],
        "marts.flood_station_readings_by_5min": [
            {
                "station_id": "0010100001",
                "bucket_start_at": AT.replace(minute=m),
                "rainfall_mm": 4.5,
                "water_level_last_m": 3.1,
                "waterlogging_depth_max_m": 0.22,
                "lat": 30.25,
                "lng": 120.15,
            }
            for m in (0, 5)
        ],
        "marts.vehicle_latest_positions": [
            {
                "vehicle_id": vehicle_id,
                "plate": plate,
                "vehicle_type": kind,
                "fixed_at": AT,
                "lat": 30.26,
                "lng": 120.16,
                "heading_deg": 90.0,
                "h3_res9": CELL,
            }
            for vehicle_id, plate, kind in (
                ("V01", "浙A12345", "muck_truck"),
                ("V02", "浙A00002", "sanitation"),
            )
        ],
    }


def publish(path, marts: dict[str, list[dict]]):
    """Write the marts as tables of a DuckDB file, as the publish step does."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        for name, rows in marts.items():
            frame = pd.DataFrame(rows)  # noqa: F841 (read by DuckDB below)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    finally:
        con.close()
    return path


def run(path, **options):
    return check_marts(path, area_bounds=AREA, now_at=NOW_AT, **options)


def test_clean_marts_pass(tmp_path):
    result = run(publish(tmp_path / "published.duckdb", clean_marts()))
    assert result.findings == []
    assert (result.batches, result.rows) == (len(CHECKED_MARTS), 2 * len(CHECKED_MARTS))


# (mart, row index, change, description of the expectation that must fail, key of the row)
PLANTED = [
    (
        "marts.incident_counts_by_cell_day",
        {"cell_centre_lat": 31.4},
        "cell_centre_lat of the cell centre is inside the county (deg, WGS-84)",
    ),
    (
        "marts.incident_counts_by_cell_day",
        {"incident_date_local": date(2026, 7, 17)},
        "incident_date_local (local day) is not after today",
    ),
    (
        "marts.incident_counts_by_cell_day",
        {"category_name_zh": None},
        "category_name_zh is present (the categories seed names the category)",
    ),
    (
        "marts.hotspot_gi_star_by_cell_day",
        {"gi_star_fdr_p_value": 1e-6},
        "gi_star_fdr_p_value is not before gi_star_p_value",
    ),
    ("marts.hotspot_gi_star_by_cell_day", {"gi_star_p_value": 1.5}, None),
    (
        "marts.case_state_by_case",
        {"first_dispatched_at": datetime(2026, 7, 15, 1)},
        "first_dispatched_at is not before reported_at",
    ),
    ("marts.case_state_by_case", {"source": "rumour"}, "source is a known case source"),
    (
        "marts.flood_station_readings_by_5min",
        {"rainfall_mm": 450.0},
        "rainfall_mm is within 0..80 mm per 5 min",
    ),
    (
        "marts.flood_station_readings_by_5min",
        {"bucket_start_at": datetime(2026, 7, 16, 9)},
        "bucket_start_at (UTC) is not in the future",
    ),
    (
        "marts.vehicle_latest_positions",
        {"vehicle_type": "tank"},
        "vehicle_type is a known vehicle type",
    ),
    (
        "marts.vehicle_latest_positions",
        {"plate": None},
        "plate is present (the vehicle is in the registry)",
    ),
]


@pytest.mark.parametrize(("mart", "change", "description"), PLANTED)
def test_each_mart_suite_names_the_planted_row(tmp_path, mart, change, description):
    marts = clean_marts()
    marts[mart][1] = {**marts[mart][1], **change}
    findings = run(publish(tmp_path / "published.duckdb", marts)).findings
    module = mart_module(mart)
    key = ", ".join(f"{c}={marts[mart][1][c]}" for c in module.KEY_COLUMNS)
    assert {f.topic for f in findings} == {mart}
    if description is not None:
        assert {f.description for f in findings} == {description}
    else:  # a p of 1.5 is no probability, and its FDR value is now below it
        assert {f.description for f in findings} == {
            "gi_star_p_value is a probability",
            "gi_star_fdr_p_value is not before gi_star_p_value",
        }
    assert {f.event_ids for f in findings} == {(key,)}
    assert {f.file for f in findings} == {f"published.duckdb:{mart}"}


def test_the_grid_share_fails_only_when_most_rows_are_outside_the_grids(tmp_path):
    marts = clean_marts()
    rows = marts["marts.incident_counts_by_cell_day"]
    rows[0] = {**rows[0], "grid_code": None}
    findings = run(publish(tmp_path / "published.duckdb", marts)).findings
    (finding,) = findings
    assert finding.description == "at least 90% of rows lie in a unit grid"
    assert finding.unexpected_rows == 1


def test_the_time_range_selects_rows_and_a_missing_snapshot_checks_nothing(tmp_path):
    path = publish(tmp_path / "published.duckdb", clean_marts())
    assert run(path, from_date=date(2026, 7, 16)).batches == 0
    assert run(path, to_date=DAY, marts=("marts.case_state_by_case",)).rows == 2
    assert run(tmp_path / "absent.duckdb").batches == 0


def test_the_report_names_the_mart_and_rows_checked(tmp_path):
    marts = clean_marts()
    marts["marts.case_state_by_case"][0]["source"] = "rumour"
    result = run(publish(tmp_path / "published.duckdb", marts))
    text = render(result.findings, batches=result.batches, files=result.files, rows=result.rows)
    assert "FAIL published.duckdb:marts.case_state_by_case" in text
    assert "1 of 2 rows checked: case_id=case-00000000000000000000" in text


def test_parameters_compare_naive_utc_and_the_local_day():
    found = parameters(area_bounds=AREA, now_at=NOW_AT, clock_skew_s=300)
    assert found["latest_utc_at"] == pd.Timestamp("2026-07-16 02:05:00")
    assert found["latest_local_day"] == pd.Timestamp("2026-07-16")
