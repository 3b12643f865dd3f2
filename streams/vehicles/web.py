"""Vehicle positions and track playback over HTTP on the stream worker's web server.

- ``GET /vehicles/positions``: every vehicle's latest kept fix with its plate,
  type, department or company, and ``is_offline``; filters (all optional,
  combined with AND): ``type`` (sanitation | enforcement | muck_truck |
  emergency), ``bbox`` (``south,west,north,east`` in WGS-84 degrees),
  ``cells`` (comma-separated H3 cells of any resolution that must contain
  the position), ``offline`` (``true``: only offline vehicles, ``false``:
  only online ones), ``offline_s`` (seconds without a fix after which a
  vehicle is offline, against the worker's clock; default
  ``CITYBRAIN_VEHICLE_OFFLINE_S``, 600);
- ``GET /vehicles/positions/{vehicle_id}``: one vehicle (404 if it never reported);
- ``GET /vehicles/tracks/{vehicle_id}?start=&end=&tolerance_m=``: playback of
  one vehicle's landed fixes in [start, end] (:mod:`streams.vehicles.playback`),
  ordered, cleaned and simplified by Douglas–Peucker to ``tolerance_m``
  metres; 404 ``unknown_vehicle`` for a vehicle not in the reference table,
  400 ``invalid_query`` for a missing or zone-less time, ``end`` not after
  ``start``, a range over 24 h or a tolerance outside 0–1,000 m; 503
  ``landing_unreadable`` when a landing file cannot be read. Read from the
  Parquet landing (:mod:`streams.vehicles.landed`), in a thread.

Callers send ``Authorization: Bearer <token>`` (``citybrain token issue``):
any role of the case API may read positions; without ``CITYBRAIN_API_SECRET``
every request answers 503, as the case API does. The position pages read the
table ``vehicles`` only: with several workers, each serves the vehicles of
the ``gps.fixes`` partitions it owns (playback reads the shared landing, so
any worker answers for any vehicle).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import h3
import orjson

from citybrain import auth
from citybrain.settings import Settings
from streams.cases.api.model import ApiConfig, ApiError, error
from streams.cases.api.routing import authenticate
from streams.vehicles import landed, playback
from streams.vehicles.fleet import Fleet

OFFLINE_AFTER_S = 600.0
VEHICLE_TYPES = frozenset({"sanitation", "enforcement", "muck_truck", "emergency"})


def position(
    vehicle_id: str,
    value: Mapping[str, Any],
    vehicle: Mapping[str, Any],
    *,
    now_s: float,
    offline_s: float = OFFLINE_AFTER_S,
) -> dict[str, Any]:
    """The live view of one vehicle's stored value."""
    last = value["last"]
    muck = vehicle.get("vehicle_type") == "muck_truck"
    return {
        "vehicle_id": vehicle_id,
        "plate": vehicle.get("plate"),
        "vehicle_type": vehicle.get("vehicle_type"),
        "department": vehicle.get("department") or (None if muck else vehicle.get("owner")),
        "company": vehicle.get("company") or (vehicle.get("owner") if muck else None),
        "fixed_at": last["fixed_at"],
        "lat": last["lat"],
        "lng": last["lng"],
        "speed_kmh": last["speed_kmh"],
        "heading_deg": last["heading_deg"],
        "status_flags": last.get("status_flags", 0),
        "is_offline": now_s - last["at_s"] > offline_s,
        "open_violations": sorted(value.get("episodes", {})),
    }


def parse_filters(
    query: Mapping[str, str], *, offline_s: float = OFFLINE_AFTER_S
) -> dict[str, Any]:
    """Filters from query parameters; ValueError with the reason for a bad one."""
    filters: dict[str, Any] = {"offline_s": offline_s}
    if kind := query.get("type"):
        if kind not in VEHICLE_TYPES:
            raise ValueError(f"type must be one of {', '.join(sorted(VEHICLE_TYPES))}")
        filters["vehicle_type"] = kind
    if box := query.get("bbox"):
        try:
            south, west, north, east = (float(v) for v in box.split(","))
        except ValueError:
            raise ValueError("bbox must be south,west,north,east in degrees") from None
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise ValueError(
                "bbox must have -90 <= south <= north <= 90, -180 <= west <= east <= 180"
            )
        filters["bbox"] = (south, west, north, east)
    if cells := query.get("cells"):
        found = [c.strip() for c in cells.split(",") if c.strip()]
        if not found or len(found) > 10_000 or not all(h3.is_valid_cell(c) for c in found):
            raise ValueError("cells must be up to 10,000 comma-separated H3 cells")
        filters["cells"] = frozenset(found)
    if offline := query.get("offline_s"):
        try:
            filters["offline_s"] = float(offline)
        except ValueError:
            raise ValueError("offline_s must be a number of seconds") from None
        if not filters["offline_s"] > 0:
            raise ValueError("offline_s must be a positive number of seconds")
    if (wanted := query.get("offline")) is not None:
        if wanted not in ("true", "false"):
            raise ValueError("offline must be true or false")
        filters["is_offline"] = wanted == "true"
    return filters


