"""``citybrain check`` on a real landing: exit status and what it prints."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipelines.cli import app
from tests.expectations.conftest import clean_row


def invoke(root, *args, snapshot=None):
    published = snapshot or root / "no-snapshot.duckdb"
    return CliRunner().invoke(
        app, ["check", "--landing", str(root), "--snapshot", str(published), *args]
    )


def test_a_clean_landing_exits_zero(clean_landing):
    result = invoke(clean_landing)
    assert result.exit_code == 0, result.output
    assert "citybrain check: passed (13 hour partitions, 13 files, 65 rows)" in result.output


def test_planted_bad_rows_exit_one_naming_expectation_file_and_rows(clean_landing, land):
    bad = {**clean_row("gps.fixes", 30), "speed_kmh": 950.0}
    land("gps.fixes", [clean_row("gps.fixes", 31), bad])
    result = invoke(clean_landing)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    fail = next(i for i, line in enumerate(lines) if line.startswith("FAIL "))
    assert lines[fail].startswith("FAIL gps.fixes/date=2026-07-15/hour=02/part-0-65-")
    assert lines[fail + 1] == (
        "  expect_column_values_to_be_between(speed_kmh): speed_kmh is within 0..400 km/h: "
        "1 of 7 rows in the hour: gps.fixes-30"
    )
    assert any(
        line.startswith("citybrain check: 1 failed expectations in 1 files") for line in lines
    )
    assert lines[-1].startswith("citybrain check marts: no published snapshot at ")


def test_json_report_topic_and_range_options(clean_landing, land):
    land("permits", [{**clean_row("permits", 40), "status": "pending"}])
    result = invoke(clean_landing, "--json", "--topic", "permits", "--from", "2026-07-15")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is False
    landing = report["landing"]
    assert (landing["passed"], landing["hour_partitions"], landing["rows"]) == (False, 1, 6)
    assert report["marts"]["hour_partitions"] == 0  # --topic alone checks the landing only
    (failure,) = landing["failures"]
    assert (failure["expectation"], failure["event_ids"]) == (
        "expect_column_values_to_be_in_set",
        ["permits-40"],
    )


def test_nothing_to_check_exits_three_and_bad_options_are_refused(clean_landing):
    assert invoke(clean_landing, "--from", "2030-01-01").exit_code == 3
    assert invoke(clean_landing, "--topic", "hotspot").exit_code == 2  # typer's usage error
    assert invoke(clean_landing, "--mart", "marts.nothing").exit_code == 2
    assert invoke(clean_landing, "--to", "yesterday").exit_code == 2


def test_the_marts_of_a_published_snapshot_are_checked_with_the_landing(clean_landing):
    from tests.expectations.test_mart_check import clean_marts, publish

    marts = clean_marts()
    marts["marts.vehicle_latest_positions"][0]["vehicle_type"] = "tank"
    snapshot = publish(clean_landing / "published.duckdb", marts)
    result = invoke(clean_landing, snapshot=snapshot)
    assert result.exit_code == 1, result.output
    assert "citybrain check: passed (13 hour partitions, 13 files, 65 rows)" in result.output
    assert "FAIL published.duckdb:marts.vehicle_latest_positions" in result.output
    assert "1 of 2 rows checked: vehicle_id=V01" in result.output
    only = invoke(clean_landing, "--scope", "marts", "--json", snapshot=snapshot)
    report = json.loads(only.stdout)
    assert (only.exit_code, report["landing"]["hour_partitions"]) == (1, 0)
    assert [f["topic"] for f in report["marts"]["failures"]] == ["marts.vehicle_latest_positions"]
