"""The case engine's agents in faust's test context (memory:// tables), wired to each other.

Only what leaves the process is replaced: each send is captured, and a send
to a topic one of the engine's own agents reads is delivered to that agent
on the partition Kafka's partitioner would choose.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import faust
import orjson
import pytest

from citybrain.contracts.base import isoformat_utc
from citybrain.settings import load
from citybrain.topics import spec
from pipelines.scenarios.demo_county import build, geography
from pipelines.scenarios.demo_county.reference import export
from streams.app import create_app
from streams.cases import agents as cases
from streams.cases import wire
from streams.cases.commands import Command
from streams.cases.engine import replay
from streams.cases.policy import CasePolicy
from streams.cases.wire import partition_of

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Shanghai
VENDOR = (30.2540, 120.1692)
POTHOLE = (30.2465, 120.1460)


def alert_doc(n, point, *, category="unlicensed_peddler", source="video", **extra):
    lat, lng = point
    return {
        "event_id": f"a{n}.1",
        "alert_id": f"a{n}",
        "msg_type": "Alert",
        "source": source,
        "category": category,
        "severity": "Minor",
        "event_at": isoformat_utc(T0 + timedelta(seconds=n)),
        "sent_at": isoformat_utc(T0 + timedelta(seconds=n)),
        "lat": lat,
        "lng": lng,
        "title": "t",
        "details": {},
    } | extra


def report_doc(n, point, *, category):
    lat, lng = point
    return {
        "event_id": f"r{n}",
        "event_at": isoformat_utc(T0 + timedelta(seconds=n)),
        "channel": "12345",
        "category": category,
        "description": "市民来电",
        "lat": lat,
        "lng": lng,
    }


class Pipeline:
    """The three agents under test, a router between them, and what left the process."""

    def __init__(self, engine_agents, test_agents):
        self.agents = engine_agents
        self.test_agents = test_agents  # topic -> test agent
        self.sent: dict[str, list[tuple[str, dict]]] = {}
        self.flushes = 0
        engine_agents.send_all = self.send_all
        engine_agents.flush = self.flush

    async def flush(self):
        self.flushes += 1

    async def send_all(self, messages):
        for m in messages:
            self.sent.setdefault(m.topic, []).append((m.key, m.value))
            await self.deliver(m.topic, m.key, orjson.dumps(m.value), partition=m.partition)

    async def deliver(self, topic, key, value, *, partition=None, headers=None):
        agent = self.test_agents.get("reports" if topic == wire.REPORTS else topic)
        if agent is None:
            return
        if partition is None:
            partition = partition_of(key, spec(topic).partitions)
        original = agent.to_message

        def to_message(k, v, **kw):
            message = original(k, v, **kw)
            message.topic = topic
            return message

        agent.to_message = to_message
        await agent.put(value, key=key.encode(), partition=partition, headers=headers, wait=False)
        agent.to_message = original

    async def settle(self, condition, timeout_s=10.0):
        for _ in range(int(timeout_s / 0.05)):
            if condition():
                await asyncio.sleep(0.3)  # let follow-up hops finish
                if condition():
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"not settled; stats {dict(self.agents.stats)}")

    def events(self):
        return [v for _, v in self.sent.get(wire.EVENTS, [])]


def reference_settings(tmp_path):
    """Settings with a small demo county's reference files and in-memory tables."""
    export(build(scale=0.01), tmp_path / "reference")
    return replace(
        load({"HOME": str(tmp_path), "CITYBRAIN_REFERENCE_DIR": str(tmp_path / "reference")}),
        store="memory://",
        web_port=0,
    )


@pytest.fixture
def engine_factory(tmp_path):
    settings = reference_settings(tmp_path)

    def make(now=lambda: T0, policy=None):
        app = create_app(settings)
        return cases.declare(app, settings, now=now, policy=policy, check_offsets=False), app

    return make


