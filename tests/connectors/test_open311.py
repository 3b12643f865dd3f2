"""Open311 GeoReport v2: one test per endpoint through aiohttp's test client, and one
integration test on the real broker (POST → reports.citizen → GET by id)."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import AIOKafkaProducer

from citybrain.categories import REPORT_CATEGORIES
from citybrain.contracts import decode, encode_row
from connectors.open311 import RequestStatus
from connectors.report_intake import ReportIndex, intake_app
from connectors.report_kafka import kafka_intake_app
from streams.cases.commands import command_from_dict
from streams.cases.engine import step
from streams.cases.policy import Clock

SF311 = Path(__file__).parents[3] / "shared" / "data" / "citizen-reports" / "sf311"
SF_BOUNDS = (37.6, -122.6, 37.9, -122.3)  # south, west, north, east
V2 = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type"}
SERVICE_FIELDS |= {"keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
    "lat",
    "long",
    "media_url",
}


def sf_request(case_id: str = "1757188") -> dict[str, str]:
    """A real SF311 case (Street Defects at 2820 Greenwich St) as a GeoReport POST form."""
    path = SF311 / "cases_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with open(path, encoding="utf-8", newline="") as handle:
        case = next(row for row in csv.DictReader(handle) if row["CaseID"] == case_id)
    opened = datetime.strptime(case["Opened"], "%Y-%m-%d %H:%M:%S")
    return {
        "service_code": "road_damage",  # SF "Street Defects"
        "lat": case["Lat"],
        "long": case["Long"],
        "address_string": case["Address"],
        "description": case["Request.Details"],
        "requested_datetime": opened.replace(tzinfo=ZoneInfo("America/Los_Angeles")).isoformat(),
    }


class MemorySink:
    """Stands in for Kafka (it leaves the process): keeps what would be produced."""

    def __init__(self) -> None:
        self.reports: list[bytes] = []
        self.dead_letters: list[tuple[str, bytes]] = []
        self.down = False

    async def publish(self, rows, rejections) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        self.reports += [encode_row(row) for row in rows]
        self.dead_letters += list(rejections)


class CaseStatuses:
    """A case engine answer for one request."""

    def __init__(self, answers: dict[str, RequestStatus]) -> None:
        self.answers = answers

    async def statuses(self, event_ids):
        return {i: self.answers[i] for i in event_ids if i in self.answers}


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def statuses() -> CaseStatuses:
    return CaseStatuses({})


@pytest.fixture
async def client(sink, statuses):
    app = intake_app(sink=sink, index=ReportIndex(), statuses=statuses, bounds=SF_BOUNDS)
    async with TestClient(TestServer(app)) as client:
        yield client


async def posted_id(client, form) -> str:
    response = await client.post(f"{V2}/requests.json", data=form)
    assert response.status == 201, await response.text()
    return (await response.json())[0]["service_request_id"]


def error_list(body) -> tuple[int, str]:
    """The spec's error format: a list of exactly one {code, description}."""
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"}
    return body[0]["code"], body[0]["description"]


async def test_get_services_lists_every_category_as_a_realtime_service(client):
    response = await client.get(f"{V2}/services.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    services = await response.json()
    assert {s["service_code"] for s in services} == set(REPORT_CATEGORIES)
    assert all(set(s) == SERVICE_FIELDS for s in services)
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    parking = next(s for s in services if s["service_code"] == "illegal_parking")
    assert parking["service_name"] == "违章停车 Illegal parking"
    assert parking["group"].startswith("街面秩序")

    xml = ElementTree.fromstring(await (await client.get(f"{V2}/services.xml")).read())
    assert xml.tag == "services"
    assert len(xml.findall("service")) == len(services)
    assert xml.find("service/metadata").text == "false"


async def test_get_service_definition_answers_404_in_the_error_format(client):
    response = await client.get(f"{V2}/services/road_damage.json")
    assert response.status == 404
    code, description = error_list(await response.json())
    assert code == 404 and "metadata is false" in description


async def test_post_request_publishes_a_citizen_report(client, sink):
    form = sf_request()
    response = await client.post(f"{V2}/requests.json", data=form)  # form-urlencoded
    assert response.status == 201
    [answer] = await response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    [raw] = sink.reports
    row = decode("reports.citizen", raw)
    assert row["event_id"] == answer["service_request_id"]
    assert (row["channel"], row["category"]) == ("open311", "road_damage")
    assert (row["lat"], row["lng"]) == (37.797838468, -122.446243791)  # `long` → lng
    assert row["address"] == "2820 GREENWICH ST, SAN FRANCISCO, CA, 94123"
    assert row["event_at"] == datetime(2012, 12, 4, 23, 21, tzinfo=UTC)  # 15:21 PST

    again = await client.post(f"{V2}/requests.json", json=form)  # JSON body, a retry
    assert (await again.json())[0]["service_request_id"] == answer["service_request_id"]

    xml = await client.post(f"{V2}/requests.xml", data=form)
    root = ElementTree.fromstring(await xml.read())
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == answer["service_request_id"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"service_code": None}, "service_code is required"),
        ({"service_code": "ufo"}, "not a service"),
        ({"lat": None, "long": None, "address_string": None}, "a location is required"),
        ({"lat": None, "long": None}, "cannot locate an address"),
        ({"lat": "37.79°N"}, "lat must be a number"),
        ({"lat": "40.66", "long": "-73.99"}, "outside this jurisdiction"),
        ({"requested_datetime": "2012-12-04 15:21:00"}, "no time zone"),
        ({"requested_datetime": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"description": "x" * 4001}, "longer than 4000"),
    ],
)
async def test_post_request_refusal_is_a_400_error_list_and_a_dead_letter(
    client, sink, change, reason
):
    form = {k: v for k, v in {**sf_request(), **change}.items() if v is not None}
    response = await client.post(f"{V2}/requests.json", data=form)
    assert response.status == 400
    code, description = error_list(await response.json())
    assert code == 400 and reason in description
    assert sink.reports == []
    [(dead_reason, raw)] = sink.dead_letters
    assert dead_reason == description and orjson.loads(raw).get("service_code") == form.get(
        "service_code"
    )


