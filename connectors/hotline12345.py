"""12345 hotline work orders (CSV / JSON exports, webhook records) → ``reports.citizen`` rows.

A 12345 system exports its work orders (工单) with Chinese headers; integrations
often use English keys. Either is accepted. English headers are matched
ignoring case, spaces, ``_`` and ``-`` (``ticketId`` = ``ticket_id``).

- ticket — 工单编号, 工单号, 受理编号, 热线单号 / ticket_id, order_no, case_id: required,
  ``[0-9A-Za-z_.-]{1,64}``; the event_id is ``12345-<ticket>``;
- received — 受理时间, 来电时间, 登记时间, 工单时间 / received_at, accepted_at, created_at:
  required (see Times);
- description — 诉求内容, 来电内容, 问题描述 / description, content: ≤ 4000 chars;
- problem class — 问题分类, 诉求分类, 事项分类, 问题类型, 诉求类型 / problem_class,
  category, type: → category by :data:`PROBLEM_CLASSES`, and kept as
  service_code (its first 64 chars);
- address — 地址, 事发地址, 诉求地址, 发生地点, 事发地点, 问题点位 / address:
  ≤ 400 chars;
- longitude, latitude — 经度 / lng, longitude, lon and 纬度 / lat, latitude:
  required, WGS-84 degrees.

Times: a time without a zone (the usual export) is Asia/Shanghai local time
(``2024-05-01 08:30:00``, ``2024/5/1 8:30``, ``2024年5月1日 08:30``,
``20240501083000``); ISO-8601 with a zone is honoured; a JSON number is epoch
seconds (or milliseconds above 1e11); a date without a time of day, or a time
more than 5 minutes after loading, is refused. Every row becomes a UTC event_at.

Coordinates must be WGS-84 (CGCS2000, as from 天地图, counts as WGS-84). Points
taken from Amap / Tencent (GCJ-02) or Baidu (BD-09) maps are not converted
here: such exports are not supported yet. Swapped 经度/纬度 in China are refused.

Caller columns (:data:`PRIVATE_COLUMNS`: 来电人, 联系电话, ...) are never read,
and the intake leaves them out of dead letters. A row without
coordinates cannot meet the contract and is refused with its row number.
Loading an export twice yields the same event ids (downstream dedups by id).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from citybrain.categories import REPORT_CATEGORIES
from citybrain.contracts import ContractViolation, report
from connectors.open311 import Bounds, outside

EXPORT_ZONE = ZoneInfo("Asia/Shanghai")
MAX_ROWS = 100_000  # work orders in one XLSX export (a workbook expands far beyond its bytes)
CLOCK_SKEW = timedelta(minutes=5)
MAX_SERVICE_CODE_CHARS = 64

COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": ("工单编号", "工单号", "受理编号", "热线单号", "ticket_id", "order_no", "case_id"),
    "received": (
        "受理时间",
        "来电时间",
        "登记时间",
        "工单时间",
        "received_at",
        "accepted_at",
        "created_at",
    ),
    "description": ("诉求内容", "来电内容", "问题描述", "description", "content"),
    "problem_class": (
        "问题分类",
        "诉求分类",
        "事项分类",
        "问题类型",
        "诉求类型",
        "problem_class",
        "category",
        "type",
    ),
    "address": ("地址", "事发地址", "诉求地址", "发生地点", "事发地点", "问题点位", "address"),
    "lng": ("经度", "lng", "longitude", "lon"),
    "lat": ("纬度", "lat", "latitude"),
}
REQUIRED = ("ticket", "received", "lng", "lat")
# caller columns: never read, and left out of dead letters
PRIVATE_COLUMNS = (
    "来电人",
    "来电人姓名",
    "姓名",
    "联系电话",
    "来电号码",
    "联系方式",
    "联系人姓名",
    "联系人电话",
    "caller",
    "phone",
)

# 12345 problem-class keyword -> citybrain category. Classes are often paths
# ("城市管理-市容环境-占道经营"): the longest keyword found wins, then the one
# nearest the end. Citybrain codes and Chinese names match as themselves; a
# class matching nothing is "other" (the case engine classifies further).
PROBLEM_CLASSES: tuple[tuple[str, str], ...] = (
    ("占道经营", "lane_occupation"),
    ("占道摆摊", "lane_occupation"),
    ("马路市场", "lane_occupation"),
    ("店外经营", "out_of_store_business"),
    ("出店经营", "out_of_store_business"),
    ("跨门营业", "out_of_store_business"),
    ("无证游商", "unlicensed_peddler"),
    ("流动摊贩", "unlicensed_peddler"),
    ("流动商贩", "unlicensed_peddler"),
    ("游商", "unlicensed_peddler"),
    ("乱堆物料", "piled_materials"),
    ("乱堆乱放", "piled_materials"),
    ("堆物堆料", "piled_materials"),
    ("非法小广告", "illegal_small_ads"),
    ("小广告", "illegal_small_ads"),
    ("乱张贴", "illegal_small_ads"),
    ("乱涂写", "illegal_small_ads"),
    ("牛皮癣", "illegal_small_ads"),
    ("沿街晾晒", "street_drying"),
    ("乱晾晒", "street_drying"),
    ("违章停车", "illegal_parking"),
    ("违法停车", "illegal_parking"),
    ("违停", "illegal_parking"),
    ("乱停车", "illegal_parking"),
    ("乱停乱放", "illegal_parking"),
    ("暴露垃圾", "exposed_garbage"),
    ("生活垃圾", "exposed_garbage"),
    ("垃圾", "exposed_garbage"),
    ("建筑垃圾", "construction_waste"),
    ("装修垃圾", "construction_waste"),
    ("渣土", "construction_waste"),
    ("道路破损", "road_damage"),
    ("路面破损", "road_damage"),
    ("人行道破损", "road_damage"),
    ("坑洼", "road_damage"),
    ("道路积水", "waterlogging"),
    ("积水", "waterlogging"),
    ("内涝", "waterlogging"),
    ("井盖", "manhole_cover"),
    ("路灯", "street_light"),
    ("噪声", "noise"),
    ("噪音", "noise"),
)
_KEYWORDS = PROBLEM_CLASSES + tuple((name, code) for code, name in REPORT_CATEGORIES.items())

_TICKET = re.compile(r"[0-9A-Za-z_.\-]{1,64}")
_DATE_ONLY = re.compile(r"\d{8}|\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y%m%d%H%M%S",
)


class ExportError(ValueError):
    """An export that cannot be read as a whole; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Refusal:
    """A refused row: CSV line number (header = 1) or JSON position (from 1), and why."""

    row: int
    reason: str
    record: Any


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", str(header).replace("\ufeff", "")).lower()


