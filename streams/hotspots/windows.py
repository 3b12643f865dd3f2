"""Pure window arithmetic and batch aggregation for hotspot counts.

State is kept per source *topic-partition* (a "source": one ordered Kafka
log). One table value per (source, window size, window start) holds
``{"o": last_offset, "c": {"<cell>|<category>": count}}``, so a batch costs
one table write per window it touches, not one per event.

Counting is idempotent: ``o`` is the highest offset of that source counted
into the window, so a record redelivered at or below it is skipped. The agent
hands this module each source's records in offset order with none skipped
(``streams.ordered``).

Each source's watermark (the highest event time it has shown) closes its
windows: a window closes when ``window_end + lateness <= watermark``. Because
a source is one ordered log, its watermark does not depend on how fast other
topics or partitions are consumed, so the published counts are the same
whatever the interleaving, crash or restart. Events for a closed window are
late and not counted by the stream; they still land in the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from citybrain.contracts import report, video
from citybrain.geo import H3_RES_INCIDENT, cell_column
from streams.intake.validate import RawMessage

WINDOW_SIZES_S: tuple[int, ...] = (300, 3600)
INCIDENT_TOPICS: tuple[str, ...] = (video.TOPIC, report.TOPIC)
WINDOW_COLUMNS = ["topic", "partition", "window_s", "start"]
MAX_COUNTS_PER_MESSAGE = 2_000


@dataclass(frozen=True, slots=True, order=True)
class WindowId:
    """(source topic, source partition, window size in s, window start in epoch ms)."""

    topic: str
    partition: int
    window_s: int
    start_ms: int

    def encode(self) -> str:
        """Table key string."""
        return f"{self.topic}|{self.partition}|{self.window_s}|{self.start_ms}"

    @classmethod
    def decode(cls, key: str) -> WindowId:
        """Parse a table key string."""
        topic, p, w, s = key.split("|")
        return cls(topic, int(p), int(w), int(s))

    @property
    def end_ms(self) -> int:
        """Exclusive end of the window, epoch ms."""
        return self.start_ms + self.window_s * 1000


def source_prefix(topic: str, partition: int) -> str:
    """Prefix of every table key of one source."""
    return f"{topic}|{partition}|"


def watermark_key(topic: str, partition: int) -> str:
    """Table key holding one source's watermark state."""
    return f"{source_prefix(topic, partition)}wm"


def is_window_key(key: str) -> bool:
    """True for a window's table key (not a watermark key)."""
    return not key.endswith("|wm")


def window_start_ms(event_ms: int, *, window_s: int) -> int:
    """Start (epoch ms) of the tumbling window of ``window_s`` seconds holding ``event_ms``."""
    return event_ms - event_ms % (window_s * 1000)