async def test_post_request_error_in_xml_and_api_keys(sink):
    app = intake_app(sink=sink, index=ReportIndex(), api_keys=frozenset({"k-1"}))
    async with TestClient(TestServer(app)) as client:
        form = {**sf_request(), "email": "someone@example.org"}
        refused = await client.post(f"{V2}/requests.xml", data=form)
        assert refused.status == 403
        root = ElementTree.fromstring(await refused.read())
        assert (root.tag, root.find("error/code").text) == ("errors", "403")
        ok = await client.post(f"{V2}/requests.json", data={**form, "api_key": "k-1"})
        assert ok.status == 201
        bad = await client.post(f"{V2}/requests.json", data={"api_key": "k-1", "email": "a@b"})
        assert bad.status == 400
    [(_, raw)] = sink.dead_letters
    assert orjson.loads(raw) == {}  # neither the key nor personal data is dead-lettered


async def test_get_requests_filters_by_dates_code_status_and_ids(client, statuses):
    first = await posted_id(client, sf_request())
    second = await posted_id(client, {**sf_request(), "service_code": "street_light"})
    statuses.answers[second] = RequestStatus(
        "closed",
        datetime(2012, 12, 6, 4, 39, tzinfo=UTC),
        notes="Case Resolved",
        agency="DPW BSM Queue",
    )
    window = {"start_date": "2012-12-01T00:00:00-08:00", "end_date": "2012-12-31T00:00:00Z"}

    response = await client.get(f"{V2}/requests.json", params=window)
    assert response.status == 200
    found = await response.json()
    assert {r["service_request_id"] for r in found} == {first, second}
    assert all(set(r) >= REQUEST_FIELDS for r in found)

    closed = await (
        await client.get(f"{V2}/requests.json", params={**window, "status": "closed"})
    ).json()
    assert [(r["service_request_id"], r["agency_responsible"]) for r in closed] == [
        (second, "DPW BSM Queue")
    ]
    assert closed[0]["updated_datetime"] == "2012-12-06T12:39:00+08:00"
    by_code = await client.get(
        f"{V2}/requests.json", params={**window, "service_code": "road_damage"}
    )
    assert [r["service_request_id"] for r in await by_code.json()] == [first]
    nothing_recent = await client.get(f"{V2}/requests.json")  # default: the last 90 days
    assert await nothing_recent.json() == []
    by_ids = await client.get(f"{V2}/requests.json", params={"service_request_id": f"{second},x"})
    assert [r["service_request_id"] for r in await by_ids.json()] == [second]
    xml = ElementTree.fromstring(
        await (await client.get(f"{V2}/requests.xml", params=window)).read()
    )
    assert xml.tag == "service_requests" and len(xml.findall("request")) == 2


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"status": "pending"}, "status must be"),
        ({"start_date": "2012-01-01T00:00:00Z", "end_date": "2012-12-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2012-12-02T00:00:00Z", "end_date": "2012-12-01T00:00:00Z"}, "after"),
        ({"start_date": "yesterday"}, "not an ISO-8601"),
    ],
)
async def test_get_requests_bad_parameter_is_a_400_error_list(client, params, reason):
    response = await client.get(f"{V2}/requests.json", params=params)
    assert response.status == 400
    code, description = error_list(await response.json())
    assert code == 400 and reason in description


