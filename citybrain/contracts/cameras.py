"""The camera registry the video contract places detections with: camera id → WGS-84 position.

Rows of the ``cameras`` reference table (``citybrain.reference``: camera_id, lat, lng, …)
become :class:`Camera` entries. :func:`default_cameras` reads the configured reference
directory's table once per file version; :func:`camera_position` answers a camera's
position or a :class:`ContractViolation` saying why it was needed and is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from citybrain.contracts.base import ContractViolation, identifier, wgs84
from citybrain.reference import ReferenceError, path_of, read_table
from citybrain.settings import load


@dataclass(frozen=True, slots=True)
class Camera:
    """A registered camera: its id and WGS-84 position."""

    camera_id: str
    lat: float
    lng: float


def load_cameras(rows: Sequence[Mapping[str, Any]]) -> dict[str, Camera]:
    """The registry from ``cameras`` reference rows (camera_id, lat, lng, …)."""
    registry = {}
    for row in rows:
        try:
            lat, lng = wgs84(lat=row.get("lat"), lng=row.get("lng"))
            camera_id = identifier(row, "camera_id")
        except ContractViolation as exc:
            raise ReferenceError(f"camera {row.get('camera_id')!r}: {exc.reason}") from None
        registry[camera_id] = Camera(camera_id, lat, lng)
    return registry


@lru_cache(maxsize=4)
def _cameras_at(path: Path, mtime_ns: int) -> Mapping[str, Camera]:
    return MappingProxyType(load_cameras(read_table(path.parent, "cameras")))


def default_cameras() -> Mapping[str, Camera]:
    """The ``cameras`` reference table of the configured reference directory.

    Read once per file version (path and modification time), so an edited
    registry is picked up without restarting the worker.
    """
    path = path_of(load().reference_path, "cameras")
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime_ns = -1
    return _cameras_at(path, mtime_ns)


def camera_position(
    camera_id: str, *, cameras: Mapping[str, Camera] | None, missing: str
) -> tuple[float, float]:
    """(lat, lng) of a registered camera; ``missing`` explains why it was needed."""
    try:
        registry = default_cameras() if cameras is None else cameras
    except (ReferenceError, OSError) as exc:
        raise ContractViolation(f"camera registry unreadable: {exc}") from None
    camera = registry.get(camera_id)
    if camera is None:
        raise ContractViolation(f"sensor {camera_id!r} is not in the camera registry and {missing}")
    return camera.lat, camera.lng
