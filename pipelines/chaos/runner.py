"""One chaos run: a fresh broker and home, the demo day replayed in segments, faults between.

Each run gets its own ``CITYBRAIN_HOME`` (so its own broker data directory,
topics, consumer groups, table stores, landing and warehouse). The day is
published segment by segment (:mod:`pipelines.chaos.plan`); after each
segment, a seeded delay, then the fault: SIGKILL of a process and its restart
at once, or the broker's restart with the workers running. Then the end of
the day as the demo does it: tail records close every window, the duty desk
works the cases, the SQLMesh plan builds the marts, and the outputs are read.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from aiokafka.errors import KafkaError

from citybrain.contracts import SOURCE_TOPICS
from citybrain.settings import Settings
from citybrain.topics import registry
from pipelines import processes
from pipelines.broker import LocalBroker, free_port
from pipelines.chaos.outputs import Outputs, extract
from pipelines.chaos.plan import BROKER, SECOND_WORKER, SINK, WORKER, RunPlan
from pipelines.chaos.tail import publish_tail, tail_messages
from pipelines.demo import consumer_groups
from pipelines.desk import work_the_day
from pipelines.lag import group_lag, wait_caught_up
from pipelines.plan import run_plan
from pipelines.replay import replay
from pipelines.scenarios.demo_county import Scenario
from pipelines.scenarios.demo_county.reference import export as export_reference
from pipelines.topics_admin import create_topics
from streams.cases import wire
from streams.sink.agents import SINK_APP_SUFFIX

APP_ID = "chaos"
CATCH_UP_TIMEOUT_S = 900
PROGRESS_WAIT_S = 20.0  # a kill waits at most this long for the victim to commit something
# The case engine's deadline timer runs on the wall clock, and a replayed day is long past:
# every case is overdue at once, and whether a timer tick lands before or after the desk's
# next command is a race. Chaos runs (the clean one too) switch the timer off: its marks
# are idempotent by command id (streams.cases.clocks) and not what a replay can compare.
DEADLINE_CHECK_OFF_S = 10_000_000.0
# Cross-camera suppression (streams.video.places) keeps whichever of two neighbouring
# cameras' candidates *arrives* first: which one that is depends on how the cameras'
# partitions interleave, which differs between two clean runs. Chaos runs switch it off
# (every camera's episodes alert on their own) until it decides by event time.
SUPPRESSION_OFF = {"suppression": {"distance_m": 0.0, "same_cell": False, "open_s": 0.0}}
# The case engine decides signals in event-time order (streams.progress), or case grouping
# would follow the order the paths delivered them in. A path silent this long is no longer
# waited for: longer than a killed worker takes to come back, so a kill never decides it.
EVENT_TIME_ORDER_IDLE_S = 600.0


class RunFailed(RuntimeError):
    """The run could not finish (a process would not catch up, the plan failed …)."""


@dataclass
class RunRecord:
    """What happened in one run, as it happened."""

    kills: list[dict] = field(default_factory=list)
    broker_restarts: list[dict] = field(default_factory=list)
    unexpected_exits: list[dict] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    began_s: float = field(default_factory=time.monotonic)  # the faults' start: at_s counts from it


def case_policy(base: Settings, home: Path) -> Path:
    """The run's case policy: the configured one (or the defaults) with the timer off."""
    doc = {}
    if base.case_policy_path:
        doc = yaml.safe_load(base.case_policy_path.read_text()) or {}
    doc["deadline_check_s"] = DEADLINE_CHECK_OFF_S
    path = home / "case-policy.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def video_rules(base: Settings, home: Path) -> Path:
    """The run's video rules: the configured overrides with cross-camera suppression off."""
    doc = json.loads(base.video_rules_path.read_text()) if base.video_rules_path else {}
    doc = {**doc, **SUPPRESSION_OFF}
    path = home / "video-rules.json"
    path.write_text(json.dumps(doc))
    return path


