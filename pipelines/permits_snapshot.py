"""The compacted ``permits`` topic → the ``permits`` reference file the vehicles worker reads.

Reads every partition of ``permits`` from its beginning to the end offsets
seen at start, keeps the last valid version of each permit (Kafka order
within a partition, as compaction keeps it; the topic is keyed by permit id),
and writes them with :func:`citybrain.reference.write_tables` (atomic
replace), which the worker notices before its next batch. Records that fail
the permit contract are counted and left out (they are in
``permits.rejected`` already).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from citybrain.contracts import ContractViolation, decode, permit
from citybrain.reference import write_tables
from pipelines.topic_read import read_all


def latest_versions(values: Iterable[bytes | None]) -> tuple[list[dict[str, Any]], int]:
    """(last valid version of each permit in first-seen order, invalid record count)."""
    latest: dict[str, dict[str, Any]] = {}
    invalid = 0
    for value in values:
        try:
            row = decode(permit.TOPIC, value)
        except ContractViolation:
            invalid += 1
            continue
        latest[row["permit_id"]] = row
    return list(latest.values()), invalid


async def snapshot(bootstrap: str, reference_dir: Path) -> tuple[Path, int, int]:
    """Write the permits reference file from the topic; (path, permits, invalid records)."""
    rows, invalid = latest_versions(await read_all(bootstrap, topic=permit.TOPIC))
    (path,) = write_tables(reference_dir, {"permits": rows})
    return path, len(rows), invalid
