"""Run the suites over landing hour partitions in one ephemeral GX context.

:func:`context` builds the context once per process (importing GX costs about
4 s): one pandas data source, one dataframe asset, suite, validation
definition and checkpoint per checked topic. :func:`check` reads each hour
partition (the only I/O here besides GX itself), runs its topic's checkpoint
with the run's parameters and returns the findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from expectations import CHECKED_TOPICS, suite
from expectations.batches import HourBatch, hour_batches, read_batch
from expectations.common import FILE_COLUMN
from expectations.findings import Finding, findings_of
from expectations.gx_context import checkpoints

# a device clock may run ahead of ours by this much before an event counts as "future"
DEFAULT_CLOCK_SKEW_S = 300
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["event_id", FILE_COLUMN],
}


@lru_cache(maxsize=1)
def context() -> Any:
    """The process's ephemeral GX context with a checkpoint per checked topic."""
    return checkpoints("landing", CHECKED_TOPICS, suite, result_format=RESULT_FORMAT)


def parameters(
    batch: HourBatch,
    *,
    area_bounds: tuple[float, float, float, float],
    now_at: datetime,
    clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
) -> dict[str, Any]:
    """Suite parameters of one batch (see :mod:`expectations.common`)."""
    import pandas as pd

    south, west, north, east = area_bounds
    return {
        "south_deg": south,
        "west_deg": west,
        "north_deg": north,
        "east_deg": east,
        "latest_event_at": pd.Timestamp(now_at + timedelta(seconds=clock_skew_s)),
        "hour_start_at": pd.Timestamp(batch.hour_start_at),
        "hour_end_at": pd.Timestamp(batch.hour_end_at),
    }


@dataclass
class CheckResult:
    """What a check looked at and what failed."""

    findings: list[Finding] = field(default_factory=list)
    batches: int = 0
    files: int = 0
    rows: int = 0


def check(
    root: Path,
    *,
    area_bounds: tuple[float, float, float, float],
    now_at: datetime,
    topics: tuple[str, ...] = CHECKED_TOPICS,
    from_date: date | None = None,
    to_date: date | None = None,
    clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
    max_ids: int = 10,
) -> CheckResult:
    """Validate every landed hour partition of ``topics`` in the date range (UTC, inclusive)."""
    ctx = context()
    outcome = CheckResult()
    for batch in hour_batches(root, topics=topics, from_date=from_date, to_date=to_date):
        frame = read_batch(root, batch)
        run = ctx.checkpoints.get(batch.topic).run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters(
                batch, area_bounds=area_bounds, now_at=now_at, clock_skew_s=clock_skew_s
            ),
        )
        for result in run.run_results.values():
            outcome.findings += findings_of(
                result,
                topic=batch.topic,
                hour_path=batch.path,
                batch_rows=len(frame),
                max_ids=max_ids,
            )
        outcome.batches += 1
        outcome.files += len(batch.files)
        outcome.rows += len(frame)
    return outcome