def run_settings(base: Settings, home: Path) -> Settings:
    """Settings of a fresh home: its own broker, stores, landing, warehouse and ports."""
    return replace(
        base,
        home=home,
        broker="",
        app_id=APP_ID,
        landing_dir=home / "landing",
        warehouse_path=home / "warehouse" / "citybrain.duckdb",
        state_dir=home / "state",
        reference_dir=home / "reference",
        web_port=free_port(),
        sink_web_port=free_port(),
        case_policy_path=case_policy(base, home),
        video_rules_path=video_rules(base, home),
        event_time_order_idle_s=EVENT_TIME_ORDER_IDLE_S,
    )


class Fleet:
    """The run's child processes by name: worker, worker-2 (own store and port), sink."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.log_dir = settings.home / "logs"
        self.own = {WORKER: settings, SINK: settings}
        if workers == 2:
            self.own[SECOND_WORKER] = replace(
                settings, web_port=free_port(), state_dir=settings.home / "state-2"
            )
        self.children: dict[str, processes.Child] = {}
        self.starts: dict[str, int] = {}

    def start(self, name: str) -> processes.Child:
        command = SINK if name == SINK else WORKER
        self.starts[name] = self.starts.get(name, 0) + 1
        child = processes.start(
            command, self.own[name], log_dir=self.log_dir, name=f"{name}-{self.starts[name]}"
        )
        self.children[name] = child
        return child

    def start_all(self) -> None:
        for name in self.own:
            self.start(name)

    def dead(self) -> list[str]:
        return [n for n, c in self.children.items() if not c.alive()]

    def stop_all(self) -> None:
        for child in self.children.values():
            child.stop()


def _progress(bootstrap: str, group: str, published: int) -> int | None:
    """Source records committed by ``group`` so far (None while the broker does not answer)."""
    try:
        lag = asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS))
    except KafkaError:
        return None
    return published - sum(lag.values())


def _revive(fleet: Fleet, record: RunRecord, started: float) -> None:
    """Restart any process that died by itself (a finding: reported, then restarted).

    Its whole log is copied beside the runs (``exits/``), kept when the run's
    home is removed: a stuck worker's await chains run longer than the tail.
    """
    for name in fleet.dead():
        child = fleet.children[name]
        run_home = fleet.log_dir.parent
        kept = run_home.parent / "exits" / f"{run_home.name}-{child.log_path.name}"
        kept.parent.mkdir(parents=True, exist_ok=True)
        if child.log_path.exists():
            shutil.copyfile(child.log_path, kept)
        record.unexpected_exits.append(
            {
                "process": name,
                "at_s": round(time.monotonic() - started, 2),
                "exit": child.process.returncode,
                "log_tail": child.log_tail(15),
                "log": str(kept),
            }
        )
        fleet.start(name)


def _await_progress(bootstrap: str, group: str, published: int, baseline: int) -> int | None:
    """Wait (at most PROGRESS_WAIT_S) until ``group`` has committed past ``baseline``."""
    deadline = time.monotonic() + PROGRESS_WAIT_S
    progress = _progress(bootstrap, group, published)
    while (progress is None or progress <= baseline) and time.monotonic() < deadline:
        time.sleep(0.2)
        progress = _progress(bootstrap, group, published)
    return progress


def apply_faults(
    plan: RunPlan, scenario: Scenario, settings: Settings, fleet: Fleet, log
) -> RunRecord:
    """Publish each segment and apply the fault that follows it; then the last segment.

    A kill comes ``delay_s`` after its segment was published, and once the
    victim's consumer group has committed something since the victim's last
    (re)start (or PROGRESS_WAIT_S later): so kills land mid-stream, not only in
    start-up, and the run moves forward between kills.
    """
    record = RunRecord()
    started = record.began_s
    broker = LocalBroker(settings)
    baseline = {WORKER: 0, SECOND_WORKER: 0, SINK: 0}
    for i in range(len(plan.cuts) - 1):
        segment = scenario.messages[plan.cuts[i] : plan.cuts[i + 1]]
        if segment:
            asyncio.run(replay(segment, bootstrap=settings.broker, speed=None))
        if i >= len(plan.faults):
            break
        fault = plan.faults[i]
        time.sleep(fault.delay_s)
        _revive(fleet, record, started)
        if fault.process == BROKER:
            at_s = round(time.monotonic() - started, 2)
            began = time.monotonic()
            broker.restart()
            record.broker_restarts.append(
                {"segment": i, "at_s": at_s, "took_s": round(time.monotonic() - began, 2)}
            )
            log(f"  broker restarted at {at_s}s")
            continue
        group = settings.app_id + (SINK_APP_SUFFIX if fault.process == SINK else "")
        published = plan.cuts[i + 1]
        at_message = _await_progress(settings.broker, group, published, baseline[fault.process])
        at_s = round(time.monotonic() - started, 2)
        child = fleet.children[fault.process]
        pid = child.process.pid
        code = child.kill()
        fleet.start(fault.process)
        baseline[fault.process] = at_message or 0
        record.kills.append(
            {
                "process": fault.process,
                "segment": i,
                "at_s": at_s,
                "at_message": at_message,
                "published": published,
                "pid": pid,
                "exit": code,
            }
        )
        log(f"  SIGKILL {fault.process} pid {pid} at {at_s}s, {at_message} records committed")
    _revive(fleet, record, started)
    record.timings_s["faults"] = round(time.monotonic() - started, 2)
    return record


def finish_day(scenario: Scenario, settings: Settings, fleet: Fleet, record: RunRecord) -> None:
    """Let the day settle, close every window, let the desk work the cases, wait again.

    The tail goes out only once the day has been worked through: its citizen
    reports are signals too, and published while the day's signals are still
    queued they race them into the case engine (in one run a tail report
    opened the case a day's report then joined, in the next the other way).
    """
    bootstrap = settings.broker
    day_start = datetime.combine(scenario.day, datetime.min.time(), UTC)
    groups = consumer_groups(settings)  # the workers' group on the sources, then the sink's
    groups[settings.app_id] = (*groups[settings.app_id], wire.ALERTS, wire.PLACES, wire.COMMANDS)

    def settle() -> None:  # every group at zero lag on every topic, three polls running
        # a process that died meanwhile is reported and restarted, as between faults
        revive = functools.partial(_revive, fleet, record, record.began_s)
        asyncio.run(wait_caught_up(bootstrap, groups, timeout_s=CATCH_UP_TIMEOUT_S, on_poll=revive))

    try:
        settle()
        tail = tail_messages(day_start + timedelta(days=1, hours=12), every_source=True)
        asyncio.run(publish_tail(bootstrap, tail))
        settle()
        asyncio.run(work_the_day(settings, scenario, bootstrap=bootstrap))
        settle()
    except TimeoutError as exc:
        tails = "\n".join(f"--- {n}\n{c.log_tail(30)}" for n, c in fleet.children.items())
        raise RunFailed(f"{exc}\n{tails}") from exc
    for name in fleet.dead():
        record.unexpected_exits.append(
            {"process": name, "at_s": None, "exit": fleet.children[name].process.returncode}
        )


def run_once(
    plan: RunPlan, scenario: Scenario, base: Settings, home: Path, *, log=print, keep=False
) -> tuple[Outputs, RunRecord]:
    """Run ``plan`` on a fresh home and broker; return its outputs and what happened."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    settings = run_settings(base, home)
    broker = LocalBroker(settings)
    began = time.monotonic()
    settings = replace(settings, broker=broker.start())
    fleet = Fleet(settings, plan.workers)
    try:
        asyncio.run(create_topics(settings.broker, registry(settings.app_id)))
        export_reference(scenario, settings.reference_path)
        fleet.start_all()
        record = apply_faults(plan, scenario, settings, fleet, log)
        stream_began = time.monotonic()
        finish_day(scenario, settings, fleet, record)
        record.timings_s["catch_up"] = round(time.monotonic() - stream_began, 2)
    finally:
        fleet.stop_all()
        broker.stop()
    plan_began = time.monotonic()
    day_before = scenario.day - timedelta(days=1)
    run_plan(
        settings,
        start=day_before.isoformat(),
        end=(scenario.day + timedelta(days=2)).isoformat(),
        restate=True,
    )
    record.timings_s["plan"] = round(time.monotonic() - plan_began, 2)
    outputs = extract(settings.warehouse_path)
    record.timings_s["total"] = round(time.monotonic() - began, 2)
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return outputs, record