async def run_pipeline(engine_agents, app, scenario):
    intake, places, commands = (
        app.agents[name] for name in ("cases-intake", "cases-dedup", "cases-commands")
    )
    async with (
        intake.test_context() as t_intake,
        places.test_context() as t_places,
        commands.test_context() as t_commands,
    ):
        pipeline = Pipeline(
            engine_agents,
            {
                wire.ALERTS: t_intake,
                "reports": t_intake,
                wire.PLACES: t_places,
                wire.COMMANDS: t_commands,
            },
        )
        await scenario(pipeline)
    return pipeline


async def test_alerts_and_reports_become_routed_cases_with_a_consistent_history(engine_factory):
    engine_agents, app = engine_factory()
    engine = engine_agents.engine

    async def scenario(p):
        for n in range(50):  # 50 cameras re-see one vendor
            await p.deliver(wire.ALERTS, "cam", orjson.dumps(alert_doc(n, VENDOR)), partition=n % 3)
        await p.deliver(
            wire.ALERTS, "x", orjson.dumps(alert_doc(60, POTHOLE, category="road_damage"))
        )
        report = report_doc(1, VENDOR, category="unlicensed_peddler")
        await p.deliver(wire.REPORTS, "r", orjson.dumps(report), partition=1)
        report = report_doc(2, POTHOLE, category="noise")
        await p.deliver(wire.REPORTS, "r", orjson.dumps(report), partition=2)
        await p.deliver(wire.ALERTS, "x", b'{"alert_id": "broken"')
        await p.settle(lambda: engine.stats["events"] >= 4 + 50 + 4 + 1)

    p = await run_pipeline(engine_agents, app, scenario)
    cases_by_id = dict(engine.table.items())
    assert len(cases_by_id) == 3
    by_category = {c["category"]: c for c in cases_by_id.values()}
    vendor, pothole, noise = (
        by_category[k] for k in ("unlicensed_peddler", "road_damage", "noise")
    )
    vendor_grid = geography.grid_at(lat=VENDOR[0], lng=VENDOR[1])
    assert vendor["state"] == "dispatched" and vendor["department_id"] == "E01"
    assert vendor["grid_code"] == vendor_grid.code and vendor["merged_count"] == 50  # 49 + report
    assert pothole["state"] == "dispatched" and pothole["department_id"] == "D02"
    assert noise["state"] == "reported" and noise["suggested_department_id"] == "D05"
    assert noise["class_code"] == "01-28" and vendor["class_code"] == "04-01"
    for case_id, case in cases_by_id.items():
        history = engine.history[case_id]
        assert [e["version"] for e in history] == list(range(1, case["version"] + 1))
        assert replay(history, clock=engine_agents.policy.clock) == case
    published = p.events()
    assert len({e["event_id"] for e in published}) == len(published)
    assert sorted(e["event_id"] for e in published) == sorted(
        e["event_id"] for h in engine.history.values() for e in h
    )
    (dead,) = p.sent[wire.ALERTS_REJECTED]
    assert "not valid JSON" in dead[1]["reason"]
    assert engine.stats["signals.video"] == 51 and engine.stats["signals.citizen"] == 2


async def test_commands_from_the_api_are_applied_refused_or_forwarded(engine_factory):
    engine_agents, app = engine_factory()
    engine = engine_agents.engine
    report = Command(
        "api-1",
        "case-api",
        "report",
        "zhang",
        "supervisor",
        T0,
        None,
        {"category": "exposed_garbage", "lat": VENDOR[0], "lng": VENDOR[1]},
    )
    accept = Command("api-2", "case-api", "accept", "li", "call_taker", T0)
    close = Command("api-3", "case-api", "close", "wang", "leader", T0)
    right = partition_of("case-api", 3)

    async def scenario(p):
        await p.deliver(wire.COMMANDS, "case-api", orjson.dumps(report.to_dict()))
        await p.deliver(wire.COMMANDS, "case-api", orjson.dumps(report.to_dict()))  # retried
        wrong = (right + 1) % 3  # a producer that ignored the key
        await p.deliver(wire.COMMANDS, "x", orjson.dumps(accept.to_dict()), partition=wrong)
        await p.deliver(wire.COMMANDS, "case-api", orjson.dumps(close.to_dict()))
        await p.deliver(wire.COMMANDS, "case-api", b"[1, 2]", partition=right)
        await p.settle(lambda: engine.stats["events"] >= 2 and engine.stats["commands_refused"])

    p = await run_pipeline(engine_agents, app, scenario)
    case = engine.table["case-api"]
    assert case["state"] == "accepted" and case["version"] == 2
    assert engine.stats["commands_misrouted"] == 1
    refusals = [v for _, v in p.sent[wire.REFUSALS]]
    malformed, refused = sorted(refusals, key=lambda r: r.get("code") or "")
    assert "not a command" in malformed["reason"] and "raw_base64" in malformed
    assert refused["code"] == "invalid_state" and refused["command_id"] == "api-3"
    # a person's report is indexed for later alerts to join
    assert {v["type"] for _, v in p.sent[wire.PLACES]} >= {"index"}


