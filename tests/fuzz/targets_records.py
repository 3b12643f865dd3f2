"""Fuzz targets of the source contracts and the file/record connectors.

The Kafka contracts (video detections, GPS fixes, hydrology readings, citizen
reports, permits), the 12345 hotline export and webhook, Open311 requests and
queries, and the permit exports. The GPS and hydrology contract seeds are rows
our own sessions made from the frames in ``targets_frames``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import orjson
from target_base import COUNTY, FIXTURES, LOADED_AT, Target, query_of
from targets_frames import JT_LOCATION, SL_HEX

from citybrain.contracts import CONTRACTS, ContractViolation, decode_rows, encode_row
from connectors import hotline12345, open311, permits
from connectors.jt808.session import Session as JtSession
from connectors.sl651.session import Session as SlSession
from connectors.sl651.session import Station

# --- seeds ---------------------------------------------------------------------------------

DEEPSTREAM = tuple(
    line.encode()
    for line in (FIXTURES / "deepstream" / "smart-parking-3.jsonl").read_text().split("\n")
    if line
)
HOTLINE_CSV = (
    "工单编号,受理时间,来电人,诉求内容,问题分类,地址,经度,纬度\n"
    "GD250715123,2025-07-15 08:30:00,王女士,卖水果,市容-占道经营,解放路口,120.1712,30.2598\n"
    "GD250715124,2025/7/15 9:05,李先生,井盖松动,市政设施-井盖,凤起路88号,120.1630,30.2702\n"
).encode("utf-8-sig")


def _xlsx(text: bytes) -> bytes:
    """The CSV export as an XLSX workbook (what the hotline's Excel export sends)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in csv.reader(io.StringIO(text.decode("utf-8-sig"))):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HOTLINE_XLSX = _xlsx(HOTLINE_CSV)
HOTLINE_RECORD = orjson.dumps(
    {
        "工单编号": "GD250715123",
        "受理时间": "2025-07-15 08:30:00",
        "诉求内容": "卖水果",
        "问题分类": "市容-占道经营",
        "经度": 120.1712,
        "纬度": 30.2598,
    }
)
OPEN311_JSON = orjson.dumps(
    {"service_code": "unlicensed_peddler", "lat": 30.25, "long": 120.15, "description": "x"}
)
OPEN311_FORM = b"service_code=unlicensed_peddler&lat=30.25&long=120.15&description=%E5%8D%96"
PERMIT_CSV = (
    "permit_id,permit_type,holder,status,valid_from,valid_to,time_windows,plates,geometry\n"
    "P1,muck_transport,城建公司,active,2026-07-01,2026-08-01,22:00-05:00,浙A12345,"
    '"LINESTRING (120.15 30.25, 120.16 30.26)"\n'
).encode()


def _rows_of(outcome: Any) -> tuple[bytes, ...]:
    return tuple(encode_row(row) for row in outcome.rows)


# contract seeds: rows our own connectors made from the real payloads above
GPS_FIXES = _rows_of(
    JtSession(secret=b"k", phone="013300000001", authenticated=True).handle(JT_LOCATION)
)
HYDRO_READINGS = _rows_of(
    SlSession(stations={"0010100001": Station("0010100001", "rain", 30.25, 120.15)}).handle(SL_HEX)
)
REPORT = encode_row(
    open311.report_from_request(orjson.loads(OPEN311_JSON), received_at=LOADED_AT, bounds=COUNTY)
)
PERMIT = encode_row(
    permits.permit_row(
        next(csv.DictReader(io.StringIO(PERMIT_CSV.decode()))),
        mapping=permits.CITYBRAIN_EXPORT,
        area=permits.Area(*COUNTY),
        loaded_at=LOADED_AT,
    )
)


# --- contracts and connectors ----------------------------------------------------------------


def contract(topic: str) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        for row in decode_rows(topic, data):
            assert set(row) == set(CONTRACTS[topic].columns)

    run.__name__ = f"contract_{topic}"
    return run


def hotline_export(data: bytes) -> None:
    records, first = hotline12345.read_export(data)
    _rows, refused = hotline12345.reports_from_records(
        records, loaded_at=LOADED_AT, bounds=COUNTY, first_row=first
    )
    assert all(r.reason for r in refused)


def hotline_webhook(data: bytes) -> None:
    try:
        record = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ContractViolation(f"not valid JSON: {exc}") from None
    hotline12345.report_from_record(record, loaded_at=LOADED_AT, bounds=COUNTY)


def open311_request(data: bytes) -> None:
    """A POST requests body as JSON or urlencoded form, like the intake decodes it."""
    import urllib.parse

    try:
        if data.lstrip()[:1] == b"{":
            body = orjson.loads(data)
            if not isinstance(body, dict):
                raise open311.Open311Error(400, "a JSON request body must be one object")
        else:
            body = dict(urllib.parse.parse_qsl(data.decode("utf-8"), keep_blank_values=True))
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise open311.Open311Error(400, f"the request body cannot be read: {exc}") from None
    open311.report_from_request(body, received_at=LOADED_AT, bounds=COUNTY)


def open311_query(data: bytes) -> None:
    open311.RequestFilter.from_query(query_of(data), now=LOADED_AT)


def permit_export(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    area = permits.Area(*COUNTY)
    for mapping in permits.FORMATS.values():
        permits.permit_messages(records, mapping=mapping, area=area, loaded_at=LOADED_AT)


RECORD_TARGETS: tuple[Target, ...] = (
    Target("contract_video", contract("detections.video"), (ContractViolation,), DEEPSTREAM),
    Target("contract_gps", contract("gps.fixes"), (ContractViolation,), GPS_FIXES),
    Target("contract_hydro", contract("hydro.readings"), (ContractViolation,), HYDRO_READINGS),
    Target("contract_report", contract("reports.citizen"), (ContractViolation,), (REPORT,)),
    Target("contract_permit", contract("permits"), (ContractViolation,), (PERMIT,)),
    Target(
        "hotline_export",
        hotline_export,
        (hotline12345.ExportError,),
        (HOTLINE_CSV, b"[" + HOTLINE_RECORD + b"]", HOTLINE_XLSX),
    ),
    Target("hotline_webhook", hotline_webhook, (ContractViolation,), (HOTLINE_RECORD,)),
    Target(
        "open311_request", open311_request, (open311.Open311Error,), (OPEN311_JSON, OPEN311_FORM)
    ),
    Target(
        "open311_query",
        open311_query,
        (open311.Open311Error,),
        (b"start_date=2025-07-01T00:00:00Z&end_date=2025-07-15T00:00:00Z&status=open",),
    ),
    Target("permit_export", permit_export, (), (PERMIT_CSV,)),
)