def incident_frame(accepted: Iterable[tuple[RawMessage, dict[str, Any]]]) -> pl.DataFrame:
    """Incidents among accepted rows, with their H3 res-9 cell (vectorised).

    Video detections count when they have a category (a parked car in a
    no-parking ROI, a street vendor…); every citizen report counts.
    """
    cols: dict[str, list] = {
        "topic": [],
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
        cols["topic"].append(message.topic)
        cols["partition"].append(message.partition)
        cols["offset"].append(message.offset)
        cols["event_ms"].append(int(row["event_at"].timestamp() * 1000))
        cols["lat"].append(row["lat"])
        cols["lng"].append(row["lng"])
        cols["category"].append(category)
    frame = pl.DataFrame(
        cols,
        schema={
            "topic": pl.Utf8,
            "partition": pl.Int32,
            "offset": pl.Int64,
            "event_ms": pl.Int64,
            "lat": pl.Float64,
            "lng": pl.Float64,
            "category": pl.Utf8,
        },
    )
    return frame.with_columns(cell_column(res=H3_RES_INCIDENT))


def assign_windows(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per incident × window size, with the window's start (epoch ms)."""
    return pl.concat(
        [
            frame.select(
                "topic",
                "partition",
                "offset",
                "cell",
                "category",
                pl.lit(window_s, dtype=pl.Int32).alias("window_s"),
                (pl.col("event_ms") - pl.col("event_ms") % (window_s * 1000)).alias("start"),
            )
            for window_s in WINDOW_SIZES_S
        ]
    )


def windows_in(windowed: pl.DataFrame) -> list[WindowId]:
    """The distinct windows a batch touches."""
    unique = windowed.select(WINDOW_COLUMNS).unique()
    return sorted(WindowId(t, p, w, s) for t, p, w, s in unique.iter_rows())


@dataclass(frozen=True, slots=True)
class WindowDelta:
    """New counts for one window from one batch, and the batch's highest offset in it."""

    window: WindowId
    counts: dict[str, int]
    max_offset: int


def count_new(
    windowed: pl.DataFrame, *, counted_up_to: Mapping[WindowId, int], closed: set[WindowId]
) -> tuple[list[WindowDelta], int]:
    """Count events per window and cell|category, skipping already-counted offsets.

    ``counted_up_to`` holds each window's stored last offset; windows in
    ``closed`` were already published, so their events are late. Returns the
    deltas and the number of late event-window pairs.
    """
    if windowed.is_empty():
        return [], 0
    seen = pl.DataFrame(
        [
            (w.topic, w.partition, w.window_s, w.start_ms, counted_up_to.get(w, -1), w in closed)
            for w in windows_in(windowed)
        ],
        schema={
            "topic": pl.Utf8,
            "partition": pl.Int32,
            "window_s": pl.Int32,
            "start": pl.Int64,
            "counted": pl.Int64,
            "closed": pl.Boolean,
        },
        orient="row",
    )
    joined = windowed.join(seen, on=WINDOW_COLUMNS, how="left")
    late = int(joined["closed"].sum())
    fresh = joined.filter(~pl.col("closed") & (pl.col("offset") > pl.col("counted")))
    grouped = fresh.group_by([*WINDOW_COLUMNS, "cell", "category"]).agg(
        pl.len().alias("n"), pl.col("offset").max().alias("max_offset")
    )
    deltas: dict[WindowId, WindowDelta] = {}
    for t, p, w, s, cell, category, n, max_offset in grouped.iter_rows():
        window = WindowId(t, p, w, s)
        delta = deltas.get(window) or WindowDelta(window, {}, -1)
        delta.counts[f"{cell}|{category}"] = n
        deltas[window] = WindowDelta(window, delta.counts, max(delta.max_offset, max_offset))
    return sorted(deltas.values(), key=lambda d: d.window), late


def merge(stored: Mapping[str, Any] | None, delta: WindowDelta) -> dict[str, Any]:
    """A new table value: stored counts plus the delta (the stored value is not mutated)."""
    counts = dict(stored["c"]) if stored else {}
    for key, n in delta.counts.items():
        counts[key] = counts.get(key, 0) + n
    last = max(int(stored["o"]) if stored else -1, delta.max_offset)
    return {"o": last, "c": counts}


def is_closed(window: WindowId, *, watermark_ms: int, lateness_s: int) -> bool:
    """True when the window can no longer receive on-time events."""
    return window.end_ms + lateness_s * 1000 <= watermark_ms


def hotspot_id(window: WindowId, *, cell: str, category: str) -> str:
    """Stable id of one cell × category count: the same window always gets the same id."""
    return (
        f"{window.window_s}:{window.start_ms}:{cell}:{category}:{window.topic}:p{window.partition}"
    )


def window_messages(
    window: WindowId, counts: Mapping[str, int], *, watermark_ms: int
) -> list[dict[str, Any]]:
    """The ``hotspots`` messages for one closed window (HotspotWindow records).

    One message carries up to MAX_COUNTS_PER_MESSAGE cell × category counts,
    sorted, so the same window always yields the same messages and ids.
    Publishing per window rather than per cell keeps output cost proportional
    to windows, not to the number of busy cells.
    """
    entries = sorted(counts.items())
    start = datetime.fromtimestamp(window.start_ms / 1000, tz=UTC)
    messages = []
    for chunk, first in enumerate(range(0, max(len(entries), 1), MAX_COUNTS_PER_MESSAGE)):
        part = entries[first : first + MAX_COUNTS_PER_MESSAGE]
        messages.append(
            {
                "event_id": (
                    f"{window.window_s}:{window.start_ms}:{window.topic}:"
                    f"p{window.partition}:c{chunk}"
                ),
                "event_at": start,
                "window_s": window.window_s,
                "window_start_at": start,
                "window_end_at": datetime.fromtimestamp(window.end_ms / 1000, tz=UTC),
                "source_topic": window.topic,
                "source_partition": window.partition,
                "closed_at": datetime.fromtimestamp(watermark_ms / 1000, tz=UTC),
                "counts": [
                    {
                        "h3_res9": key.split("|", 1)[0],
                        "category": key.split("|", 1)[1],
                        "event_count": n,
                    }
                    for key, n in part
                ],
            }
        )
    return messages


def explode(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One HotspotCount row per cell × category of a HotspotWindow message."""
    window = WindowId(
        message["source_topic"],
        int(message["source_partition"]),
        int(message["window_s"]),
        int(message["window_start_at"].timestamp() * 1000),
    )
    base = {
        k: message[k]
        for k in (
            "event_at",
            "window_s",
            "window_start_at",
            "window_end_at",
            "source_topic",
            "source_partition",
            "closed_at",
        )
    }
    return [
        {
            **base,
            "event_id": hotspot_id(window, cell=c["h3_res9"], category=c["category"]),
            "h3_res9": c["h3_res9"],
            "category": c["category"],
            "event_count": c["event_count"],
        }
        for c in message["counts"]
    ]
