"""Cases in event-time order: the signal raised first opens the case, whatever came first."""

from dataclasses import replace
from datetime import timedelta

import orjson
import pytest

from citybrain.contracts.base import isoformat_utc
from streams import progress
from streams.app import create_app
from streams.cases import agents as cases
from streams.cases import wire
from tests.streams.cases.test_case_engine_agents import (
    POTHOLE,
    T0,
    VENDOR,
    alert_doc,
    reference_settings,
    report_doc,
    run_pipeline,
)

UPSTREAM = progress.expected(wire.ALERTS)


@pytest.fixture
def event_time_engine(tmp_path):
    settings = replace(reference_settings(tmp_path), event_time_order_idle_s=600.0)

    def make():
        app = create_app(settings)
        return cases.declare(app, settings, now=lambda: T0, check_offsets=False), app

    return make


def report(n, point, *, category, seconds):
    return report_doc(n, point, category=category) | {
        "event_at": isoformat_utc(T0 + timedelta(seconds=seconds))
    }


async def pass_every_path(p, *, seconds):
    """Every upstream stage and every reports partition past ``T0 + seconds``."""
    at_s = (T0 + timedelta(seconds=seconds)).timestamp()
    for partition in range(3):
        for stage, source in progress.WRITERS[wire.ALERTS]:  # each stage sends its own
            marks = {c: at_s for c in UPSTREAM if c.startswith(f"{stage}:{source}/")}
            await p.deliver(
                wire.ALERTS,
                "~progress",
                progress.progress_value(marks),
                partition=partition,
                headers=progress.progress_headers(),
            )
    for partition in range(6):  # a report far away on each partition moves its mark
        doc = report(100 + partition, POTHOLE, category="noise", seconds=seconds)
        await p.deliver(wire.REPORTS, "r", orjson.dumps(doc), partition=partition)


async def opener(make, deliveries):
    """The vendor case after ``deliveries`` (in that order) and every path passed them."""
    engine_agents, app = make()
    engine = engine_agents.engine

    async def scenario(p):
        for topic, doc, partition in deliveries:
            await p.deliver(topic, "k", orjson.dumps(doc), partition=partition)
        await p.settle(lambda: engine.stats["signals_held"] == len(deliveries))
        assert not engine.table  # held: nothing placed before every path passed them
        await pass_every_path(p, seconds=60)
        await p.settle(lambda: engine.stats["events"] >= 4 + 1 + 1 + 5)

    await run_pipeline(engine_agents, app, scenario)
    (vendor,) = [c for c in engine.table.values() if c["category"] == "unlicensed_peddler"]
    return vendor


async def test_the_signal_raised_first_opens_the_case_in_either_arrival_order(event_time_engine):
    alert = alert_doc(5, VENDOR)  # raised at T0 + 5 s
    later = report(10, VENDOR, category="unlicensed_peddler", seconds=10)
    report_first = await opener(
        event_time_engine, [(wire.REPORTS, later, 1), (wire.ALERTS, alert, 0)]
    )
    alert_first = await opener(
        event_time_engine, [(wire.ALERTS, alert, 0), (wire.REPORTS, later, 1)]
    )
    for case in (report_first, alert_first):
        assert case["reported_at"] == alert["event_at"] and case["source"] == "video"
        assert case["merged_count"] == 1  # the report joined it
    assert report_first["case_id"] == alert_first["case_id"]


async def test_placed_signals_leave_the_table_once_their_commands_are_sent(event_time_engine):
    engine_agents, app = event_time_engine()
    engine = engine_agents.engine

    async def scenario(p):
        await p.deliver(wire.ALERTS, "k", orjson.dumps(alert_doc(5, VENDOR)), partition=0)
        await pass_every_path(p, seconds=6)
        await p.settle(lambda: engine.stats["signals_held"] == 0 and engine.stats["events"] >= 5)

    await run_pipeline(engine_agents, app, scenario)
    held = {k: v for k, v in engine_agents.dedup.items() if k.startswith("~held|")}
    assert held and all(v == [] for v in held.values())


async def test_an_alert_waits_for_the_paths_it_may_race(event_time_engine):
    engine_agents, app = event_time_engine()
    engine = engine_agents.engine

    async def scenario(p):
        await p.deliver(wire.ALERTS, "k", orjson.dumps(alert_doc(5, VENDOR)), partition=0)
        await pass_every_path(p, seconds=3)  # every path, but only to before the alert
        await p.settle(lambda: engine.stats["signals_held"] == 1)
        # the reports at T0 + 3 s are placed (one case), the alert at T0 + 5 s is not
        assert engine.stats["events.report"] == 1
        assert all(c["category"] == "noise" for c in engine.table.values())
        await pass_every_path(p, seconds=6)
        await p.settle(lambda: engine.stats["signals_held"] == 0)

    p = await run_pipeline(engine_agents, app, scenario)
    assert any(c["category"] == "unlicensed_peddler" for c in engine.table.values())
    places = p.sent[wire.PLACES]
    progress_docs = [doc for _, doc in places if doc["type"] == "progress"]
    assert progress_docs and all(key == "~progress" for key, doc in places if doc in progress_docs)
