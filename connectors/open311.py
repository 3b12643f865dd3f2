"""Open311 GeoReport v2: citybrain categories as services, requests as citizen reports.

Pure functions behind the Open311 door of the report intake
(``connectors.report_intake`` serves them under ``/open311/v2/``; the service list is
:mod:`connectors.open311_services`):

- :func:`report_from_request`: a POSTed form or JSON body → a validated
  ``reports.citizen`` row, or :class:`Open311Error` (rendered as the spec's
  error list ``[{"code": 400, "description": "..."}]``);
- :func:`service_request`: a report row and its status → the spec's service
  request object; :class:`RequestFilter` applies GET requests' parameters;
- :func:`render`: JSON, or XML when the path ends in ``.xml``.

POST field mapping (spec → ``reports.citizen``): ``service_code`` → category and
service_code; ``lat`` / ``long`` → ``lat`` / ``lng`` (WGS-84 degrees);
``address_string`` → address; ``description`` → description;
``requested_datetime`` (an extension: ISO-8601 with zone, not in the future) →
event_at, else the time the request arrived. The contract needs a point and
there is no geocoder yet, so a request with only ``address_string`` or
``address_id`` is refused with a 400 that says so. ``email``, ``phone``,
``first_name``, ``last_name``, ``device_id``, ``account_id``, ``media_url`` and
``attribute[...]`` are not carried: the contract has no place for them and
personal data is not published.

``service_request_id`` is the report's ``event_id``: ``open311-`` and 16 hex
digits of a digest of the published fields and event_at. A client that retries
with the same ``requested_datetime`` gets the same id (downstream dedups by
event id); without it every POST is a new request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import orjson

from citybrain.contracts import ContractViolation, report
from citybrain.contracts.base import utc_timestamp
from citybrain.deadletters import content_id
from connectors.open311_services import SERVICES, service_name

MAX_REQUESTS = 1000  # GET requests answers at most this many, newest first
MAX_SPAN = timedelta(days=90)  # the spec's widest start_date .. end_date span
CLOCK_SKEW = timedelta(minutes=5)  # requested_datetime may be this far "in the future"
DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")  # datetimes are answered with this offset

Bounds = tuple[float, float, float, float]  # south, west, north, east (WGS-84 degrees)


class Open311Error(ValueError):
    """A request the endpoint refuses; rendered as ``[{"code": ..., "description": ...}]``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def errors(self) -> list[dict[str, Any]]:
        """The spec's error list."""
        return [{"code": self.code, "description": self.description}]


@dataclass(frozen=True)
class RequestStatus:
    """Where a service request stands, as the case engine (or the report itself) says."""

    status: str  # "open" or "closed"
    updated_at: datetime  # tz-aware; the closing time once closed
    notes: str | None = None
    agency: str | None = None
    expected_at: datetime | None = None


def _field(body: Mapping[str, Any], name: str) -> Any:
    value = body.get(name)
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, "") else value


def _degrees(body: Mapping[str, Any], name: str) -> float:
    value = _field(body, name)
    if isinstance(value, bool):
        raise Open311Error(400, f"{name} must be a number of WGS-84 degrees")
    try:
        degrees = float(value)
    except (TypeError, ValueError):
        raise Open311Error(400, f"{name} must be a number of WGS-84 degrees") from None
    if not math.isfinite(degrees):
        raise Open311Error(400, f"{name} must be a finite number")
    return degrees


def outside(bounds: Bounds | None, *, lat: float, lng: float) -> bool:
    """True when a point lies outside the service area ``bounds`` (None: no area)."""
    if bounds is None:
        return False
    south, west, north, east = bounds
    return not (south <= lat <= north and west <= lng <= east)


def report_from_request(
    body: Mapping[str, Any], *, received_at: datetime, bounds: Bounds | None = None
) -> dict[str, Any]:
    """A POST requests body (form fields or JSON) → a validated ``reports.citizen`` row.

    ``received_at`` (tz-aware) is event_at unless ``requested_datetime`` is
    given; ``bounds`` (south, west, north, east) refuses points outside the
    service area. Raises :class:`Open311Error` (code 400) with the reason.
    """
    code = _field(body, "service_code")
    if code is None:
        raise Open311Error(400, "service_code is required")
    if not isinstance(code, str) or code not in SERVICES:
        raise Open311Error(400, f"service_code {code!r} is not a service of this endpoint")
    has_point = _field(body, "lat") is not None or _field(body, "long") is not None
    if not has_point:
        if _field(body, "address_string") is None and _field(body, "address_id") is None:
            raise Open311Error(
                400, "a location is required: lat and long, address_string or address_id"
            )
        raise Open311Error(
            400, "lat and long are required: this endpoint cannot locate an address yet"
        )
    lat, lng = _degrees(body, "lat"), _degrees(body, "long")
    if outside(bounds, lat=lat, lng=lng):
        raise Open311Error(400, f"lat={lat}, long={lng} lies outside this jurisdiction")
    event_at = received_at
    requested = _field(body, "requested_datetime")
    if requested is not None:
        try:
            event_at = utc_timestamp(requested, field="requested_datetime")
        except ContractViolation as exc:
            raise Open311Error(400, exc.reason) from None
        if event_at > received_at + CLOCK_SKEW:
            raise Open311Error(400, "requested_datetime is in the future")
    doc = {
        "channel": "open311",
        "category": code,
        "service_code": code,
        "description": _field(body, "description") or "",
        "address": _field(body, "address_string") or "",
        "lat": lat,
        "lng": lng,
    }
    digest = content_id(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), event_at.isoformat())
    doc["event_id"] = f"open311-{digest[:16]}"
    doc["event_at"] = event_at.astimezone(UTC).isoformat()
    try:
        return report.validate(doc)
    except ContractViolation as exc:
        raise Open311Error(400, exc.reason) from None