async def test_tables_are_flushed_to_kafka_before_anything_is_sent(engine_factory):
    engine_agents, app = engine_factory()
    engine = engine_agents.engine
    seen_at_flush = []

    async def scenario(p):
        async def flush():
            seen_at_flush.append((len(p.events()), len(engine.table)))

        engine_agents.flush = flush
        await p.deliver(wire.ALERTS, "cam", orjson.dumps(alert_doc(1, VENDOR)))
        await p.settle(lambda: len(engine.table) == 1)

    await run_pipeline(engine_agents, app, scenario)
    # the command batch's flush saw the case in its table and none of its events sent yet
    assert (0, 1) in seen_at_flush


async def test_the_timer_marks_due_cases_and_their_alerts_come_back_ignored(engine_factory):
    now = {"at": T0}
    engine_agents, app = engine_factory(now=lambda: now["at"])
    engine = engine_agents.engine

    async def scenario(p):
        await p.deliver(wire.ALERTS, "cam", orjson.dumps(alert_doc(1, VENDOR)))
        await p.settle(lambda: engine.stats["events"] >= 4)
        assert await engine_agents.check_deadlines() == 0
        now["at"] = T0 + timedelta(minutes=50)
        assert await engine_agents.check_deadlines() == 1
        await p.settle(lambda: engine.stats["events.warn_deadline"] == 1)
        now["at"] = T0 + timedelta(hours=2)
        assert await engine_agents.check_deadlines() == 1
        assert await engine_agents.check_deadlines() == 1  # asked again before it applied
        await p.settle(lambda: engine.stats["alerts_ignored"] == 3)

    p = await run_pipeline(engine_agents, app, scenario)
    (case,) = engine.table.values()
    assert case["overdue"] and case["warned_at"] is not None
    assert engine.stats["events.mark_overdue"] == 1 and engine.stats["commands_applied_before"] == 1
    alerts = [v for _, v in p.sent[wire.ALERTS]]
    assert [a["msg_type"] for a in alerts] == ["Alert", "Update", "Update"]
    assert alerts[1] == alerts[2]  # the second ask re-sent the same alert: a copy to drop


async def test_a_batch_places_its_signals_in_observation_order_not_partition_order(
    engine_factory,
):
    engine_agents, app = engine_factory()
    engine = engine_agents.engine
    later, earlier = alert_doc(40, VENDOR), alert_doc(7, VENDOR)

    async def scenario(p):  # one batch, the later alert's partition read first (a backlog)
        await p.deliver(wire.ALERTS, "a", orjson.dumps(later), partition=0)
        await p.deliver(wire.ALERTS, "b", orjson.dumps(earlier), partition=2)
        await p.settle(lambda: engine.stats["events"] >= 4 + 1)

    await run_pipeline(engine_agents, app, scenario)
    (case,) = engine.table.values()
    assert case["reported_at"] == earlier["event_at"] and case["merged_count"] == 1


