from dataclasses import replace

from pipelines.soak.verdict import Bound, Sample, growth, judge

BOUND = Bound(warmup_s=60, rss_growth_mib={"worker": 64.0, "sink": 64.0}, table_growth_kib=512.0)


def series(worker: list[float], table_kib: list[float] | None = None) -> list[Sample]:
    table_kib = table_kib or [10.0] * len(worker)
    return [
        Sample(
            t_s=30.0 * i,
            messages=1000 * i,
            rss_mib={"worker": w, "sink": 100.0},
            table_bytes={"hotspot_counts": int(kib * 1024)},
        )
        for i, (w, kib) in enumerate(zip(worker, table_kib, strict=True))
    ]


def test_growth_is_the_difference_of_edge_medians():
    assert growth([100, 300, 110, 120, 130, 500, 140, 135]) == 140 - 110  # spikes do not decide
    assert growth([5.0]) == 0.0


def test_a_process_that_levels_off_after_warm_up_keeps_the_bound():
    verdict = judge(series([90, 150, 200, 205, 198, 210, 206, 204]), BOUND)
    assert verdict.ok, verdict.broken
    assert verdict.rss_growth_mib == {"sink": 0.0, "worker": 6.0}  # the warm-up climb is not judged


def test_a_process_that_keeps_growing_breaks_the_bound():
    verdict = judge(series([100 + 20 * i for i in range(10)]), BOUND)
    assert not verdict.ok
    assert verdict.broken == ["worker RSS grew 100.0 MiB after warm-up (bound 64)"]


def test_a_table_that_keeps_every_event_breaks_the_bound():
    verdict = judge(series([100.0] * 8, [200.0 * i for i in range(8)]), BOUND)
    assert verdict.table_growth_kib == {"hotspot_counts": 600.0}
    assert verdict.broken == ["table hotspot_counts grew 600.0 KiB after warm-up (bound 512)"]


def case_series(kib_per_case: float) -> list[Sample]:
    return [
        Sample(
            t_s=30.0 * i,
            messages=1000 * i,
            rss_mib={"worker": 100.0, "sink": 100.0},
            table_keys={"cases": 100 * i, "case_history": 100 * i},
            table_bytes={
                "cases": 1024 * 100 * i,
                "case_history": int(1024 * kib_per_case * 100 * i),
            },
        )
        for i in range(8)
    ]


def test_case_tables_may_grow_with_cases_but_not_beyond_their_size_per_case():
    verdict = judge(case_series(3.0), BOUND)
    assert verdict.ok, verdict.broken
    assert verdict.case_kib == {"case_history": 3.0, "cases": 1.0}
    verdict = judge(case_series(20.0), BOUND)
    assert verdict.broken == ["table case_history holds 20.00 KiB per case (bound 8)"]


def test_retired_cases_count_as_cases_known_beside_the_tables_tombstones():
    last = Sample(
        t_s=120.0,
        messages=4000,
        rss_mib={"worker": 100.0, "sink": 100.0},
        table_keys={"cases": 100, "case_history": 100, "case_retired": 300},
        table_bytes={"cases": 100 * 1024, "case_history": 400 * 1024, "case_retired": 75 * 1024},
    )
    verdict = judge([replace(last, t_s=90.0), last], BOUND)
    # 400 cases known: 100 in the tables, 300 retired to a tombstone each
    assert verdict.case_kib == {"case_history": 1.0, "case_retired": 0.19, "cases": 0.25}


def test_a_process_gone_or_too_few_samples_is_a_broken_bound():
    samples = series([100.0] * 4)
    samples[-1] = Sample(t_s=90.0, messages=3000, rss_mib={"worker": None, "sink": 100.0})
    assert judge(samples, BOUND).broken == ["worker was not running at every sample"]
    assert (
        "only 1 sample(s) after the 60s warm-up" in judge(series([1.0, 1.0, 1.0]), BOUND).broken[0]
    )