def posted(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The spec's answer to a POST: the new request's id (no token, no account)."""
    return [{"service_request_id": row["event_id"], "service_notice": None, "account_id": None}]


def _local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(DISPLAY_ZONE).isoformat("T", "seconds")


def service_request(row: Mapping[str, Any], status: RequestStatus | None) -> dict[str, Any]:
    """A ``reports.citizen`` row and its status → the spec's service request object.

    Without a status (no case engine answer) the request is ``open`` and was
    last updated when it was reported. Datetimes are whole seconds with the
    +08:00 offset.
    """
    status = status or RequestStatus("open", row["event_at"])
    return {
        "service_request_id": row["event_id"],
        "status": status.status,
        "status_notes": status.notes,
        "service_name": service_name(row["category"]),
        "service_code": row["category"],
        "description": row["description"] or None,
        "agency_responsible": status.agency,
        "service_notice": None,
        "requested_datetime": _local(row["event_at"]),
        "updated_datetime": _local(status.updated_at),
        "expected_datetime": _local(status.expected_at),
        "address": row["address"] or None,
        "lat": row["lat"],
        "long": row["lng"],
        "media_url": None,
    }


def _csv(query: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (query.get(name) or "").split(",") if p.strip())


def _date(query: Mapping[str, str], name: str) -> datetime | None:
    value = (query.get(name) or "").strip()
    if not value:
        return None
    try:
        return utc_timestamp(value, field=name)
    except ContractViolation as exc:
        raise Open311Error(400, exc.reason) from None


@dataclass(frozen=True)
class RequestFilter:
    """GET requests parameters: ids override everything else; dates span ≤ 90 days."""

    ids: tuple[str, ...]
    service_codes: frozenset[str]
    start: datetime
    end: datetime
    statuses: frozenset[str]

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, now: datetime) -> RequestFilter:
        """Parse the query string; a bad parameter is an :class:`Open311Error` (400).

        With no dates the window is the 90 days before ``now``; with one date
        it extends 90 days from it.
        """
        start, end = _date(query, "start_date"), _date(query, "end_date")
        if start is None and end is None:
            end = now
        start = start or end - MAX_SPAN
        end = end or start + MAX_SPAN
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
        statuses = frozenset(_csv(query, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma-separated)")
        return cls(
            _csv(query, "service_request_id"),
            frozenset(_csv(query, "service_code")),
            start,
            end,
            statuses,
        )

    def admits(self, row: Mapping[str, Any]) -> bool:
        """Whether a report passes the filters that do not need its status."""
        if self.ids:
            return row["event_id"] in self.ids
        if self.service_codes and row["category"] not in self.service_codes:
            return False
        return self.start <= row["event_at"] <= self.end

    def admits_status(self, status: str) -> bool:
        """Whether a request in ``status`` passes (ids given: always)."""
        return bool(self.ids) or not self.statuses or status in self.statuses


def newest_first(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Report rows ordered by event_at, newest first (GET requests answers at most
    :data:`MAX_REQUESTS` of them)."""
    return sorted(rows, key=lambda row: row["event_at"], reverse=True)


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_ROOTS = {"service": "services", "request": "service_requests", "error": "errors"}


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_UNSAFE.sub("", str(value))


def render(items: list[dict[str, Any]], *, fmt: str, item: str) -> bytes:
    """JSON array, or XML ``<services><service>``, ``<service_requests><request>``
    or ``<errors><error>`` (``item`` names the element) when ``fmt`` is ``xml``."""
    if fmt == "json":
        return orjson.dumps(items)
    root = ElementTree.Element(XML_ROOTS[item])
    for entry in items:
        element = ElementTree.SubElement(root, item)
        for name, value in entry.items():
            ElementTree.SubElement(element, name).text = _xml_text(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
