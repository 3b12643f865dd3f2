"""The Parquet landing: layout, schemas, and an idempotent atomic writer.

Layout (UTC hour of ``event_at``)::

    <landing>/<topic>/date=YYYY-MM-DD/hour=HH/part-<partition>-<first offset>-<digest>.parquet

Files appear atomically (written to a temporary name, then renamed). The
writer never lands an ``event_id`` twice in a topic's hour: it reads the ids
already landed in that hour before writing, so re-processing after a crash or
replaying a day again adds no row. Delivery: at-least-once from Kafka,
made exactly-once per event id here.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from citybrain.contracts import CONTRACTS
from citybrain.geo import H3_RES_INCIDENT, cell_column

HOTSPOT_COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "window_s": "int",
    "window_start_at": "timestamp",
    "window_end_at": "timestamp",
    "h3_res9": "string",
    "category": "string",
    "source_topic": "string",
    "source_partition": "int",
    "event_count": "bigint",
    "closed_at": "timestamp",
}
REJECTED_COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",
    "source_topic": "string",
    "source_partition": "int",
    "source_offset": "bigint",
    "reason": "string",
    "raw_base64": "string",
}
# ``alerts`` (citybrain.contracts.alert): details, a JSON object, lands as JSON text
ALERT_COLUMNS: dict[str, str] = {
    "event_id": "string",
    "event_at": "timestamp",  # the observation the alert rests on
    "alert_id": "string",
    "msg_type": "string",
    "source": "string",
    "category": "string",
    "severity": "string",
    "level": "string",
    "sent_at": "timestamp",
    "lat": "double",
    "lng": "double",
    "title": "string",
    "details_json": "string",
}
# ``cases.events`` (streams.cases.lifecycle, with the engine's deadline_at): the
# event's ``at`` lands as event_at, its payload (a JSON object) as JSON text
CASE_EVENT_COLUMNS: dict[str, str] = {
    "event_id": "string",  # "<case_id>:<version>"
    "event_at": "timestamp",
    "case_id": "string",
    "version": "int",
    "command_id": "string",
    "command": "string",
    "actor": "string",
    "role": "string",
    "actor_department_id": "string",
    "from_state": "string",
    "to_state": "string",
    "department_id": "string",
    "reason": "string",
    "deadline_at": "timestamp",  # the handling deadline after the event; null when no clock runs
    "payload_json": "string",
}
ALERTS_TOPIC = "alerts"
CASE_EVENTS_TOPIC = "cases.events"
META_COLUMNS: dict[str, str] = {"_partition": "int", "_offset": "bigint", "_landed_at": "timestamp"}

ARROW_TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "double": pa.float64(),
    "int": pa.int32(),
    "bigint": pa.int64(),
}
ID_CACHE_HOURS = 256


def topic_columns(topic: str) -> dict[str, str]:
    """Landed columns of a topic, in order (contract, H3 cell, then metadata)."""
    if topic in CONTRACTS:
        return {**CONTRACTS[topic].columns, "h3_res9": "string", **META_COLUMNS}
    if topic == "hotspots":
        return {**HOTSPOT_COLUMNS, **META_COLUMNS}
    if topic == ALERTS_TOPIC:
        return {**ALERT_COLUMNS, "h3_res9": "string", **META_COLUMNS}
    if topic == CASE_EVENTS_TOPIC:
        return {**CASE_EVENT_COLUMNS, **META_COLUMNS}
    if topic.endswith(".rejected"):
        return {**REJECTED_COLUMNS, **META_COLUMNS}
    raise KeyError(f"topic {topic!r} has no landing schema")


def arrow_schema(topic: str) -> pa.Schema:
    """Arrow schema of a topic's landing files."""
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in topic_columns(topic).items()])


def hour_dir(root: Path, topic: str, event_at: datetime) -> Path:
    """Directory of the UTC hour partition holding ``event_at``."""
    return root / topic / f"date={event_at:%Y-%m-%d}" / f"hour={event_at:%H}"


def to_table(
    topic: str,
    rows: Sequence[dict[str, Any]],
    *,
    partitions: Sequence[int],
    offsets: Sequence[int],
    landed_at: datetime,
) -> pa.Table:
    """Rows of one topic → an Arrow table in its landing schema (adds H3 and metadata)."""
    columns = topic_columns(topic)
    derive_cell = "h3_res9" in columns and "lat" in columns
    data: dict[str, list] = {
        name: [row.get(name) for row in rows]
        for name in columns
        if not name.startswith("_") and not (derive_cell and name == "h3_res9")
    }
    data["_partition"] = list(partitions)
    data["_offset"] = list(offsets)
    data["_landed_at"] = [landed_at] * len(rows)
    if derive_cell:
        cells = pl.DataFrame(
            {"lat": data["lat"], "lng": data["lng"]}, schema={"lat": pl.Float64, "lng": pl.Float64}
        ).select(cell_column(res=H3_RES_INCIDENT))
        data["h3_res9"] = cells.to_series().to_list()
    schema = arrow_schema(topic)
    return pa.table(
        {name: pa.array(data[name], type=schema.field(name).type) for name in schema.names},
        schema=schema,
    )


