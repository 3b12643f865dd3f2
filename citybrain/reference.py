"""Reference data the workers load at start: the county's fixed things.

Unit grids (单元网格), departments and what they own, cameras, vehicles and
hydrological stations are configuration, not state: each is one JSON file
(a list of objects) in ``settings.reference_dir`` that operators edit and
``citybrain reference export`` writes for the demo county. Workers read them
once at start; a missing file is an empty table, a malformed one an error
that names the file.

Tables and their keys (extra keys are kept):

- ``grids``: grid_code (14 digits), street, community, centre_lat, centre_lng,
  polygon_wkt (WGS-84)
- ``departments``: department_id, name, categories and grid_codes (comma-separated)
- ``cameras``: camera_id, lat, lng, … (regions of interest)
- ``vehicles``: vehicle_id, plate, vehicle_type, department, company, …
- ``stations``: station_id, kind (rain | water_level | waterlogging), name,
  lat, lng, warning_level_m, guaranteed_level_m
- ``permits``: rows of the permit contract (``citybrain.contracts.permit``);
  the vehicles worker builds muck-transport corridors from them at start
- ``zones``: zone_id, kind, name, polygon_wkt (WGS-84), time_windows (local,
  ``HH:MM-HH:MM,…``; empty: always), vehicle_types (comma-separated; empty:
  muck_truck): areas those vehicles may not enter (``streams.vehicles.zones``)
- ``roads``: road_segment_id, road_name, segment_name, maintainer, length_m,
  line_wkt (WGS-84 LINESTRING): the segments (路段) repairs are budgeted for
- ``garbage_bins``: bin_id, lat, lng, capacity_l, grid_code
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TABLES: tuple[str, ...] = (
    "grids",
    "departments",
    "cameras",
    "vehicles",
    "stations",
    "permits",
    "zones",
    "roads",
    "garbage_bins",
)

Row = dict[str, Any]


class ReferenceError(ValueError):
    """A reference file is not a JSON list of objects."""


def path_of(reference_dir: Path, table: str) -> Path:
    """The file of ``table`` in ``reference_dir``."""
    if table not in TABLES:
        raise ValueError(f"unknown reference table {table!r}; known: {', '.join(TABLES)}")
    return reference_dir / f"{table}.json"


def read_table(reference_dir: Path, table: str) -> list[Row]:
    """The rows of ``table``; an empty list when its file does not exist."""
    path = path_of(reference_dir, table)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except json.JSONDecodeError as exc:
        raise ReferenceError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ReferenceError(f"{path}: expected a JSON list of objects")
    return rows


def write_tables(reference_dir: Path, tables: Mapping[str, Sequence[Row]]) -> list[Path]:
    """Write each table atomically (temp file + rename); return the paths written."""
    reference_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in tables.items():
        path = path_of(reference_dir, table)
        fd, tmp = tempfile.mkstemp(dir=reference_dir, prefix=f".{table}-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(list(rows), out, ensure_ascii=False, indent=1, default=str)
        os.replace(tmp, path)
        written.append(path)
    return written


class ReferenceWatch:
    """Something built from reference tables, rebuilt when one of their files changes.

    Subclasses name their ``TABLES`` and say how to ``build``; :meth:`changed`
    compares each file's modification time and size with the last look, so a
    worker picks up an edited table without restarting. A missing file counts
    as a state of its own (its appearance is a change).
    """

    TABLES: tuple[str, ...] = ()

    def __init__(self, reference_dir: Path) -> None:
        self.reference_dir = reference_dir
        self.stamp = self._stamp()

    def _stamp(self) -> tuple[tuple[int, int] | None, ...]:
        stamps: list[tuple[int, int] | None] = []
        for table in self.TABLES:
            try:
                stat = path_of(self.reference_dir, table).stat()
            except FileNotFoundError:
                stamps.append(None)
                continue
            stamps.append((stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def build(self) -> Any:
        """What the tables make now (ReferenceError when a file is malformed)."""
        raise NotImplementedError

    def changed(self) -> Any | None:
        """A new :meth:`build` when a file changed since the last look, else None."""
        stamp = self._stamp()
        if stamp == self.stamp:
            return None
        self.stamp = stamp
        return self.build()
