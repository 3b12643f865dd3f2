"""12345 hotline exports and webhook records → reports.citizen rows, and their web doors.

No public 12345 export carries coordinates, so the work orders here are written
in the layout of real exports (Chinese headers, local time, 问题分类 paths).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from citybrain.contracts import decode
from connectors.hotline12345 import (
    ExportError,
    category_of,
    read_export,
    reports_from_records,
)
from connectors.report_intake import ReportIndex, intake_app

COUNTY = (30.2, 120.1, 30.3, 120.2)  # south, west, north, east
LOADED = datetime(2025, 7, 15, 4, 0, tzinfo=UTC)
EXPORT_CSV = """工单编号,受理时间,来电人,联系电话,诉求内容,问题分类,地址,经度,纬度
GD250715123,2025-07-15 08:30:00,王女士,13800000000,卖水果,市容-占道经营,解放路口,120.1712,30.2598
GD250715124,2025/7/15 9:05,李先生,13900000000,井盖松动,市政设施-井盖,凤起路88号,120.1630,30.2702
GD250715125,2025-07-15 09:40:00,赵先生,13700000000,人行道积水,市政设施-道路积水,体育场路,,
,,,,,,,,
GD250715126,2025-07-16 09:40:00,钱女士,13600000000,明天的工单,市容环境-垃圾,延安路,120.1650,30.2600
GD/0127,2025-07-15 10:00:00,孙先生,13500000000,编号不对,其他,中山路,120.1700,30.2500
GD250715128,2025-07-15 10:20:00,周女士,13400000000,坐标反了,交通管理-违停,庆春路,30.2600,120.1700
"""


def load(raw: bytes, **options):
    records, first_row = read_export(raw, **options)
    return reports_from_records(records, loaded_at=LOADED, bounds=COUNTY, first_row=first_row)


def test_csv_export_becomes_reports_in_utc_with_refusals_by_row():
    rows, refused = load(EXPORT_CSV.encode("utf-8-sig"))
    first, second = rows
    assert first["event_id"] == "12345-GD250715123"
    assert first["event_at"] == datetime(2025, 7, 15, 0, 30, tzinfo=UTC)  # 08:30 Shanghai
    assert (first["channel"], first["category"]) == ("12345", "lane_occupation")
    assert first["service_code"] == "市容-占道经营"
    assert (first["lat"], first["lng"]) == (30.2598, 120.1712)
    assert first["address"] == "解放路口"
    assert (second["category"], second["event_at"].hour) == ("manhole_cover", 1)
    assert [(r.row, r.reason) for r in refused] == [
        (4, "经度 is missing: the contract needs a WGS-84 point"),
        (6, "受理时间 '2025-07-16 09:40:00' is in the future"),
        (7, "工单编号 'GD/0127' is not 1-64 of [0-9A-Za-z_.-]"),
        (8, "经度=30.26 and 纬度=120.17 look swapped"),
    ]  # row 5 is blank: skipped
    assert "13800000000" not in orjson.dumps(rows).decode()


def test_gbk_csv_and_reloading_give_the_same_event_ids():
    gbk = EXPORT_CSV.encode("gb18030")  # what Excel on Chinese Windows saves
    assert [r["event_id"] for r in load(gbk)[0]] == [
        r["event_id"] for r in load(EXPORT_CSV.encode())[0]
    ]


def test_json_export_with_english_keys_and_epoch_milliseconds():
    doc = {
        "records": [
            {
                "ticketId": "A-1",
                "acceptedAt": 1752539400000,  # 2025-07-15T00:30:00Z
                "content": "Shop goods across the pavement",
                "problem_class": "店外经营",
                "address": "Yan'an Road",
                "longitude": 120.165,
                "latitude": 30.26,
            },
            ["not", "an", "object"],
        ]
    }
    rows, refused = load(orjson.dumps(doc))
    assert [(r["event_id"], r["category"]) for r in rows] == [
        ("12345-A-1", "out_of_store_business")
    ]
    assert rows[0]["event_at"] == datetime(2025, 7, 15, 0, 30, tzinfo=UTC)
    assert [(r.row, r.reason) for r in refused] == [(2, "a work order must be an object, got list")]


def test_xlsx_export_reads_naive_cells_as_shanghai_time():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "受理时间", "诉求内容", "问题分类", "经度", "纬度"])
    sheet.append(
        [230715001, datetime(2025, 7, 15, 8, 30), "路灯不亮", "市政设施-路灯", 120.16, 30.27]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    [row], refused = load(buffer.getvalue())
    assert refused == []
    assert (row["event_id"], row["category"]) == ("12345-230715001", "street_light")
    assert row["event_at"] == datetime(2025, 7, 15, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("编号,时间\n1,2\n".encode(), "header lacks required columns"),
        (b"[1, 2", "not valid JSON"),
        (b"\xff\xfe\x00garbage\x81", "neither UTF-8 nor GB18030"),
    ],
)
def test_unreadable_export_is_refused_as_a_whole(raw, reason):
    with pytest.raises(ExportError, match=reason):
        read_export(raw)


@pytest.mark.parametrize(
    ("problem_class", "category"),
    [
        ("城市管理-市容环境-占道经营", "lane_occupation"),
        ("市容环境-垃圾-建筑垃圾", "construction_waste"),  # the longer keyword wins
        ("环境卫生/暴露垃圾", "exposed_garbage"),
        ("城乡建设_市政设施_路灯不亮", "street_light"),
        ("交通管理-违停", "illegal_parking"),
        ("噪声扰民", "noise"),
        ("非法小广告", "illegal_small_ads"),
        ("waterlogging", "waterlogging"),
        ("社会保障-养老保险", "other"),
        ("", "other"),
    ],
)
def test_problem_classes_map_to_citybrain_categories(problem_class, category):
    assert category_of(problem_class) == category


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-07-15", "has no time of day"),
        ("15/07/2025 08:30", "not a known time format"),
    ],
)
def test_bad_times_are_refused(value, reason):
    record = {"工单编号": "X1", "受理时间": value, "经度": 120.16, "纬度": 30.27}
    _, [refusal] = reports_from_records([record], loaded_at=LOADED, first_row=1)
    assert reason in refusal.reason


class MemorySink:
    """Stands in for Kafka (it leaves the process): keeps what would be produced."""

    def __init__(self) -> None:
        self.reports: list[dict] = []
        self.dead_letters: list[tuple[str, bytes]] = []

    async def publish(self, rows, rejections) -> None:
        self.reports += rows
        self.dead_letters += list(rejections)


@pytest.fixture
async def client():
    sink = MemorySink()
    app = intake_app(sink=sink, index=ReportIndex(), bounds=COUNTY)
    async with TestClient(TestServer(app)) as client:
        client.sink = sink
        yield client


async def test_webhook_publishes_one_work_order_and_refuses_a_bad_one(client):
    record = {
        "工单编号": "GD250715123",
        "受理时间": datetime.now(UTC).isoformat(),
        "诉求内容": "流动摊贩占道",
        "问题分类": "占道经营",
        "联系电话": "13800000000",
        "经度": 120.1712,
        "纬度": 30.2598,
    }
    response = await client.post("/hotline/12345/webhook", json=record)
    assert response.status == 201
    assert await response.json() == {"event_id": "12345-GD250715123"}
    [row] = client.sink.reports
    assert decode("reports.citizen", orjson.dumps(row))["category"] == "lane_occupation"

    bad = await client.post("/hotline/12345/webhook", json={**record, "纬度": None})
    assert bad.status == 400
    assert (await bad.json())["message"].startswith("纬度 is missing")
    [(reason, raw)] = client.sink.dead_letters
    assert reason.startswith("纬度 is missing")
    assert "联系电话" not in orjson.loads(raw)  # personal data stays out of dead letters
    assert (await client.post("/hotline/12345/webhook", data=b"{oops")).status == 400
    assert (await client.post("/hotline/12345/webhook", json=[record])).status == 400


async def test_batch_publishes_valid_rows_and_answers_422_with_the_refused_ones(client):
    response = await client.post(
        "/hotline/12345/batch",
        data=EXPORT_CSV.encode("gb18030"),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status == 422  # row 6 was "tomorrow" only for LOADED: now it is past
    answer = await response.json()
    assert answer["published"] == 3
    assert [r["row"] for r in answer["refused"]] == [4, 7, 8]
    assert len(client.sink.reports) == 3
    assert [reason.split(":")[0] for reason, _ in client.sink.dead_letters] == [
        "row 4",
        "row 7",
        "row 8",
    ]
    assert all(b"138" not in raw for _, raw in client.sink.dead_letters)

    clean = "\n".join(EXPORT_CSV.splitlines()[:3]).encode()
    ok = await client.post("/hotline/12345/batch", data=clean)
    assert (ok.status, (await ok.json())["published"]) == (200, 2)
    unreadable = await client.post("/hotline/12345/batch", data=b"a,b\n1,2\n")
    assert unreadable.status == 400
    assert "header lacks required columns" in (await unreadable.json())["message"]
