"""Permit exports (CSV, XLSX) → the compacted ``permits`` topic.

Pure functions turn export rows into permit contract rows: a column map
names where each field comes from, geometry (WKT or GeoJSON, WGS-84) is
checked with shapely (valid, no self-intersection, inside the service area)
and its representative point gives lat/lng. Naive export times are read in
the export's zone. Messages are keyed by permit id so compaction keeps the
latest version; a revoked permit is published as its revoked version and then
a tombstone. ``event_id`` is ``<permit id>@<content digest>``: loading the same
export twice adds no version.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from citybrain.contracts import ContractViolation, encode_row, permit


@dataclass(frozen=True)
class Area:
    """The service area as WGS-84 bounds; geometry outside it is refused."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, geometry: shapely.Geometry) -> bool:
        west, south, east, north = geometry.bounds
        return (
            self.south <= south and north <= self.north and self.west <= west and east <= self.east
        )


@dataclass(frozen=True)
class ColumnMap:
    """Where each permit field comes from in an export, and how to read it."""

    columns: Mapping[str, str]  # contract field -> export column
    constants: Mapping[str, str] = field(default_factory=dict)  # e.g. permit_type
    statuses: Mapping[str, str] = field(default_factory=dict)  # export status -> contract
    time_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
    zone: str = "Asia/Shanghai"
    geometry: Callable[[Mapping[str, Any]], str] | None = None  # builds WKT/GeoJSON from a row


CITYBRAIN_EXPORT = ColumnMap(
    columns={
        f: f
        for f in (
            "permit_id",
            "permit_type",
            "holder",
            "status",
            "valid_from",
            "valid_to",
            "time_windows",
            "plates",
        )
    }
    | {"geometry": "geometry"}
)


def _sf_point(row: Mapping[str, Any]) -> str:
    lat, lng = float(row.get("Latitude") or 0), float(row.get("Longitude") or 0)
    return "" if (lat, lng) == (0.0, 0.0) else f"POINT ({lng} {lat})"


SF_MOBILE_FOOD = ColumnMap(  # DataSF "Mobile Food Facility Permit" export
    columns={
        "permit_id": "permit",
        "holder": "Applicant",
        "status": "Status",
        "valid_from": "Approved",
        "valid_to": "ExpirationDate",
    },
    constants={"permit_type": "street_vendor"},
    statuses={
        "APPROVED": "active",
        "ISSUED": "active",
        "EXPIRED": "expired",
        "SUSPEND": "suspended",
    },
    time_formats=("%m/%d/%Y %I:%M:%S %p",),
    zone="America/Los_Angeles",
    geometry=_sf_point,
)
FORMATS = {"citybrain": CITYBRAIN_EXPORT, "sf-mobile-food": SF_MOBILE_FOOD}


def parse_geometry(text: str) -> shapely.Geometry:
    """WKT or GeoJSON (x = lng, y = lat) → shapely geometry, or a ContractViolation."""
    text = (text or "").strip()
    if not text:
        raise ContractViolation("permit has no geometry")
    try:
        return shape(json.loads(text)) if text.startswith("{") else shapely.from_wkt(text)
    except (ValueError, TypeError, KeyError, shapely.errors.GEOSException) as exc:
        raise ContractViolation(f"geometry is neither WKT nor GeoJSON: {exc}") from None


def check_geometry(geometry: shapely.Geometry, *, area: Area) -> None:
    """Refuse empty, invalid (e.g. self-intersecting) or out-of-area geometry."""
    if geometry.is_empty:
        raise ContractViolation("geometry is empty")
    if not geometry.is_valid:
        raise ContractViolation(f"geometry is invalid: {explain_validity(geometry)}")
    if not area.contains(geometry):
        raise ContractViolation(f"geometry {geometry.bounds} lies outside the service area")


def _time(value: Any, *, formats: tuple[str, ...], zone: ZoneInfo) -> str:
    if isinstance(value, datetime):
        moment = value
    else:
        for fmt in formats:
            try:
                moment = datetime.strptime(str(value).strip(), fmt)
                break
            except ValueError:
                continue
        else:
            raise ContractViolation(f"time {value!r} matches none of {list(formats)}")
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def permit_row(
    record: Mapping[str, Any], *, mapping: ColumnMap, area: Area, loaded_at: datetime
) -> dict[str, Any]:
    """One export row → a validated permit contract row (or ContractViolation)."""
    get = {name: record.get(column) for name, column in mapping.columns.items()}
    get.update(mapping.constants)
    status = str(get.get("status") or "").strip()
    status = mapping.statuses.get(status, status.lower())
    text = mapping.geometry(record) if mapping.geometry else str(get.get("geometry") or "")
    geometry = parse_geometry(text)
    check_geometry(geometry, area=area)
    point = geometry.representative_point()
    zone = ZoneInfo(mapping.zone)
    doc = {
        "permit_id": str(get.get("permit_id") or "").strip(),
        "permit_type": get.get("permit_type"),
        "holder": str(get.get("holder") or "").strip(),
        "status": status,
        "valid_from": _time(get.get("valid_from"), formats=mapping.time_formats, zone=zone),
        "valid_to": _time(get.get("valid_to"), formats=mapping.time_formats, zone=zone),
        "time_windows": str(get.get("time_windows") or "").strip(),
        "plates": str(get.get("plates") or "").strip(),
        "geometry_wkt": geometry.wkt,
        "lat": point.y,
        "lng": point.x,
    }
    digest = hashlib.sha1(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]
    doc["event_id"] = f"{doc['permit_id']}@{digest}"
    doc["event_at"] = loaded_at.isoformat()
    return permit.validate(doc)


def permit_messages(
    records: Iterable[Mapping[str, Any]], *, mapping: ColumnMap, area: Area, loaded_at: datetime
) -> tuple[list[tuple[bytes, bytes | None]], list[tuple]]:
    """(key, value) messages for the permits topic, and (row number, reason, record) refusals.

    A revoked permit yields its revoked version, then a tombstone (value None).
    """
    messages: list[tuple[bytes, bytes | None]] = []
    refused: list[tuple] = []
    for number, record in enumerate(records, start=2):  # row 1 is the header
        try:
            row = permit_row(record, mapping=mapping, area=area, loaded_at=loaded_at)
        except ContractViolation as exc:
            refused.append((number, exc.reason, dict(record)))
            continue
        key = row["permit_id"].encode()
        messages.append((key, encode_row(row)))
        if row["status"] == "revoked":
            messages.append((key, None))
    return messages, refused


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, header) or the first sheet of an XLSX (header row)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        return [dict(zip(header, values, strict=False)) for values in rows[1:]]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
