"""The suites over a real landing: clean data passes, planted bad rows are named.

One GX context serves the whole session (``checkpoint.context`` is cached).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from expectations import CHECKED_TOPICS
from expectations.checkpoint import check
from tests.expectations.conftest import AREA, HOUR_AT, NOW_AT, any_row, clean_row, plant
from warehouse.landing import hour_dir, to_table, write_atomically


def run(root, **options):
    return check(root, area_bounds=AREA, now_at=NOW_AT, **options)


def test_a_clean_landing_of_every_topic_passes(clean_landing):
    result = run(clean_landing)
    assert result.findings == []
    n = len(CHECKED_TOPICS)  # 5 sources, 3 derived topics, 5 dead-letter topics
    assert (n, result.batches, result.files, result.rows) == (13, 13, 13, 65)


def test_planted_bad_rows_are_named_with_expectation_file_and_event_ids(clean_landing, land):
    bad = [clean_row("reports.citizen", i) for i in (10, 11, 12)]
    bad[0]["lat"] = 31.9  # outside the county
    bad[2]["lat"] = 29.0
    bad[1]["category"] = "ufo_sighting"
    land("reports.citizen", bad)
    result = run(clean_landing, topics=("reports.citizen",))
    by_what = {(f.column, f.description): f for f in result.findings}
    lat = by_what[("lat", "lat (deg, WGS-84) is inside the service area")]
    assert lat.expectation == "expect_column_values_to_be_between"
    assert lat.file.startswith("reports.citizen/date=2026-07-15/hour=02/part-0-65-")
    assert lat.hour_path == "reports.citizen/date=2026-07-15/hour=02"
    assert (lat.unexpected_rows, lat.batch_rows) == (2, 8)
    assert sorted(lat.event_ids) == ["reports.citizen-10", "reports.citizen-12"]
    category = by_what[("category", "category is a known citybrain report category")]
    assert category.event_ids == ("reports.citizen-11",)
    assert category.file == lat.file
    assert len(result.findings) == 2  # the clean file and the other expectations are quiet


def at(minutes: int) -> datetime:
    return HOUR_AT + timedelta(minutes=minutes)


# (topic, change to a clean row, description of the expectation that must fail)
PLANTED = [
    ("gps.fixes", {"speed_kmh": 950.0}, "speed_kmh is within 0..400 km/h"),
    (
        "gps.fixes",
        {"heading_deg": -3.0},
        "heading_deg is within 0..360 degrees clockwise from north",
    ),
    ("gps.fixes", {"vehicle_id": None}, "vehicle_id is present"),
    ("gps.fixes", {"lng": 121.5}, "lng (deg, WGS-84) is inside the service area"),
    ("hydro.readings", {"value": 900.0}, "value of rain_period_mm is within 0..500 mm"),
    ("hydro.readings", {"unit": "m"}, "unit is the element's unit"),
    (
        "hydro.readings",
        {"element": "snow_cm"},
        {"element is a known hydrological element", "unit is the element's unit"},
    ),
    ("hydro.readings", {"period_s": None}, "period_s is present on period rainfall"),
    ("permits", {"status": "pending"}, "status is a known permit status"),
    ("permits", {"valid_to": at(-30 * 24 * 60)}, "valid_to (UTC) is not before valid_from"),
    ("permits", {"time_windows": "late evening"}, "time_windows are local HH:MM-HH:MM ranges"),
    ("detections.video", {"confidence": 1.7}, "confidence is within 0..1 probability"),
    ("detections.video", {"bbox_right_px": 1}, "bbox_right_px >= bbox_left_px"),
    (
        "detections.video",
        {"category": "jaywalking"},
        "category is a known citybrain video category (or none)",
    ),
    ("detections.video", {"event_type": "flying"}, "event_type is a known DeepStream event type"),
    ("reports.citizen", {"channel": "fax"}, "channel is a known report channel"),
    ("hotspots", {"event_count": 0}, "a landed window counted at least one event"),
    (
        "hotspots",
        {"window_end_at": at(-5)},
        "window_end_at (UTC) is after window_start_at",
    ),
    ("hotspots", {"source_topic": "permits.rejected"}, "source_topic is a known source topic"),
    ("alerts", {"severity": "Catastrophic"}, "severity is a known CAP 1.2 severity"),
    (
        "alerts",
        {"sent_at": at(-30)},
        "sent_at (UTC) is not before the observation it rests on (event_at)",
    ),
    ("alerts", {"details_json": "{station"}, "details_json is a JSON document"),
    ("cases.events", {"command": "shred"}, "command is a known case command"),
    ("cases.events", {"to_state": "lost"}, "to_state is a known case state"),
    ("cases.events", {"version": 0}, "version counts from 1"),
    (
        "cases.events",
        {"command": "dispatch", "to_state": "dispatched", "deadline_at": at(-60)},
        "a dispatch's deadline_at (UTC) is after the dispatch",
    ),
    ("cases.events", {"case_id": "../../etc"}, "case_id is an id the case API can address"),
    (
        "gps.fixes.rejected",
        {"source_topic": "permits"},
        "source_topic is a known source of gps.fixes.rejected",
    ),
    ("permits.rejected", {"reason": ""}, "reason says why it was rejected"),
    (
        "reports.citizen.rejected",
        {"raw_base64": "not base64!"},
        "raw_base64 holds the original bytes as base64",
    ),
]


@pytest.mark.parametrize(("topic", "change", "description"), PLANTED)
def test_each_suite_names_the_planted_defect(tmp_path, land, topic, change, description):
    row = {**any_row(topic, 7), **change}
    land(topic, [any_row(topic, 1), row])
    findings = run(tmp_path, topics=(topic,)).findings
    expected = description if isinstance(description, set) else {description}
    assert {f.description for f in findings} == expected
    assert {f.event_ids for f in findings} == {(f"{topic}-7",)}


def test_a_row_without_event_id_is_counted_and_shown_by_its_absence(tmp_path):
    rows = [clean_row("reports.citizen", 1), {**clean_row("reports.citizen", 2), "event_id": None}]
    plant(tmp_path, "reports.citizen", rows, name="part-0-0-noid.parquet")
    (finding,) = run(tmp_path).findings
    assert finding.description == "event_id is present"
    assert finding.file == "reports.citizen/date=2026-07-15/hour=02/part-0-0-noid.parquet"
    assert (finding.unexpected_rows, finding.event_ids) == (1, ("<no event_id>",))


def test_future_events_and_duplicate_ids_fail(tmp_path, land):
    future = HOUR_AT + timedelta(days=400)
    rows = [clean_row("gps.fixes", 1), {**clean_row("gps.fixes", 2), "event_at": future}]
    land("gps.fixes", rows)
    land("gps.fixes", [clean_row("gps.fixes", 1)])  # a second file, same hour: writer skips it
    result = run(tmp_path, topics=("gps.fixes",))
    (finding,) = result.findings
    assert finding.description.startswith("event_at (UTC) is not in the future")
    assert finding.file.startswith("gps.fixes/date=2027-08-19/hour=02/")
    assert finding.event_ids == ("gps.fixes-2",)


def test_rows_in_the_wrong_hour_partition_and_duplicated_ids_fail(tmp_path):
    later = [clean_row("reports.citizen", 181), clean_row("reports.citizen", 182)]  # 05:01, 05:02
    plant(tmp_path, "reports.citizen", later, name="part-0-0-copied.parquet")
    plant(tmp_path, "reports.citizen", later, name="part-0-2-again.parquet")
    findings = run(tmp_path).findings
    assert {f.description for f in findings} == {
        "event_at (UTC) lies in the hour partition holding the row",
        "event_id is unique in its hour partition",
    }
    assert {f.file for f in findings} == {
        "reports.citizen/date=2026-07-15/hour=02/part-0-0-copied.parquet",
        "reports.citizen/date=2026-07-15/hour=02/part-0-2-again.parquet",
    }


def test_topic_and_date_range_select_the_hour_partitions(clean_landing, land):
    late = [{**clean_row("permits", 9), "status": "pending", "event_at": at(3 * 24 * 60)}]
    land("permits", late)
    assert run(clean_landing, topics=("permits",), to_date=date(2026, 7, 17)).findings == []
    result = run(clean_landing, from_date=date(2026, 7, 18), to_date=date(2026, 7, 18))
    assert (result.batches, result.rows) == (1, 1)
    assert {f.hour_path for f in result.findings} == {"permits/date=2026-07-18/hour=02"}


def test_a_file_missing_a_column_fails_the_schema_expectation(tmp_path):
    row = clean_row("hydro.readings", 1)
    table = to_table("hydro.readings", [row], partitions=[0], offsets=[0], landed_at=NOW_AT)
    path = hour_dir(tmp_path, "hydro.readings", HOUR_AT) / "part-0-0-old.parquet"
    write_atomically(table.drop_columns(["unit"]), path)
    findings = run(tmp_path).findings
    schema = [f for f in findings if f.expectation == "expect_table_columns_to_match_set"]
    assert [(f.description, f.file) for f in schema] == [
        ("columns are the landing schema of hydro.readings", None)  # the partition, not rows
    ]
    assert schema[0].hour_path == "hydro.readings/date=2026-07-15/hour=02"


def test_every_landed_topic_has_a_suite_module_naming_its_topic():
    from expectations import DEAD_LETTER_TOPICS, suite, suite_module
    from streams.sink.agents import LANDED_TOPICS

    assert set(CHECKED_TOPICS) == set(LANDED_TOPICS)
    for topic in CHECKED_TOPICS:
        module = suite_module(topic)
        assert topic in module.TOPICS if topic in DEAD_LETTER_TOPICS else topic == module.TOPIC
        assert suite(topic).name == f"landing.{topic}"
