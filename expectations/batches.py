"""Which landing files to check, grouped by topic and UTC hour, and reading them.

A batch is one topic's hour partition (``<topic>/date=YYYY-MM-DD/hour=HH``):
every Parquet file in it, read into one pandas frame (GX takes pandas only)
with :data:`~expectations.common.FILE_COLUMN` naming each row's file relative
to the landing root. Hidden files (writes in progress) and the empty
``_schema.parquet`` are not data and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from expectations.common import FILE_COLUMN

HOUR_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})$")


@dataclass(frozen=True)
class HourBatch:
    """The files of one topic's UTC hour partition."""

    topic: str
    hour_start_at: datetime
    files: tuple[Path, ...]

    @property
    def hour_end_at(self) -> datetime:
        """End of the hour (exclusive), UTC."""
        return self.hour_start_at + timedelta(hours=1)

    @property
    def path(self) -> str:
        """``<topic>/date=YYYY-MM-DD/hour=HH``, relative to the landing root."""
        return f"{self.topic}/date={self.hour_start_at:%Y-%m-%d}/hour={self.hour_start_at:%H}"


def hour_batches(
    root: Path,
    *,
    topics: tuple[str, ...],
    from_date: date | None = None,
    to_date: date | None = None,
) -> list[HourBatch]:
    """Hour partitions of ``topics`` with data, ``from_date``..``to_date`` inclusive (UTC)."""
    batches = []
    for topic in topics:
        base = Path(root) / topic
        for hour in sorted(base.glob("date=*/hour=*")) if base.is_dir() else ():
            match = HOUR_DIR.match(hour.relative_to(base).as_posix())
            if not match:
                continue
            day = date.fromisoformat(match[1])
            if (from_date and day < from_date) or (to_date and day > to_date):
                continue
            files = tuple(
                p for p in sorted(hour.glob("*.parquet")) if not p.name.startswith((".", "_"))
            )
            if files:
                start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                    hours=int(match[2])
                )
                batches.append(HourBatch(topic, start, files))
    return batches


def read_batch(root: Path, batch: HourBatch) -> pd.DataFrame:
    """All rows of a batch's files (columns united by name) plus the file column."""
    prefix = str(Path(root).resolve()) + "/"
    files = [str(p.resolve()) for p in batch.files]
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(
            f"SELECT * EXCLUDE (filename), substr(filename, {len(prefix) + 1}) AS {FILE_COLUMN} "
            "FROM read_parquet(?, union_by_name = true, filename = true, "
            "hive_partitioning = false)",
            [files],
        ).df()
    finally:
        con.close()