class LandingWriter:
    """Writes batches of one topic's rows into hour partitions, once per event id.

    Holds a cache of ids already landed per hour directory (rebuilt from the
    files on first touch); the files are the truth, the cache only saves reads.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._ids: OrderedDict[Path, set[str]] = OrderedDict()

    def write(
        self,
        topic: str,
        rows: Sequence[dict[str, Any]],
        *,
        partitions: Sequence[int],
        offsets: Sequence[int],
        landed_at: datetime,
    ) -> int:
        """Land rows (with their Kafka partition and offset); return rows written."""
        by_hour: dict[Path, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            by_hour[hour_dir(self.root, topic, row["event_at"])].append(i)
        written = 0
        for directory, indexes in by_hour.items():
            landed = self._landed_ids(directory)
            fresh: list[int] = []
            for i in indexes:
                event_id = rows[i]["event_id"]
                if event_id not in landed:
                    landed.add(event_id)
                    fresh.append(i)
            if not fresh:
                continue
            table = to_table(
                topic,
                [rows[i] for i in fresh],
                partitions=[partitions[i] for i in fresh],
                offsets=[offsets[i] for i in fresh],
                landed_at=landed_at,
            )
            digest = hashlib.sha1("\n".join(rows[i]["event_id"] for i in fresh).encode())
            name = f"part-{partitions[fresh[0]]}-{offsets[fresh[0]]}-{digest.hexdigest()[:10]}"
            write_atomically(table, directory / f"{name}.parquet")
            written += len(fresh)
        return written

    def _landed_ids(self, directory: Path) -> set[str]:
        if directory in self._ids:
            self._ids.move_to_end(directory)
            return self._ids[directory]
        ids: set[str] = set()
        for path in sorted(directory.glob("*.parquet")) if directory.exists() else ():
            ids.update(pq.read_table(path, columns=["event_id"]).column(0).to_pylist())
        self._ids[directory] = ids
        if len(self._ids) > ID_CACHE_HOURS:
            self._ids.popitem(last=False)
        return ids


def write_atomically(table: pa.Table, path: Path) -> None:
    """Write a Parquet file so readers see all of it or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def landed_topics() -> tuple[str, ...]:
    """Every topic the sink lands: sources, derived topics, then dead letters."""
    from citybrain.topics import DEAD_LETTERS, SOURCES

    derived = ("hotspots", ALERTS_TOPIC, CASE_EVENTS_TOPIC)
    return (*(s.name for s in SOURCES), *derived, *(d.name for d in DEAD_LETTERS))


def view_name(topic: str) -> str:
    """The warehouse view over a topic's landing files, e.g. ``landing.gps_fixes``."""
    return "landing." + topic.replace(".", "_")


def ensure_schema_files(root: Path) -> list[Path]:
    """Write an empty, typed ``_schema.parquet`` per landed topic where missing.

    Readers glob ``<topic>/**/*.parquet``; the empty file means the glob always
    matches and always carries the full schema, even before any data lands.
    """
    written = []
    for topic in landed_topics():
        path = Path(root) / topic / "_schema.parquet"
        if not path.exists():
            write_atomically(arrow_schema(topic).empty_table(), path)
            written.append(path)
    return written


def view_statements(root: Path) -> list[str]:
    """DuckDB statements creating one view per landed topic over its Parquet files."""
    statements = ["CREATE SCHEMA IF NOT EXISTS landing"]
    for topic in landed_topics():
        glob = str(Path(root).resolve() / topic / "**" / "*.parquet").replace("'", "''")
        statements.append(
            f"CREATE OR REPLACE VIEW {view_name(topic)} AS "
            f"SELECT * FROM read_parquet('{glob}', union_by_name = true)"
        )
    return statements


SQL_TYPES = {
    "string": "TEXT",
    "timestamp": "TIMESTAMPTZ",
    "double": "DOUBLE",
    "int": "INT",
    "bigint": "BIGINT",
}


def external_models() -> list[dict[str, Any]]:
    """SQLMesh external-model declarations of the landing views, typed from the contracts."""
    return [
        {
            "name": view_name(topic),
            "description": f"Landed records of Kafka topic {topic} (Parquet, hourly partitions)",
            "columns": {name: SQL_TYPES[kind] for name, kind in topic_columns(topic).items()},
        }
        for topic in landed_topics()
    ]
