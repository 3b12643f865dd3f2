"""Pure window arithmetic and batch aggregation for hotspot counts.

Counting is idempotent per key: each table value is ``[count, last_offset]``,
the highest source offset already counted into that key. After a crash the
worker re-reads from its last committed offset, and events at or below a
key's ``last_offset`` are skipped, so nothing is counted twice. A partition's
watermark (the highest event time seen) closes windows: a window closes when
``window_end + lateness <= watermark``; events for closed windows are late
and are not counted by the stream (they still land in the warehouse, whose
marts are complete).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from citybrain.contracts import report, video
from citybrain.geo import H3_RES_INCIDENT, cell_column
from streams.intake.validate import RawMessage

WINDOW_SIZES_S: tuple[int, ...] = (300, 3600)
INCIDENT_TOPICS: tuple[str, ...] = (video.TOPIC, report.TOPIC)


@dataclass(frozen=True, slots=True)
class WindowKey:
    """(source partition, window size, window start, H3 cell, category)."""

    partition: int
    window_s: int
    start_ms: int
    cell: str
    category: str

    def encode(self) -> str:
        """Table key string."""
        return f"{self.partition}|{self.window_s}|{self.start_ms}|{self.cell}|{self.category}"

    @classmethod
    def decode(cls, key: str) -> WindowKey:
        """Parse a table key string."""
        p, w, s, cell, category = key.split("|", 4)
        return cls(int(p), int(w), int(s), cell, category)

    @property
    def end_ms(self) -> int:
        """Exclusive end of the window, epoch ms."""
        return self.start_ms + self.window_s * 1000


def watermark_key(partition: int) -> str:
    """Table key holding partition ``partition``'s watermark state."""
    return f"{partition}|wm"


def window_start_ms(event_ms: int, *, window_s: int) -> int:
    """Start (epoch ms) of the tumbling window of ``window_s`` seconds holding ``event_ms``."""
    return event_ms - event_ms % (window_s * 1000)


def incident_frame(accepted: Iterable[tuple[RawMessage, dict[str, Any]]]) -> pl.DataFrame:
    """Incidents among accepted rows, with their H3 res-9 cell (vectorised).

    Video detections count when they have a category (a parked car in a
    no-parking ROI, a street vendor…); every citizen report counts.
    """
    cols: dict[str, list] = {
        "partition": [],
        "offset": [],
        "event_ms": [],
        "lat": [],
        "lng": [],
        "category": [],
    }
    for message, row in accepted:
        category = row.get("category")
        if message.topic not in INCIDENT_TOPICS or not category:
            continue
        cols["partition"].append(message.partition)
        cols["offset"].append(message.offset)
        cols["event_ms"].append(int(row["event_at"].timestamp() * 1000))
        cols["lat"].append(row["lat"])
        cols["lng"].append(row["lng"])
        cols["category"].append(category)
    frame = pl.DataFrame(
        cols,
        schema={
            "partition": pl.Int32,
            "offset": pl.Int64,
            "event_ms": pl.Int64,
            "lat": pl.Float64,
            "lng": pl.Float64,
            "category": pl.Utf8,
        },
    )
    return frame.with_columns(cell_column(res=H3_RES_INCIDENT))


@dataclass(frozen=True, slots=True)
class KeyBatch:
    """The events of one batch that fall into one window key."""

    key: WindowKey
    offsets: tuple[int, ...]


def group_by_window(
    frame: pl.DataFrame, *, watermark_ms: dict[int, int], lateness_s: int
) -> tuple[list[KeyBatch], int]:
    """Group incidents by window key; drop events of already-closed windows.

    ``watermark_ms`` is each partition's watermark *before* this batch.
    Returns the groups and the number of late (dropped) event-window pairs.
    """
    groups: list[KeyBatch] = []
    late = 0
    if frame.is_empty():
        return groups, late
    wm = pl.DataFrame(
        {"partition": list(watermark_ms), "wm_ms": list(watermark_ms.values())},
        schema={"partition": pl.Int32, "wm_ms": pl.Int64},
    )
    for window_s in WINDOW_SIZES_S:
        size_ms = window_s * 1000
        windowed = (
            frame.with_columns((pl.col("event_ms") - pl.col("event_ms") % size_ms).alias("start"))
            .join(wm, on="partition", how="left")
            .with_columns(
                (
                    pl.col("start") + size_ms + lateness_s * 1000 > pl.col("wm_ms").fill_null(-1)
                ).alias("open")
            )
        )
        late += windowed.height - int(windowed["open"].sum())
        grouped = (
            windowed.filter(pl.col("open"))
            .group_by(["partition", "start", "cell", "category"])
            .agg(pl.col("offset").sort())
        )
        for p, start, cell, category, offsets in grouped.iter_rows():
            groups.append(KeyBatch(WindowKey(p, window_s, start, cell, category), tuple(offsets)))
    return groups, late


def apply_offsets(current: Sequence[int] | None, offsets: Sequence[int]) -> list[int] | None:
    """New ``[count, last_offset]`` after counting ``offsets`` (sorted) into a key.

    Offsets at or below the stored ``last_offset`` were counted before a
    restart and are skipped. Returns None when nothing changes.
    """
    count, last = (0, -1) if current is None else (int(current[0]), int(current[1]))
    fresh = [o for o in offsets if o > last] if offsets and offsets[0] <= last else offsets
    if not fresh:
        return None
    return [count + len(fresh), max(last, fresh[-1])]


def is_closed(key: WindowKey, *, watermark_ms: int, lateness_s: int) -> bool:
    """True when the window can no longer receive on-time events."""
    return key.end_ms + lateness_s * 1000 <= watermark_ms


def hotspot_record(key: WindowKey, count: int, *, watermark_ms: int) -> dict[str, Any]:
    """The closed-window record published to ``hotspots`` (a HotspotCount)."""
    start = datetime.fromtimestamp(key.start_ms / 1000, tz=UTC)
    return {
        "event_id": f"{key.window_s}:{key.start_ms}:{key.cell}:{key.category}:p{key.partition}",
        "event_at": start,
        "window_s": key.window_s,
        "window_start_at": start,
        "window_end_at": datetime.fromtimestamp(key.end_ms / 1000, tz=UTC),
        "h3_res9": key.cell,
        "category": key.category,
        "source_partition": key.partition,
        "event_count": count,
        "closed_at": datetime.fromtimestamp(watermark_ms / 1000, tz=UTC),
    }
