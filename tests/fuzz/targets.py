"""Fuzz targets: one per parser, source contract and HTTP request decoder.

Each :class:`Target` takes arbitrary bytes. It either accepts them or refuses
them with its documented rejection error (``rejects``), whose reason is not
empty; any other exception — or a "never raises" entry point raising at all —
is a crash. The same table drives atheris (``tests/fuzz/atheris_main.py``,
coverage-guided, in a subprocess) and hypothesis (``test_hypothesis_targets``).
Seeds are tiny real payloads: the fixtures in ``tests/fixtures`` and frames
made by our own encoders.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from citybrain import auth
from citybrain.contracts import CONTRACTS, ContractViolation, decode_rows, encode_row
from connectors import hotline12345, open311, permits
from connectors.errors import FrameError
from connectors.jt808 import frames as jt_frames
from connectors.jt808 import messages as jt_messages
from connectors.jt808.session import Session as JtSession
from connectors.sl651 import ascii as sl_ascii
from connectors.sl651 import elements as sl_elements
from connectors.sl651 import frames as sl_frames
from connectors.sl651.session import MixedSplitter, Station
from connectors.sl651.session import Session as SlSession
from streams.cases import api
from streams.flood import feed
from streams.vehicles import playback, web

FIXTURES = Path(__file__).parents[1] / "fixtures"
sys.path.insert(0, str(Path(__file__).parents[1] / "streams" / "cases"))
from test_case_api_support import NOW, OTHER, SECRET, MemoryStore, token  # noqa: E402

COUNTY = (30.2, 120.1, 30.3, 120.2)
LOADED_AT = datetime(2025, 7, 15, 4, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """A function of bytes that accepts or refuses with ``rejects`` (never anything else)."""

    name: str
    run: Callable[[bytes], Any]
    rejects: tuple[type[BaseException], ...] = ()
    seeds: tuple[bytes, ...] = field(default=())


def reason_of(exc: BaseException) -> str:
    """The human reason a rejection error carries."""
    for attr in ("reason", "message", "description"):
        if isinstance(text := getattr(exc, attr, None), str):
            return text
    return str(exc)


# --- seeds ---------------------------------------------------------------------------------

JT_LOCATION = jt_frames.encode_frame(
    msg_id=0x0200,
    phone="13300000001",
    serial=7,
    body=jt_messages.encode_location(
        lat=30.25, lng=120.15, speed_kmh=20, mileage_km=12.5, fixed_at=datetime(2026, 7, 15, 6)
    ),
)
JT_REAL = tuple(
    bytes.fromhex(line.strip()) for line in (FIXTURES / "jt808" / "frames.hex").read_text().split()
)
SL_HEX = bytes.fromhex((FIXTURES / "sl651" / "timed_report.hex").read_text().strip())
SL_ASCII = sl_ascii.encode_frame(
    centre=1,
    station="0010100001",
    password=0xA000,
    function=0x32,
    body=b"000C200724172349ST 0010100001 H TT 2007241723 PJ 13.0 PN05 4.0 Z 0.550 VT 12.68 ",
)
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


# --- byte parsers and sessions ---------------------------------------------------------------


def jt808_frame(data: bytes) -> None:
    frame = jt_frames.decode_frame(data)
    if frame.header.msg_id in (0x0200,):
        jt_messages.parse_location(frame.body)


def jt808_session(data: bytes) -> None:
    """The gateway's per-connection path: split, then each frame through a session."""
    session = JtSession(secret=b"k", phone="013300000001", authenticated=True)
    splitter = jt_frames.FrameSplitter()
    for raw in splitter.feed(data):
        outcome = session.handle(raw)  # documented never to raise
        assert all(reason for reason, _ in outcome.rejections)


def sl651_hex_frame(data: bytes) -> None:
    sl_elements.parse_report(sl_frames.decode_frame(data).body)


def sl651_ascii_frame(data: bytes) -> None:
    sl_ascii.parse_report(sl_ascii.decode_frame(data).body)