def matches(view: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """True when a position view passes every filter."""
    if "vehicle_type" in filters and view["vehicle_type"] != filters["vehicle_type"]:
        return False
    if "is_offline" in filters and view["is_offline"] != filters["is_offline"]:
        return False
    if "bbox" in filters:
        south, west, north, east = filters["bbox"]
        if not (south <= view["lat"] <= north and west <= view["lng"] <= east):
            return False
    if "cells" in filters:
        resolutions = {h3.get_resolution(c) for c in filters["cells"]}
        cells = {h3.latlng_to_cell(view["lat"], view["lng"], r) for r in resolutions}
        if not cells & filters["cells"]:
            return False
    return True


def positions(
    values: Iterable[tuple[str, Mapping[str, Any] | None]],
    fleet: Fleet,
    filters: Mapping[str, Any],
    *,
    now_s: float,
) -> list[dict[str, Any]]:
    """Views of the stored values that pass the filters, by vehicle id."""
    out = []
    for vehicle_id, value in values:
        if not value or not value.get("last") or vehicle_id not in fleet.vehicles:
            continue
        view = position(
            vehicle_id,
            value,
            fleet.vehicles[vehicle_id],
            now_s=now_s,
            offline_s=filters["offline_s"],
        )
        if matches(view, filters):
            out.append(view)
    return sorted(out, key=lambda v: v["vehicle_id"])


def refusal(
    authorization: str | None, *, config: ApiConfig, now_s: float
) -> tuple[int, Any, dict[str, str]] | None:
    """(status, JSON body, headers) refusing a request's token, or None when it may read."""
    if problem := auth.secret_problem(config.secret):
        response = error(503, "not_configured", problem)
        return response.status, response.body, dict(response.headers)
    try:
        authenticate(authorization, config, datetime.fromtimestamp(now_s, UTC))
    except ApiError as exc:
        return exc.status, {"error": exc.code, "message": exc.message}, exc.headers
    return None


def answer(
    path_tail: Sequence[str],
    query: Mapping[str, str],
    authorization: str | None,
    *,
    values: Iterable[tuple[str, Mapping[str, Any] | None]],
    fleet: Fleet,
    config: ApiConfig,
    now_s: float,
    offline_s: float = OFFLINE_AFTER_S,
) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body, headers) of one request under /vehicles/positions."""
    if refused := refusal(authorization, config=config, now_s=now_s):
        return refused
    try:
        filters = parse_filters(query, offline_s=offline_s)
    except ValueError as exc:
        return 400, {"error": "invalid_query", "message": str(exc)}, {}
    found = positions(values, fleet, filters, now_s=now_s)
    if not path_tail:
        return 200, found, {}
    one = [v for v in found if v["vehicle_id"] == path_tail[0]]
    if not one:
        return 404, {"error": "not_found", "message": f"no position of {path_tail[0]!r}"}, {}
    return 200, one[0], {}


def answer_track(
    vehicle_id: str,
    query: Mapping[str, str],
    authorization: str | None,
    *,
    read: Callable[..., list[dict[str, Any]]],
    fleet: Fleet,
    config: ApiConfig,
    now_s: float,
) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body, headers) of ``GET /vehicles/tracks/{vehicle_id}``.

    ``read(vehicle_id=, start=, end=)`` returns the landed fixes (the only I/O).
    """
    if refused := refusal(authorization, config=config, now_s=now_s):
        return refused
    if vehicle_id not in fleet.vehicles:
        return 404, {"error": "unknown_vehicle", "message": f"no vehicle {vehicle_id!r}"}, {}
    try:
        request = playback.parse_request(query)
    except ValueError as exc:
        return 400, {"error": "invalid_query", "message": str(exc)}, {}
    try:
        rows = read(vehicle_id=vehicle_id, start=request["start"], end=request["end"])
    except landed.LandingUnreadable as exc:
        return 503, {"error": "landing_unreadable", "message": str(exc)}, {}
    vehicle = fleet.vehicles[vehicle_id]
    return (
        200,
        {
            "vehicle_id": vehicle_id,
            "plate": vehicle.get("plate"),
            "vehicle_type": vehicle.get("vehicle_type"),
            "start": request["start"].isoformat(),
            "end": request["end"].isoformat(),
            "tolerance_m": request["tolerance_m"],
            **playback.playback(rows, tolerance_m=request["tolerance_m"]),
        },
        {},
    )


def register(app: Any, table: Any, fleet: Fleet, settings: Settings) -> None:
    """Serve the position pages from ``table`` on ``app``'s web server."""
    import faust

    config = ApiConfig.from_settings(settings)

    async def serve(view: faust.web.View, request: Any, tail: Sequence[str]) -> Any:
        status, body, headers = answer(
            tail,
            dict(request.query),
            request.headers.get("Authorization"),
            values=list(table.items()),
            fleet=fleet,
            config=config,
            now_s=time.time(),
            offline_s=settings.vehicle_offline_s,
        )
        return view.bytes(
            orjson.dumps(body), content_type="application/json", status=status, headers=headers
        )

    async def serve_track(view: faust.web.View, request: Any, vehicle_id: str) -> Any:
        def read(**kwargs: Any) -> list[dict[str, Any]]:
            return landed.vehicle_fixes(settings.landing_dir, **kwargs)

        status, body, headers = await asyncio.to_thread(
            answer_track,
            vehicle_id,
            dict(request.query),
            request.headers.get("Authorization"),
            read=read,
            fleet=fleet,
            config=config,
            now_s=time.time(),
        )
        return view.bytes(
            orjson.dumps(body), content_type="application/json", status=status, headers=headers
        )

    @app.page("/vehicles/tracks/{vehicle_id}", name="vehicle_track")
    async def one_track(view: faust.web.View, request: faust.web.Request, vehicle_id: str) -> Any:
        return await serve_track(view, request, vehicle_id)

    @app.page("/vehicles/positions", name="vehicle_positions")
    async def all_positions(view: faust.web.View, request: faust.web.Request) -> Any:
        return await serve(view, request, ())

    @app.page("/vehicles/positions/{vehicle_id}", name="vehicle_position")
    async def one_position(
        view: faust.web.View, request: faust.web.Request, vehicle_id: str
    ) -> Any:
        return await serve(view, request, (vehicle_id,))
