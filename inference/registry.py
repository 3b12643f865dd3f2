"""Camera registry rows → the sources one DeepStream pipeline runs.

A source is one camera at one stream id: the stream id is the camera's index
in the line-up sorted by ``camera_id`` (nvstreammux ``sink_N``, nvdsanalytics
``…-stream-N``, nvmsgconv ``[sensorN]``), so the same registry always gives
the same mapping.

``cameras`` rows (``citybrain.reference``) may carry, besides camera_id, lat
and lng:

- ``uri``: the camera's RTSP or file URI; else ``uri_template`` formatted with
  the row (``rtsp://nvr.local/{camera_id}``);
- ``rois``: a list (or its JSON text) of ``{"label", "polygon_px"}``;
- ``roi_px``: one polygon ``[[x, y], …]`` (the demo county's form), labelled
  :data:`NO_PARKING_ROI` when the row's ``no_parking`` is true, else
  :data:`WATCH_ROI`;
- ``lines``: a list of ``{"label", "direction_px": [[x, y], [x, y]],
  "line_px": [[x, y], [x, y]]}`` for line crossing;
- ``frame_width_px`` / ``frame_height_px``: the frame the pixels refer to
  (default 1920 × 1080).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from citybrain.reference import ReferenceError

MAX_SOURCES = 50
WATCH_ROI = "watch"
NO_PARKING_ROI = "no_parking"
FRAME_WIDTH_PX = 1920
FRAME_HEIGHT_PX = 1080
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,64}")

Point = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Roi:
    """A region of interest: a label and a polygon in frame pixels."""

    label: str
    polygon_px: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Line:
    """A counting line and the direction of a crossing, in frame pixels."""

    label: str
    direction_px: tuple[Point, Point]
    line_px: tuple[Point, Point]


@dataclass(frozen=True, slots=True)
class Source:
    """One camera of the pipeline at its stream id."""

    stream_id: int
    camera_id: str
    name: str
    uri: str
    lat: float
    lng: float
    rois: tuple[Roi, ...]
    lines: tuple[Line, ...]
    frame_width_px: int = FRAME_WIDTH_PX
    frame_height_px: int = FRAME_HEIGHT_PX


def _json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ReferenceError(f"{what}: not JSON ({exc})") from None
    return value


def _points(value: Any, what: str, *, count: int | None = None) -> tuple[Point, ...]:
    points = _json(value, what)
    ok = isinstance(points, list) and all(
        isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(c, int | float) for c in p)
        for p in points
    )
    if not ok or (count is not None and len(points) != count) or len(points) < (count or 3):
        raise ReferenceError(f"{what}: expected {count or '3 or more'} [x, y] pixel points")
    if any(c < 0 for p in points for c in p):
        raise ReferenceError(f"{what}: pixel coordinates must not be negative")
    return tuple((round(x), round(y)) for x, y in points)


def _pair(value: Any, what: str) -> tuple[Point, Point]:
    first, second = _points(value, what, count=2)
    return first, second


def _label(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _LABEL.fullmatch(value):
        raise ReferenceError(f"{what}: label must be 1..64 of A-Z a-z 0-9 _ -, got {value!r}")
    return value


def rois_of(row: Mapping[str, Any]) -> tuple[Roi, ...]:
    """The row's regions of interest (``rois``, else ``roi_px``), labels unique."""
    camera = row.get("camera_id")
    if row.get("rois"):
        items = _json(row["rois"], f"camera {camera!r} rois")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ReferenceError(f"camera {camera!r} rois: expected a list of objects")
        rois = tuple(
            Roi(
                _label(i.get("label"), f"camera {camera!r} roi"),
                _points(i.get("polygon_px"), f"camera {camera!r} roi {i.get('label')!r}"),
            )
            for i in items
        )
    elif row.get("roi_px"):
        label = NO_PARKING_ROI if row.get("no_parking") else WATCH_ROI
        rois = (Roi(label, _points(row["roi_px"], f"camera {camera!r} roi_px")),)
    else:
        rois = ()
    labels = [r.label for r in rois]
    if len(set(labels)) != len(labels):
        raise ReferenceError(f"camera {camera!r}: ROI labels repeat: {labels}")
    return rois


def lines_of(row: Mapping[str, Any]) -> tuple[Line, ...]:
    """The row's counting lines (``lines``), labels unique."""
    camera = row.get("camera_id")
    items = _json(row.get("lines") or [], f"camera {camera!r} lines")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ReferenceError(f"camera {camera!r} lines: expected a list of objects")
    lines = tuple(
        Line(
            _label(i.get("label"), f"camera {camera!r} line"),
            _pair(i.get("direction_px"), f"camera {camera!r} line direction"),
            _pair(i.get("line_px"), f"camera {camera!r} line"),
        )
        for i in items
    )
    if len({x.label for x in lines}) != len(lines):
        raise ReferenceError(f"camera {camera!r}: line labels repeat")
    return lines


def sources_from_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    uri_template: str = "rtsp://127.0.0.1:8554/{camera_id}",
    max_sources: int = MAX_SOURCES,
) -> tuple[Source, ...]:
    """The line-up: one source per camera, stream ids in ``camera_id`` order.

    ``uri_template`` (``str.format`` with the row's keys) gives the URI of a row
    without ``uri``. More than ``max_sources`` cameras (default 50) is an error:
    split the registry over several hosts.
    """
    ids = [str(r.get("camera_id") or "") for r in rows]
    if "" in ids or len(set(ids)) != len(ids):
        raise ReferenceError("cameras: every row needs a camera_id, and ids must be unique")
    if len(rows) > max_sources:
        raise ReferenceError(f"cameras: {len(rows)} rows; one pipeline runs at most {max_sources}")
    ordered = sorted(rows, key=lambda r: str(r["camera_id"]))
    return tuple(
        Source(
            stream_id=n,
            camera_id=str(row["camera_id"]),
            name=str(row.get("name") or row["camera_id"]),
            uri=str(row.get("uri") or uri_template.format_map(dict(row))),
            lat=float(row["lat"]),
            lng=float(row["lng"]),
            rois=rois_of(row),
            lines=lines_of(row),
            frame_width_px=int(row.get("frame_width_px") or FRAME_WIDTH_PX),
            frame_height_px=int(row.get("frame_height_px") or FRAME_HEIGHT_PX),
        )
        for n, row in enumerate(ordered)
    )


def camera_by_stream(sources: Sequence[Source]) -> dict[int, str]:
    """stream id → camera id."""
    return {s.stream_id: s.camera_id for s in sources}
