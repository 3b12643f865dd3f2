from datetime import UTC, datetime, timedelta

from pipelines.replay import wait_s

T0 = datetime(2026, 7, 15, tzinfo=UTC)


def test_pacing_at_n_times_real_time():
    # ten minutes of event time at 60x is ten seconds of wall time after the start
    assert (
        wait_s(
            first_event=T0,
            event=T0 + timedelta(minutes=10),
            started_monotonic=100.0,
            now_monotonic=104.0,
            speed=60,
        )
        == 6.0
    )


def test_late_sends_do_not_wait():
    assert (
        wait_s(
            first_event=T0,
            event=T0 + timedelta(seconds=1),
            started_monotonic=0.0,
            now_monotonic=50.0,
            speed=1,
        )
        == 0.0
    )