_FIELD_OF = {_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def category_of(problem_class: str) -> str:
    """The citybrain category of a 12345 problem class (``other`` when none matches)."""
    text = problem_class.strip()
    if text in REPORT_CATEGORIES:
        return text
    best: tuple[tuple[int, int], str] | None = None
    for keyword, category in _KEYWORDS:
        at = text.rfind(keyword)
        if at >= 0 and (best is None or (len(keyword), at) > best[0]):
            best = ((len(keyword), at), category)
    return best[1] if best else "other"


def _fields(record: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for header, value in record.items():
        name = _FIELD_OF.get(_key(header))
        blank = value is None or (isinstance(value, str) and not value.strip())
        if name and not blank and name not in found:
            found[name] = value.strip() if isinstance(value, str) else value
    return found


def received_at(value: Any) -> datetime:
    """A 受理时间 value → tz-aware UTC datetime (naive = Asia/Shanghai)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ContractViolation(f"受理时间 {value!r} is not a time")
        try:
            moment = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ContractViolation(f"受理时间 {value!r} is not a time") from None
    else:
        text = str(value).strip()
        if _DATE_ONLY.fullmatch(text):
            raise ContractViolation(f"受理时间 {text!r} has no time of day")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ContractViolation(f"受理时间 {text!r} is not a known time format") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=EXPORT_ZONE)
    return moment.astimezone(UTC)


def _degrees(fields: Mapping[str, Any], name: str, header: str) -> float:
    value = fields.get(name)
    if value is None:
        raise ContractViolation(f"{header} is missing: the contract needs a WGS-84 point")
    try:
        degrees = float(value)
    except (TypeError, ValueError):
        raise ContractViolation(f"{header} {value!r} is not a number") from None
    if not math.isfinite(degrees) or isinstance(value, bool):
        raise ContractViolation(f"{header} {value!r} is not a number")
    return degrees


def _ticket(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():  # spreadsheet numbers
        value = int(value)
    ticket = str(value).strip() if value is not None else ""
    if not ticket:
        raise ContractViolation("工单编号 is missing")
    if not _TICKET.fullmatch(ticket):
        raise ContractViolation(f"工单编号 {ticket!r} is not 1-64 of [0-9A-Za-z_.-]")
    return ticket


def report_from_record(
    record: Mapping[str, Any], *, loaded_at: datetime, bounds: Bounds | None = None
) -> dict[str, Any]:
    """One work order → a validated ``reports.citizen`` row, or ContractViolation.

    ``loaded_at`` (tz-aware) bounds 受理时间 from above; ``bounds`` (south,
    west, north, east) refuses points outside the service area.
    """
    if not isinstance(record, Mapping):
        raise ContractViolation(f"a work order must be an object, got {type(record).__name__}")
    fields = _fields(record)
    ticket = _ticket(fields.get("ticket"))
    if fields.get("received") is None:
        raise ContractViolation("受理时间 is missing")
    event_at = received_at(fields["received"])
    if event_at > loaded_at + CLOCK_SKEW:
        raise ContractViolation(f"受理时间 {fields['received']!r} is in the future")
    lng, lat = _degrees(fields, "lng", "经度"), _degrees(fields, "lat", "纬度")
    if 73 <= lat <= 135 and 18 <= lng <= 54:
        raise ContractViolation(f"经度={lng} and 纬度={lat} look swapped")
    if outside(bounds, lat=lat, lng=lng):
        raise ContractViolation(f"纬度={lat}, 经度={lng} lies outside the service area")
    problem_class = str(fields.get("problem_class") or "")
    return report.validate(
        {
            "event_id": f"12345-{ticket}",
            "event_at": event_at.isoformat(),
            "channel": "12345",
            "category": category_of(problem_class),
            "service_code": problem_class[:MAX_SERVICE_CODE_CHARS],
            "description": str(fields.get("description") or ""),
            "address": str(fields.get("address") or ""),
            "lat": lat,
            "lng": lng,
        }
    )


def reports_from_records(
    records: Iterable[Any],
    *,
    loaded_at: datetime,
    bounds: Bounds | None = None,
    first_row: int = 2,
) -> tuple[list[dict[str, Any]], list[Refusal]]:
    """Rows for every valid work order, and a :class:`Refusal` for every other one.

    Rows are numbered from ``first_row`` (2 for CSV, whose line 1 is the
    header; 1 for JSON). Blank rows are skipped without a refusal.
    """
    rows: list[dict[str, Any]] = []
    refused: list[Refusal] = []
    for number, record in enumerate(records, start=first_row):
        if isinstance(record, Mapping) and not any(
            str("" if v is None else v).strip() for v in record.values()
        ):
            continue
        try:
            rows.append(report_from_record(record, loaded_at=loaded_at, bounds=bounds))
        except ContractViolation as exc:
            refused.append(Refusal(number, exc.reason, record))
    return rows, refused


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
    except UnicodeDecodeError:
        raise ExportError("export is neither UTF-8 nor GB18030 text") from None


def read_export(raw: bytes, *, kind: str | None = None) -> tuple[list[Any], int]:
    """An export's bytes → (records, number of the first record's row).

    ``kind`` is ``csv``, ``json`` or ``xlsx`` (first sheet, header row); None
    sniffs (a ZIP header: XLSX; ``[`` or ``{`` first: JSON; else CSV).
    JSON is an array of work orders, an object holding one under ``records``,
    ``data``, ``rows`` or ``items``, or one work order. A CSV header must name
    the ticket, time and coordinate columns (:data:`COLUMNS`).
    """
    if kind == "xlsx" or (kind is None and raw[:4] == b"PK\x03\x04"):
        return _xlsx_records(raw), 2
    text = _text(raw)
    if kind is None:
        kind = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    if kind == "json":
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ExportError(f"not valid JSON: {exc}") from None
        if isinstance(doc, dict):
            inner = [doc[k] for k in ("records", "data", "rows", "items") if k in doc]
            doc = inner[0] if inner and isinstance(inner[0], list) else [doc]
        if not isinstance(doc, list):
            raise ExportError("JSON export must be an array of work orders or one work order")
        return doc, 1
    if kind != "csv":
        raise ExportError(f"unknown export kind {kind!r}; expected csv or json")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(reader.fieldnames or ())
    return list(reader), 2


def _check_header(header: Iterable[Any]) -> None:
    present = {_FIELD_OF.get(_key(h)) for h in header if h is not None}
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        wanted = "; ".join("/".join(COLUMNS[name]) for name in missing)
        raise ExportError(f"header lacks required columns: {wanted}")


def _xlsx_records(raw: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        if not book.worksheets:
            raise ExportError("the XLSX workbook has no sheet")
        rows = list(islice(book.worksheets[0].iter_rows(values_only=True), MAX_ROWS + 2))
    except ExportError:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken file, also while reading
        raise ExportError(f"not a readable XLSX workbook: {type(exc).__name__}") from None
    if len(rows) > MAX_ROWS + 1:
        raise ExportError(f"an export may hold at most {MAX_ROWS} work orders")
    header = [str(h) if h is not None else "" for h in (rows[0] if rows else ())]
    _check_header(header)
    return [dict(zip(header, values, strict=False)) for values in rows[1:]]
