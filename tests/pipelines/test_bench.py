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
    result = jt808.bench(kafka.bootstrap, frames_count=2_000, terminals=20, fixes_each=5)
    assert result["fixes"] == 100
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
