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
