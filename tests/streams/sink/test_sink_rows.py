"""Alerts and case events → landing rows: what the sink keeps, converts and skips."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from citybrain.contracts import encode_row
from streams.cases.commands import Command
from streams.cases.lifecycle import apply
from streams.flood import watch
from streams.flood.levels import DepthThresholds
from streams.flood.stations import StationConfig
from streams.intake.validate import RawMessage
from streams.sink.agents import LANDED_TOPICS, rows_by_topic
from streams.sink.rows import alert_rows, case_event_rows
from warehouse.landing import META_COLUMNS, landed_topics, topic_columns

T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai
META = set(META_COLUMNS)  # added by the writer, not by the parser
UNDERPASS = StationConfig(
    station_id="0010100001",
    name="解放路下穿",
    lat=30.25,
    lng=120.15,
    waterlogging=DepthThresholds(),
)


def flood_alerts() -> list[dict]:
    """The alerts documents streams/flood makes of a rising underpass (yellow, then red)."""
    value, out = None, []
    for i, depth_m in enumerate([0.05, 0.22, 0.30]):
        row = {
            "event_id": f"d-{i}",
            "event_at": T0 + timedelta(minutes=5 * i),
            "station_id": UNDERPASS.station_id,
            "element": "waterlogging_depth_m",
            "value": depth_m,
            "unit": "m",
            "period_s": None,
        }
        applied = watch.apply(value, row, station=UNDERPASS, partition=0, heard_s=1_800_000_000 + i)
        value, out = applied.value, out + applied.messages
    return out


def case_events() -> list[dict]:
    """Report and dispatch of one case, as the case engine publishes them."""
    case, events = None, []
    for name, role, payload in [
        ("report", "supervisor", {"category": "illegal_parking", "lat": 30.2521, "lng": 120.1705}),
        ("accept", "call_taker", {}),
        ("register", "leader", {}),
        ("dispatch", "dispatcher", {"department_id": "E01"}),
    ]:
        command = Command(
            command_id=f"cmd-{len(events) + 1}",
            case_id="c2",
            name=name,
            actor="someone",
            role=role,
            at=T0 + timedelta(minutes=len(events)),
            payload=payload,
        )
        case, event = apply(case, command)
        events.append(
            event | {"deadline_at": "2026-07-15T07:03:00.000Z" if name == "dispatch" else None}
        )
    return events


def test_a_flood_alert_lands_with_its_details_as_json_text():
    first, raised = flood_alerts()
    (row,) = alert_rows(encode_row(raised))
    assert set(row) | {"h3_res9", *META} == set(topic_columns("alerts"))
    assert (row["event_id"], row["msg_type"], row["source"], row["level"]) == (
        first["alert_id"] + ".1",
        "Update",
        "flood",
        "red",
    )
    assert row["event_at"] == T0 + timedelta(minutes=10)
    assert row["sent_at"].tzinfo is not None
    details = json.loads(row["details_json"])
    assert details["station"]["station_id"] == "0010100001"
    assert details["hazard"] == "waterlogging"
    assert row["details_json"] == json.dumps(
        raised["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def test_a_case_event_lands_with_at_as_event_at_and_payload_as_json_text():
    report, *_, dispatch = case_events()
    (row,) = case_event_rows(encode_row(dispatch))
    assert set(row) | META == set(topic_columns("cases.events"))
    assert row["event_id"] == "c2:4" and row["version"] == 4
    assert row["event_at"] == T0 + timedelta(minutes=3)
    assert (row["from_state"], row["to_state"], row["department_id"]) == (
        "registered",
        "dispatched",
        "E01",
    )
    assert row["deadline_at"] == datetime(2026, 7, 15, 7, 3, tzinfo=UTC)
    assert json.loads(row["payload_json"]) == {"department_id": "E01"}
    (first,) = case_event_rows(encode_row(report))
    assert first["from_state"] is None and first["deadline_at"] is None
    assert json.loads(first["payload_json"])["category"] == "illegal_parking"


@pytest.mark.parametrize(
    "change",
    [
        {"source": "weather"},  # not an alert source
        {"details": ["not", "an", "object"]},
        {"event_at": "2026-07-15T06:05:00"},  # no zone
        {"lat": None},
    ],
)
def test_an_alert_that_breaks_its_contract_is_skipped_and_counted(change):
    (alert, _) = flood_alerts()
    grouped, skipped = rows_by_topic(
        [
            RawMessage("alerts", 0, 1, 0, encode_row(alert | change)),
            RawMessage("alerts", 0, 2, 0, encode_row(alert)),
        ]
    )
    assert skipped == 1
    assert [(row["event_id"], o) for row, _, o in grouped["alerts"]] == [(alert["event_id"], 2)]


@pytest.mark.parametrize(
    "change",
    [
        {"at": None},
        {"at": "2026-07-15T06:03:00"},  # no zone
        {"version": 0},
        {"version": "4"},
        {"payload": ["department_id", "E01"]},
        {"case_id": ""},
        {"department_id": 7},
    ],
)
def test_a_malformed_case_event_is_skipped_and_counted(change):
    *_, dispatch = case_events()
    grouped, skipped = rows_by_topic(
        [
            RawMessage("cases.events", 2, 10, 0, encode_row(dispatch | change)),
            RawMessage("cases.events", 2, 11, 0, b"{broken"),
            RawMessage("cases.events", 2, 12, 0, encode_row(dispatch)),
        ]
    )
    assert skipped == 2
    assert [(row["event_id"], p, o) for row, p, o in grouped["cases.events"]] == [("c2:4", 2, 12)]


def test_the_sink_consumes_every_landed_topic():
    assert landed_topics() == LANDED_TOPICS
    assert {"alerts", "cases.events"} <= set(LANDED_TOPICS)
