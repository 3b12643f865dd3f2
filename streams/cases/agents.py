"""The case engine on faust: alerts and reports → cases, commands → events, clocks → alerts.

Three agents and a timer, wired by :func:`register`::

    alerts, reports.citizen ─ cases-intake ─▶ cases.alerts-by-place   (keyed by place)
                                     tables case_intake_alerts (3), case_intake_reports (6)
    cases.alerts-by-place ── cases-dedup ──▶ cases.commands           (report | link)
                                     table case_dedup (6 partitions)
    cases.commands ───────── cases-commands ▶ cases.events            (keyed by case id)
                                     tables cases, case_history, case_retired (3 partitions)
                                       └────▶ cases.alerts-by-place   (index / unindex)
                                       └────▶ alerts                  (deadline alerts)
                                       └────▶ cases.commands.rejected (refusals)
    timer cases-deadlines (every policy.deadline_check_s) ─▶ cases.commands
    timer cases-progress (event-time order only) ─▶ cases.alerts-by-place  (the intake's marks)

With event-time order on (``Settings.event_time_order_idle_s``) the intake
sends progress marks after its signals and dedup holds signals until every
path has passed them: :mod:`streams.cases.ordering`, :mod:`streams.progress`.

The two stateful agents write a batch's table changes first (in the event
context of the batch's records, so tables stay co-partitioned with their
source topic), wait until Kafka holds them, and only then send what the
batch decided. What a table records as done is therefore either sent, or
sent again when its input comes back after a crash: an input found done
re-sends its outputs, and the ids inside them (command ids, ``event_id`` =
``<case_id>:<version>``) make the copies identical and harmless. What a
table does not record was never sent, so it is decided afresh, in whatever
order faust delivers it after a restart. Commands that arrive on a partition
other than their case id's are forwarded to the right one. Records faust
skips (it can, after a restart or around a rebalance) are sought back; each
agent keeps its sources' next offsets in a table co-partitioned with them
(the intake in its two tables, dedup in ``case_dedup``, commands in
``case_retired``): :mod:`streams.cases.continuity`.
Ended cases leave ``cases`` and ``case_history`` for a tombstone in
``case_retired`` after ``policy.retire_after_h`` of event time:
:mod:`streams.cases.retirement`.
Which cases the engine dispatches itself: :mod:`streams.cases.policy`. What each
agent does with a batch: :mod:`streams.cases.batches`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import EventT

from citybrain.settings import Settings
from citybrain.topics import spec
from streams import log_start
from streams.cases import wire
from streams.cases.batches import CaseAgents, CaseEngine
from streams.cases.continuity import for_app
from streams.cases.grids import routing_from_reference
from streams.cases.ordering import EventTimeOrder
from streams.cases.policy import CasePolicy
from streams.cases.policy_file import load_policy
from streams.cases.routing import RoutingTable
from streams.guard import or_exit
from streams.ordered import reseek_timer

BATCH_MAX_EVENTS = 5_000
BATCH_WITHIN_S = 0.05  # three hops from alert to dispatch: keep each wait short

log = logging.getLogger(__name__)


def _batches(work: Callable[[Sequence[EventT]], Any], what: str) -> Callable:
    async def agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: work(events), what=what)

    return agent


def register(app: faust.App, settings: Settings) -> CaseEngine:
    """Declare the case engine on ``app`` with the default policy and the reference routing."""
    return declare(app, settings).engine


def declare(
    app: faust.App,
    settings: Settings,
    *,
    policy: CasePolicy | None = None,
    routing: RoutingTable | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    check_offsets: bool = True,
) -> CaseAgents:
    """Declare the case topics, tables, agents and deadline timer on ``app``.

    ``routing`` defaults to the reference files in ``settings.reference_path``;
    ``now`` is the deadline timer's clock; ``check_offsets`` turns on the
    continuity check of the agents' source partitions (off only in faust's
    test context, whose offsets are not per partition).
    """
    if policy is None:
        policy = (
            load_policy(settings.case_policy_path) if settings.case_policy_path else CasePolicy()
        )
    routing = routing or routing_from_reference(settings.reference_path)
    idle_s = settings.event_time_order_idle_s

    def topic(name: str, **kw: Any) -> faust.TopicT:
        options = {"key_serializer": "raw", "value_serializer": "raw"} | kw
        return app.topic(name, partitions=spec(name).partitions, **options)

    def table(name: str, partitions: int) -> faust.Table:
        return app.Table(name, partitions=partitions, key_type=str, value_type=None)

    commands = topic(wire.COMMANDS, value_serializer=wire.JsonOrBytesOut())
    topics = {
        name: topic(name)
        for name in (wire.PLACES, wire.EVENTS, wire.REFUSALS, wire.ALERTS, wire.ALERTS_REJECTED)
    }
    topics[wire.COMMANDS] = commands
    engine = CaseEngine(
        table=table("cases", spec(wire.COMMANDS).partitions),
        history=table("case_history", spec(wire.COMMANDS).partitions),
        commands=commands,
        stats=defaultdict(int),
        retired=table("case_retired", spec(wire.COMMANDS).partitions),
    )
    dedup = table("case_dedup", spec(wire.PLACES).partitions)
    # where each agent keeps its sources' next offsets: a table co-partitioned with the source
    offsets = {
        wire.ALERTS: table("case_intake_alerts", spec(wire.ALERTS).partitions),
        wire.REPORTS: table("case_intake_reports", spec(wire.REPORTS).partitions),
        wire.PLACES: dedup,
        wire.COMMANDS: engine.retired,
    }
    agents = CaseAgents(
        app=app,
        engine=engine,
        dedup=dedup,
        topics=topics,
        policy=policy,
        routing=routing,
        now=now,
        continuity=(
            for_app(app, engine.stats, offsets, starts=log_start.for_broker(settings.broker))
            if check_offsets
            else None
        ),
        order=None if idle_s is None else EventTimeOrder(idle_s=idle_s),
        intake_alerts=offsets[wire.ALERTS],
    )
    sources = app.topic(wire.ALERTS, wire.REPORTS, key_serializer="raw", value_serializer="raw")
    app.agent(sources, name="cases-intake")(_batches(agents.intake, "cases intake"))
    app.agent(topics[wire.PLACES], name="cases-dedup")(_batches(agents.places, "cases dedup"))
    app.agent(commands, name="cases-commands")(_batches(agents.commands, "cases commands"))

    @app.timer(policy.deadline_check_s, name="cases-deadlines")
    async def deadlines() -> None:
        if app.rebalancing or getattr(app, "in_recovery", False):
            return
        try:
            await agents.check_deadlines()
        except Exception:  # the next tick tries again; nothing is lost by skipping one
            engine.stats["deadline_check_errors"] += 1
            log.exception("cases: deadline check failed")

    if agents.continuity is not None:
        reseek_timer(app, name="cases-reseek", reseek=agents.continuity.reseek_gaps)

    if idle_s is not None:

        @app.timer(idle_s / 4, name="cases-progress")
        async def heartbeat() -> None:  # dedup looks at its held signals when no path moves
            if app.rebalancing or getattr(app, "in_recovery", False):
                return
            try:
                await agents.heartbeat()
            except Exception:  # the next tick sends them again
                log.exception("cases: progress heartbeat failed")

    engine.stats["routed_cells"] = len(routing.cell_grids)
    return agents