STATIONS = {"0010100001": Station("0010100001", "rain", 30.2, 120.1)}


def sl651_session(data: bytes) -> None:
    session, splitter = SlSession(stations=STATIONS), MixedSplitter()
    for raw in splitter.feed(data):
        outcome = session.handle(raw)
        assert all(reason for reason, _ in outcome.rejections)


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


def _query(data: bytes) -> dict[str, str]:
    import urllib.parse

    return dict(urllib.parse.parse_qsl(data.decode("latin-1"), keep_blank_values=True))


def open311_query(data: bytes) -> None:
    open311.RequestFilter.from_query(_query(data), now=LOADED_AT)


def permit_export(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    area = permits.Area(*COUNTY)
    for mapping in permits.FORMATS.values():
        permits.permit_messages(records, mapping=mapping, area=area, loaded_at=LOADED_AT)


def api_token(data: bytes) -> None:
    auth.verify(data.decode("latin-1"), secret=SECRET, now_at=NOW, revoked=frozenset())


def vehicle_filters(data: bytes) -> None:
    web.parse_filters(_query(data))


def vehicle_track_query(data: bytes) -> None:
    playback.parse_request(_query(data))


def flood_cursor(data: bytes) -> None:
    feed.parse_cursor(data.decode("latin-1"), partitions=4)


def case_command_message(data: bytes) -> None:
    """A ``cases.commands`` message as the engine reads it (any producer may write the topic):
    parsed, then applied to a case in each of a few states; apply refuses, never raises."""
    from streams.cases.commands import command_from_dict
    from streams.cases.lifecycle import apply

    doc = orjson.loads(data)  # JSONDecodeError is a ValueError, as the engine counts it
    command = command_from_dict(doc if isinstance(doc, dict) else {})
    for state in (None, "reported", "dispatched", "postponement_requested", "handled"):
        case = None if state is None else _STORE.get(f"case-{state}")
        if case is not None:
            case = {**case, "case_id": command.case_id}
        apply(case, command)


# --- the case API: whole requests through its router --------------------------------------

_LOOP = asyncio.new_event_loop()
_STORE = MemoryStore(engine_applies=False)
for _state in ("reported", "dispatched", "handled", "postponement_requested"):
    _STORE.seed(f"case-{_state}", _state)
_CONFIG = api.ApiConfig(secret=SECRET)
_TOKENS = (*tuple(token(r) for r in auth.API_ROLES), token("department_handler", OTHER))
_COMMAND_PATHS = tuple(e.path for e in api.ENDPOINTS if e.method == "POST")


def _answer(request: api.Request) -> api.Response:
    response = _LOOP.run_until_complete(api.handle(request, _STORE, _CONFIG, now_at=NOW))
    assert 200 <= response.status < 500, response.body  # never a 5xx with a healthy store
    if response.status >= 400:
        assert response.body["error"] and response.body["message"]
    orjson.dumps(response.body, default=str)
    _STORE.sent.clear()
    return response


def case_command_body(data: bytes) -> None:
    """First byte picks the POST endpoint, case and role; the rest is the JSON body."""
    pick = data[0] if data else 0
    path = _COMMAND_PATHS[pick % len(_COMMAND_PATHS)]
    case = ("reported", "dispatched", "handled", "postponement_requested")[(pick >> 4) % 4]
    bearer = _TOKENS[(pick >> 2) % len(_TOKENS)]
    url = "/api/v1" + path.replace("{case_id}", f"case-{case}")
    _answer(api.Request("POST", url, {}, data[1:], f"Bearer {bearer}"))


def case_request_line(data: bytes) -> None:
    """Any method, path and query string (text) as an admin would send them."""
    import urllib.parse

    text = data.decode("latin-1")
    method, _, target = text.partition(" ")
    path, _, query = target.partition("?")
    parsed: dict[str, list[str]] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        parsed.setdefault(key, []).append(value)
    _answer(api.Request(method[:8] or "GET", path, parsed, b"", f"Bearer {_TOKENS[-2]}"))


CASE_BODIES = (
    b"\x00" + orjson.dumps({"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705}),
    b"\x13" + orjson.dumps({"department_id": "E01"}),
    b"\x21" + orjson.dumps({"hours": 4, "reason": "waiting for parts"}),
    b"\x22" + orjson.dumps({"feedback": "vendor moved on", "command_id": "c-1"}),
)
COMMAND_MESSAGES = tuple(
    orjson.dumps(
        {
            "command_id": f"c-{name}",
            "case_id": "case-x",
            "name": name,
            "actor": "ops-01",
            "role": role,
            "at": "2026-07-15T02:00:00Z",
            "department_id": dept,
            "payload": payload,
        }
    )
    for name, role, dept, payload in (
        (
            "report",
            "supervisor",
            None,
            {"category": "unlicensed_peddler", "lat": 30.25, "lng": 120.15},
        ),
        ("dispatch", "dispatcher", None, {"department_id": "E01"}),
        ("request_postponement", "department_handler", "E01", {"hours": 4, "reason": "parts"}),
        ("handle", "department_handler", "E01", {"feedback": "done"}),
        ("approve_postponement", "leader", None, {}),
    )
)
CASE_LINES = (
    b"GET /api/v1/cases?status=dispatched,handled&limit=10&offset=0&overdue=true",
    b"GET /api/v1/cases?from=2026-07-01T00:00:00Z&to=2026-07-16T00:00:00Z&department=E01",
    b"GET /api/v1/cases/case-dispatched/events",
    b"GET /api/v1/summary?date=2026-07-15&top=5",
    b"POST /api/v1/cases/case-reported/commands/accept",
)

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("jt808_frame", jt808_frame, (FrameError,), (JT_LOCATION, *JT_REAL)),
        Target("jt808_session", jt808_session, (), (JT_LOCATION, *JT_REAL)),
        Target("sl651_hex_frame", sl651_hex_frame, (FrameError,), (SL_HEX,)),
        Target("sl651_ascii_frame", sl651_ascii_frame, (FrameError,), (SL_ASCII,)),
        Target("sl651_session", sl651_session, (), (SL_HEX, SL_ASCII)),
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
            "open311_request",
            open311_request,
            (open311.Open311Error,),
            (OPEN311_JSON, OPEN311_FORM),
        ),
        Target(
            "open311_query",
            open311_query,
            (open311.Open311Error,),
            (b"start_date=2025-07-01T00:00:00Z&end_date=2025-07-15T00:00:00Z&status=open",),
        ),
        Target("permit_export", permit_export, (), (PERMIT_CSV,)),
        Target("api_token", api_token, (auth.TokenError,), (token("admin").encode(),)),
        Target(
            "vehicle_filters",
            vehicle_filters,
            (ValueError,),
            (b"type=muck_truck&bbox=30.2,120.1,30.3,120.2&offline=true&offline_s=60",),
        ),
        Target(
            "vehicle_track_query",
            vehicle_track_query,
            (ValueError,),
            (b"start=2026-07-15T00:00:00Z&end=2026-07-15T14:00:00%2B08:00&tolerance_m=5",),
        ),
        Target(
            "flood_cursor", flood_cursor, (ValueError,), (feed.cursor_text([1, 2, 3, 4]).encode(),)
        ),
        Target("case_command_body", case_command_body, (), CASE_BODIES),
        Target("case_request_line", case_request_line, (), CASE_LINES),
        Target("case_command_message", case_command_message, (ValueError,), COMMAND_MESSAGES),
    )
}


def check(target: Target, data: bytes) -> None:
    """Run one input; a refusal must carry a reason, anything else propagates (a crash)."""
    try:
        target.run(data)
    except target.rejects as exc:
        if not reason_of(exc):
            raise AssertionError(f"{target.name}: {type(exc).__name__} without a reason") from exc
