"""Typhoon Damrey over the Biliu River basin, 2012-08-03/04 (real hourly rainfall).

Read from ``shared/data/storm`` at test time (GPL-3.0 data: not copied into
the repo); skipped when that folder is absent. Each row is taken as the rain
of the hour ending at its (UTC+8) time.
"""

import dataclasses
import random
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from streams.flood import accumulate, lifecycle, signals
from streams.flood import state as station_state
from streams.flood.levels import Level, RainThresholds
from streams.flood.state import Outcome
from streams.flood.stations import StationConfig

CSV = Path(__file__).parents[4] / "shared" / "data" / "storm" / "biliuhe_hourly_2012_2019.csv"
BASIN = StationConfig(
    station_id="21401550",
    name="碧流河水库流域",
    lat=39.95,
    lng=122.45,
    rain=RainThresholds(),
    area_radius_km=25.0,
)
WINDOWS = {"rain_1h_mm": "1h", "rain_3h_mm": "3h", "rain_6h_mm": "6h"}
WINDOWS |= {"rain_12h_mm": "12h", "rain_24h_mm": "24h"}


@pytest.fixture(scope="module")
def damrey() -> pl.DataFrame:
    """Hourly rain 2012-08-02 00:00 .. 08-05 12:00 local, with direct rolling sums."""
    if not CSV.exists():
        pytest.skip("shared storm data not present")
    frame = (
        pl.read_csv(CSV)
        .select(
            pl.col("time")
            .str.to_datetime("%d/%m/%Y %H:%M")
            .dt.replace_time_zone("Asia/Shanghai")
            .dt.convert_time_zone("UTC")
            .alias("end_at"),
            pl.col("prcp(mm/hour)").alias("mm"),
        )
        .filter(
            pl.col("end_at").is_between(
                datetime(2012, 8, 1, 16, tzinfo=UTC), datetime(2012, 8, 5, 4, tzinfo=UTC)
            )
        )
        .sort("end_at")
    )
    return frame.with_columns(
        [pl.col("mm").rolling_sum_by("end_at", w).alias(name) for name, w in WINDOWS.items()]
        + [(pl.col("mm") / 12).alias("rain_5min_mm")]
    )


def feed(rows, state=None):
    outcomes = []
    for end_at, mm in rows:
        added = station_state.add_reading(
            state, element="rain_period_mm", observed_at=end_at, value=mm, period_s=3600
        )
        state = added.state
        outcomes.append(added.outcome)
    return state, outcomes


def test_accumulations_equal_rolling_sums_every_hour(damrey):
    state = None
    for row in damrey.iter_rows(named=True):
        state, _ = feed([(row["end_at"], row["mm"])], state)
        totals = accumulate.accumulations(state)
        for name in [*WINDOWS, "rain_5min_mm"]:
            assert totals[name] == pytest.approx(row[name], abs=1e-6), (row["end_at"], name)
    peak = damrey.select(pl.col(list(WINDOWS)).max()).row(0, named=True)
    assert peak["rain_3h_mm"] == pytest.approx(61.54)  # SOURCE.txt: 61.5 mm in 3 h
    assert peak["rain_12h_mm"] == pytest.approx(124.08)
    assert peak["rain_24h_mm"] == pytest.approx(199.6)


def test_out_of_order_and_repeated_reports_give_the_same_totals(damrey):
    rows = list(damrey.select("end_at", "mm").iter_rows())
    in_order, _ = feed(rows)
    rnd = random.Random(2012)
    shuffled = rows + rnd.sample(rows, 20)  # 20 redeliveries
    rnd.shuffle(shuffled)
    state, outcomes = feed(shuffled)
    assert outcomes.count(Outcome.TOO_LATE) > 0  # some arrived more than 24 h late
    assert outcomes.count(Outcome.DUPLICATE) > 0
    assert accumulate.accumulations(state) == pytest.approx(accumulate.accumulations(in_order))


def run_alerts(damrey, *, nowcast: bool):
    state, alert, out, observed = None, None, [], {}
    for end_at, mm in damrey.select("end_at", "mm").iter_rows():
        state, _ = feed([(end_at, mm)], state)
        signal = signals.signal(state, station=BASIN, hazard="rainstorm")
        if not nowcast:
            signal = dataclasses.replace(signal, forecast_level=signal.level, forecast_at=None)
        for level in Level:
            if level and signal.level >= level:
                observed.setdefault(level, signal.at)
        step = lifecycle.step(alert, signal)
        alert = step.state
        out += [step.message] if step.message else []
    return out, observed


def local(iso: str) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return pl.Series([moment]).dt.convert_time_zone("Asia/Shanghai").dt.strftime("%d %H:%M")[0]


def summary(messages):
    return [(m["msg_type"], m["level"], m["certainty"], local(m["sent_at"])) for m in messages]


def test_observed_warnings_come_in_order(damrey):
    messages, _ = run_alerts(damrey, nowcast=False)
    assert summary(messages) == [
        ("Alert", "yellow", "Observed", "03 11:00"),  # 6 h 54.7 mm (12 h 63.3 mm)
        ("Update", "orange", "Observed", "03 12:00"),  # 3 h 55.0 mm
        ("Update", "yellow", "Observed", "03 16:00"),  # 3 h < 45 mm since 15:00
        ("Update", "blue", "Observed", "03 20:00"),  # 6 h < 45 mm since 19:00
        ("Cancel", "none", "Observed", "04 13:00"),  # 12 h < 45 mm since 12:00
    ]
    assert len({m["alert_id"] for m in messages}) == 1


def test_nowcast_warns_an_hour_before_the_crossing(damrey):
    messages, observed = run_alerts(damrey, nowcast=True)
    assert summary(messages) == [
        ("Alert", "blue", "Likely", "03 10:00"),
        ("Update", "orange", "Likely", "03 11:00"),
        ("Update", "yellow", "Observed", "03 16:00"),
        ("Update", "blue", "Observed", "03 20:00"),
        ("Cancel", "none", "Observed", "04 13:00"),
    ]
    warned = {}
    for m in messages[:2]:
        for level in Level:
            if level and level <= Level[m["level"].upper()]:
                warned.setdefault(level, datetime.fromisoformat(m["sent_at"]))
    lead_min = {
        level.label: (observed[level] - warned[level]).total_seconds() / 60 for level in observed
    }
    # yellow came with blue at 11:00 in one unforeseen 21 mm hour: no lead
    assert lead_min == {"blue": 60.0, "yellow": 0.0, "orange": 60.0}
    expected = {
        m["level"]: datetime.fromisoformat(m["forecast"]["crossing_at"]) for m in messages[:2]
    }
    for label, level in (("blue", Level.BLUE), ("orange", Level.ORANGE)):
        error_min = (observed[level] - expected[label]).total_seconds() / 60
        assert 0 <= error_min <= 10  # forecast 10:54 and 11:54, observed 11:00 and 12:00
