"""A short soak in CI: the real broker, worker and sink, at a high rate.

Asserts the memory and table-size bound (never a time): after a one-minute
warm-up, the worker's and sink's RSS grow at most 64 MiB, the broker's at most
256 MiB, every expiring table at most 512 KiB, the case tables at most 8 KiB
per case; and that the figures behind the verdict were really sampled. The
replay starts at the county's 08:00 (00:00 UTC) so that its ~33 event-hours
pass a UTC day's end plus the soak's one-hour retention: the duty desk ends
cases, and the worker retires them and then forgets their tombstones.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

TABLES = {
    "hotspot_counts",
    "flood_stations",
    "vehicles",
    "video_cameras",
    "video_places",
    "cases",
    "case_history",
    "case_dedup",
    "case_retired",
    "case_intake_alerts",
    "case_intake_reports",
}


@pytest.mark.integration
def test_a_short_fast_soak_keeps_memory_and_tables_bounded(tmp_path):
    args = ["soak", "--minutes", "2.5", "--rate-x", "800", "--sample-s", "10", "--start-hour", "8"]
    args += ["--warmup-s", "60", "--home", str(tmp_path / "soak"), "--json"]
    result = CliRunner().invoke(app, args)
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    verdict = doc["verdict"]
    assert result.exit_code == 0, verdict["broken"]
    assert verdict["ok"] and not verdict["broken"]
    samples = doc["samples"]
    assert len(samples) >= 15  # one every 10 s over 150 s
    last = samples[-1]
    assert set(last["rss_mib"]) == {"broker", "worker", "sink"}
    assert all(v is not None and v > 0 for s in samples for v in s["rss_mib"].values())
    assert set(last["table_bytes"]) == TABLES  # the worker's /metrics answered with its tables
    assert set(verdict["table_growth_kib"]) == TABLES
    assert doc["laps"] > 1  # a lap boundary was crossed: ids and windows kept moving
    # windows expire: the hotspot table holds a handful of open windows, not the day's
    assert last["table_keys"]["hotspot_counts"] < 500
    # people worked the cases, and ended cases left the tables (then their tombstones too)
    assert doc["desk"] and doc["desk_commands"] > 100
    counts = last["case_counts"]
    assert counts.get("cases_opened", 0) > 0, counts
    assert counts.get("cases_retired", 0) > 0, counts
    assert counts.get("retired_cases_forgotten", 0) > 0, counts
