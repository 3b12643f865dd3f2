"""The benchmarks run end to end on a tiny load (figures are not asserted: they are measured)."""

import asyncio
from dataclasses import replace

import pytest

from pipelines.bench import hotspots, jt808


@pytest.mark.integration
def test_hotspot_bench_reports_all_figures(settings_env):
    result = asyncio.run(hotspots.bench(replace(settings_env, app_id="bench-test"), n_events=3_000))
    for key in (
        "naive_events_per_s",
        "hotspot_events_per_s",
        "ratio",
        "faust_take_events_ceiling_per_s",
    ):
        assert result[key] > 0, key


@pytest.mark.integration
def test_jt808_bench_reports_all_figures(kafka):
    result = jt808.bench(
        kafka.bootstrap, frames_count=2_000, terminals=20, fixes_each=5, hold_terminals=300
    )
    assert result["fixes"] == 100
    # every terminal of the fleet was connected at the same moment, and each fix got through
    assert result["held_concurrently"] == 300
    assert (result["fixes_while_held"], result["refused_connections"]) == (300, 0)
    for key in (
        "parse_frames_per_s",
        "delivered_fixes_per_s",
        "parse_ratio_to_baseline",
        "deliver_ratio_to_baseline",
    ):
        assert result[key] > 0, key


def test_vehicles_bench_agrees_with_the_naive_scan():
    from pipelines.bench import vehicles

    result = vehicles.bench(corridors=50, n_fixes=2_000, naive_fixes=500, trucks=50, batch=500)
    assert result["agrees_with_naive"] is True
    assert 0.1 < result["off_route_share"] < 0.3  # a fifth are shifted off their corridor
    assert result["core_alerts"] > 0
    assert {"indexed_fixes_per_s", "naive_fixes_per_s", "ratio", "core_fixes_per_s"} <= set(result)


def test_video_bench_agrees_with_the_naive_baseline_and_alerts():
    from pipelines.bench import video

    result = video.bench(cameras=10, objects=6, n_messages=12_000, naive_messages=6_000)
    assert result["agrees_with_naive"] is True
    assert result["alerts"] > 0 and result["legal"] >= 0
    assert {"rules_messages_per_s", "naive_messages_per_s", "ratio"} <= set(result)
    assert result["rules_messages_per_s"] > 0


def test_marts_bench_times_every_dashboard_query_and_agrees_with_the_raw_table():
    from pipelines.bench import marts

    result = marts.bench(incidents=20_000, days=60, repeats=2, rings=4)
    assert result["cases"] == result["table_rows"]["raw.incidents"] == 20_000
    names = [q.name for q in marts.queries(days=60)]
    assert list(result["queries"]) == names and len(names) >= 10
    for name, query in result["queries"].items():
        assert query["agrees_with_baseline"] is True, name
        assert query["rows"] > 0, name
        assert query["p95_ms"] > 0 and query["baseline_p95_ms"] > 0, name
        assert isinstance(query["meets_target"], bool), name
    assert result["all_agree_with_baseline"] is True
    assert result["target_p95_ms"] == 300.0
    assert result["max_p95_ms"] == max(q["p95_ms"] for q in result["queries"].values())


def test_marts_bench_reads_the_dashboards_dataset_sql():
    from pipelines.bench import marts

    superset_sql = marts.dataset_sql("hotspot_incidents_by_cell_hour")
    assert "FROM marts.hotspot_counts_by_cell_hour" in superset_sql
    assert any(superset_sql in q.sql for q in marts.queries(days=365))


def test_p95_and_row_comparison():
    from pipelines.bench.marts import p95_ms, same_rows

    assert p95_ms([float(v) for v in range(1, 21)]) == 19.05
    assert p95_ms([7.0]) == 7.0
    assert same_rows([(1, 0.1 + 0.2)], [(1, 0.3)])
    assert not same_rows([(1, 2)], [(1, 3)])