async def test_get_request_by_id_answers_the_spec_fields(client, statuses):
    request_id = await posted_id(client, sf_request())
    response = await client.get(f"{V2}/requests/{request_id}.json")
    assert response.status == 200
    [found] = await response.json()
    assert set(found) >= REQUEST_FIELDS
    assert found["service_request_id"] == request_id
    assert (found["status"], found["status_notes"]) == ("open", None)  # the report's own record
    assert found["service_name"] == "道路破损 Damaged road or pavement"
    assert (found["lat"], found["long"]) == (37.797838468, -122.446243791)
    assert found["requested_datetime"] == "2012-12-05T07:21:00+08:00"
    assert found["requested_datetime"] == found["updated_datetime"]

    statuses.answers[request_id] = RequestStatus(
        "closed", datetime(2012, 12, 6, 12, 39, tzinfo=UTC), notes="Case Resolved"
    )
    xml = ElementTree.fromstring(await (await client.get(f"{V2}/requests/{request_id}.xml")).read())
    assert xml.find("request/status").text == "closed"
    assert xml.find("request/long").text == "-122.446243791"
    assert xml.find("request/media_url").text is None

    missing = await client.get(f"{V2}/requests/open311-0000000000000000.json")
    assert missing.status == 404
    assert error_list(await missing.json())[0] == 404


async def test_hotline_reports_are_not_shown_through_open311(client):
    webhook = await client.post(
        "/hotline/12345/webhook",
        json={"工单编号": "SF1757188", "受理时间": "2012-12-05 07:21:00", "问题分类": "道路破损",
              "经度": -122.446243791, "纬度": 37.797838468, "诉求内容": "路面开挖未恢复"},
    )  # fmt: skip
    assert webhook.status == 201
    response = await client.get(f"{V2}/requests/12345-SF1757188.json")
    assert response.status == 404


async def test_broker_failure_is_a_503_and_the_endpoint_lives_on(client, sink, statuses):
    sink.down = True
    response = await client.post(f"{V2}/requests.json", data=sf_request())
    assert response.status == 503
    assert error_list(await response.json())[0] == 503
    sink.down = False
    request_id = await posted_id(client, sf_request())

    async def broken(event_ids):
        raise ConnectionError("case engine unreachable")

    statuses.statuses = broken
    unavailable = await client.get(f"{V2}/requests/{request_id}.json")
    assert unavailable.status == 503
    unknown = await client.get(f"{V2}/tokens/1.json")
    assert unknown.status == 404 and error_list(await unknown.json())[0] == 404


@pytest.mark.integration
async def test_posted_request_lands_on_reports_citizen_and_comes_back_by_id(kafka, read_topic):
    form = {**sf_request(), "requested_datetime": datetime.now(UTC).isoformat()}
    async with TestClient(TestServer(kafka_intake_app(bootstrap=kafka.bootstrap))) as client:
        request_id = await posted_id(client, form)
    [raw] = await read_topic(kafka.bootstrap, "reports.citizen", request_id.encode(), 1)
    assert decode("reports.citizen", raw)["channel"] == "open311"

    # A fresh intake knows the request only from the topic.
    fresh = kafka_intake_app(bootstrap=kafka.bootstrap)
    async with TestClient(TestServer(fresh)) as client:
        for _ in range(60):
            response = await client.get(f"{V2}/requests/{request_id}.json")
            if response.status == 200:
                break
            await asyncio.sleep(0.5)
        assert response.status == 200
        [found] = await response.json()
    assert (found["service_request_id"], found["status"]) == (request_id, "open")
    assert (found["lat"], found["long"]) == (37.797838468, -122.446243791)

    # The case engine's events on cases.events become the request's status.
    events = []
    case = None
    steps = [
        ("report", "case-engine", "system", {"category": "road_damage", "lat": 37.79,
         "lng": -122.44, "signal_id": f"report:{request_id}", "source": "citizen"}),
        ("accept", "ct-01", "call_taker", {}),
        ("not_register", "ld-01", "leader", {"reason": "不属于城管受理范围"}),
    ]  # fmt: skip
    for i, (name, actor, role, payload) in enumerate(steps):
        command = command_from_dict(
            {"command_id": f"k{i}", "case_id": f"case-{request_id}", "name": name,
             "actor": actor, "role": role, "at": datetime.now(UTC).isoformat(),
             "payload": payload}
        )  # fmt: skip
        case, event = step(case, command, clock=Clock())
        events.append(event)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait("cases.events", orjson.dumps(event), key=b"case")
    finally:
        await producer.stop()
    async with TestClient(TestServer(kafka_intake_app(bootstrap=kafka.bootstrap))) as client:
        for _ in range(60):  # both followers read their topics from the start
            response = await client.get(f"{V2}/requests/{request_id}.json")
            [found] = await response.json()
            if response.status == 200 and found["status"] == "closed":
                break
            await asyncio.sleep(0.5)
    assert found["status"] == "closed"
    assert found["status_notes"] == "不予立案 not registered: 不属于城管受理范围"