def same_partition_as(case_id, prefix):
    want = partition_of(case_id, 3)
    return next(f"{prefix}{n}" for n in range(100) if partition_of(f"{prefix}{n}", 3) == want)


async def test_an_ended_case_is_retired_after_the_retention_in_event_time(engine_factory):
    policy = CasePolicy(retire_after_h=1, forget_retired_after_h=2)
    engine_agents, app = engine_factory(policy=policy)
    engine = engine_agents.engine
    old, later = "case-old", same_partition_as("case-old", "case-later-")
    place = {"category": "exposed_garbage", "lat": VENDOR[0], "lng": VENDOR[1]}
    day_end = 22 * 60  # minutes from T0 (02:00 UTC) to the end of its UTC day

    def cmd(n, case_id, name, role, minutes, **payload):
        at = T0 + timedelta(minutes=minutes)
        return Command(f"api-{n}", case_id, name, role, role, at, None, payload).to_dict()

    async def scenario(p):
        async def send(doc):
            await p.deliver(wire.COMMANDS, doc["case_id"], orjson.dumps(doc))

        for doc in (
            cmd(1, old, "report", "supervisor", 0, **place),
            cmd(2, old, "accept", "call_taker", 1),
            cmd(3, old, "not_register", "leader", 2, reason="duplicate"),
            cmd(4, later, "report", "system", day_end + 59, **place),  # a signal: not an hour yet
        ):
            await send(doc)
        await p.settle(lambda: engine.stats["events"] >= 4)
        assert old in engine.table and engine.stats["cases_retired"] == 0
        # a clock mark is timed by the wall clock (here days later): no event time
        await send(cmd(5, later, "mark_overdue", "system", 3 * 24 * 60, deadline_at="x"))
        # nor is a person's act: the API stamps the wall clock, on a replay months ahead
        await send(cmd(6, later, "accept", "call_taker", 3 * 24 * 60))
        await p.settle(lambda: engine.stats["commands"] >= 6)
        assert old in engine.table and engine.stats["cases_retired"] == 0
        await send(cmd(60, later, "link", "system", day_end + 60, signal_id="signal-1"))
        await p.settle(lambda: engine.stats["cases_retired"] == 1)
        assert old not in engine.table and engine.history.get(old) is None
        stone = engine.retired[old]
        assert (stone["state"], stone["version"]) == ("not_registered", 3)
        assert stone["ended_at"] == isoformat_utc(T0 + timedelta(minutes=2))
        assert stone["retired_at"] == isoformat_utc(T0 + timedelta(minutes=day_end + 60))
        await send(cmd(7, old, "cancel", "leader", day_end + 70))
        await p.settle(lambda: engine.stats["commands_for_retired_cases"] == 1)
        await send(cmd(8, later, "register", "leader", day_end + 70))
        await send(cmd(80, later, "link", "system", day_end + 180, signal_id="signal-2"))
        await p.settle(lambda: engine.stats["retired_cases_forgotten"] == 1)  # 2 h after retiring

    p = await run_pipeline(engine_agents, app, scenario)
    assert engine.retired.get(old) is None  # forgotten: the API now says 404
    assert engine.table[later]["state"] == "registered"
    (refused,) = [v for _, v in p.sent[wire.REFUSALS] if v["command_id"] == "api-7"]
    assert refused["code"] == "retired"
    assert "not_registered" in refused["reason"]


def test_each_case_source_keeps_its_next_offsets_in_a_table_of_its_partition_count(tmp_path):
    # co-partitioned: the worker that owns a source partition owns that table partition too
    settings = reference_settings(tmp_path)
    app = faust.App(
        "case-offsets-test", broker="kafka://127.0.0.1:9", store="memory://"
    )  # not started
    tables = cases.declare(app, settings).continuity.tables
    assert set(tables) == {wire.ALERTS, wire.REPORTS, wire.PLACES, wire.COMMANDS}
    for topic, table in tables.items():
        assert table.partitions == spec(topic).partitions, topic
    assert tables[wire.PLACES].name == "case_dedup" and tables[wire.COMMANDS].name == "case_retired"
