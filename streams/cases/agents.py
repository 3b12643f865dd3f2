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
Which cases the engine dispatches itself: :mod:`streams.cases.policy`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from faust.types import EventT

from citybrain.contracts import decode
from citybrain.contracts.alert import validate as validate_alert
from citybrain.contracts.base import ContractViolation, decode_json_object
from citybrain.settings import Settings
from citybrain.topics import spec
from streams.cases import wire
from streams.cases.clocks import due_mark
from streams.cases.commands import command_from_dict
from streams.cases.continuity import Continuity, Nexts, for_app
from streams.cases.grids import routing_from_reference
from streams.cases.journal import CaseJournal
from streams.cases.places import PlaceIndex
from streams.cases.policy import CasePolicy
from streams.cases.policy_file import load_policy
from streams.cases.retire_tables import apply_retirement
from streams.cases.retirement import Retirement, clock_key
from streams.cases.routing import RoutingTable
from streams.cases.signals import place_key, signal_cell, signal_from_alert, signal_from_report
from streams.cases.wire import partition_of
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.intake.validate import RawMessage, rejection
from streams.ordered import reseek_timer

BATCH_MAX_EVENTS = 5_000
BATCH_WITHIN_S = 0.05  # three hops from alert to dispatch: keep each wait short

log = logging.getLogger(__name__)


@dataclass
class CaseEngine:
    """What the HTTP API uses: the case table, the history table, the command topic, counters.

    ``table[case_id]`` is the case dict (see :mod:`streams.cases.lifecycle`,
    plus ``deadline_at``); ``history[case_id]`` the list of its events in
    order. Send a command with ``await commands.send(key=case_id,
    value=command.to_dict())`` (a dict or its JSON bytes); the engine applies
    it or publishes the refusal on ``cases.commands.rejected``.
    ``retired[case_id]`` is the tombstone of a case retired from the other two
    (:mod:`streams.cases.retirement`).
    """

    table: faust.Table
    history: faust.Table
    commands: faust.TopicT
    stats: dict[str, int]
    retired: faust.Table | None = None


class CaseAgents:
    """The agents' batch work; faust wiring is in :func:`register`."""

    def __init__(
        self,
        *,
        app: faust.App,
        engine: CaseEngine,
        dedup: faust.Table,
        topics: dict[str, faust.TopicT],
        policy: CasePolicy,
        routing: RoutingTable,
        now: Callable[[], datetime],
        continuity: Continuity | None = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.dedup = dedup
        self.topics = topics
        self.policy = policy
        self.routing = routing
        self.now = now
        self.continuity = continuity
        self.stats = engine.stats
        self.command_partitions = spec(wire.COMMANDS).partitions

    async def flush(self) -> None:
        """Wait until Kafka holds everything written so far (the barrier before sending)."""
        await self.app.producer.flush()

    async def send_all(self, messages: Sequence[wire.Outgoing]) -> None:
        """Produce ``messages`` in order (per key, order is kept)."""
        for m in messages:
            await self.topics[m.topic].send(key=m.key.encode(), value=orjson.dumps(m.value))

    async def in_order(self, events: Sequence[EventT]) -> Nexts:
        """Seek back over records faust skipped before this batch (see ``continuity``)."""
        if self.continuity is None:
            return {}
        return await self.continuity.check(events)

    def done(self, nexts: Nexts) -> None:
        """Store the next offsets of a batch whose outputs are sent."""
        if self.continuity is not None:
            self.continuity.store(nexts)

    async def intake(self, events: Sequence[EventT]) -> None:
        """Alerts and reports → signals on the place-keyed topic; bad alerts dead-lettered.

        A batch's signals go out in observation order (``at``, then id), not in
        the order faust mixed the partitions: after a restart the batch holds a
        backlog of several partitions, and which signal of a place comes first
        decides which opens its case.
        """
        nexts = await self.in_order(events)
        out: list[wire.Outgoing] = []
        signals: list[wire.Outgoing] = []
        for event in events:
            message = RawMessage.from_event(event)
            if message.topic == wire.ALERTS:
                try:
                    row = validate_alert(decode_json_object(message.value or b""))
                except ContractViolation as exc:
                    out.append(self._dead_letter(message, exc.reason))
                    continue
                except Exception as exc:  # a contract bug must not stop the stream either
                    out.append(self._dead_letter(message, f"unexpected {exc!r}"))
                    continue
                if not self.policy.acts_on_alert(
                    source=row["source"], msg_type=row["msg_type"], severity=row["severity"]
                ):
                    self.stats["alerts_ignored"] += 1
                    continue
                signal = signal_from_alert(row)
            else:
                try:
                    signal = signal_from_report(decode(wire.REPORTS, message.value))
                except Exception:  # dead-lettered with its reason by the hotspot agent
                    self.stats["reports_invalid"] += 1
                    continue
            self.stats[f"signals.{signal['source']}"] += 1
            key = place_key(category=signal["category"], cell=signal_cell(signal))
            signals.append(wire.Outgoing(wire.PLACES, key, {"type": "signal", "signal": signal}))
        signals.sort(key=lambda m: (m.value["signal"]["at"], m.value["signal"]["signal_id"]))
        await self.send_all(out + signals)
        self.done(nexts)

    def _dead_letter(self, message: RawMessage, reason: str) -> wire.Outgoing:
        self.stats["alerts_rejected"] += 1
        record = rejection(message, reason)
        return wire.Outgoing(wire.ALERTS_REJECTED, record["event_id"], record)

    async def places(self, events: Sequence[EventT]) -> None:
        """Place signals in the dedup index; send report / link commands and index fan-out."""
        nexts = await self.in_order(events)
        indexes: dict[int, tuple[PlaceIndex, EventT]] = {}
        out: list[wire.Outgoing] = []
        for event in events:
            partition = event.message.partition
            if partition not in indexes:
                read = self._reader(self.dedup, event)
                index = PlaceIndex(
                    read, policy=self.policy, routing=self.routing, counts=self.stats
                )
                indexes[partition] = (index, event)
            index = indexes[partition][0]
            indexes[partition] = (index, event)
            try:
                doc = orjson.loads(event.value)
                out += index.handle(doc, kafka_key=bytes(event.key or b"").decode())
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.stats["place_messages_malformed"] += 1
                log.warning("cases: malformed message on %s: %r", wire.PLACES, exc)
        for index, last in indexes.values():
            with event_context(last):
                for key in sorted(index.dirty):
                    self.dedup[key] = index.values[key]
        await self.flush()
        await self.send_all(out)
        self.done(nexts)

    @staticmethod
    def _reader(table: faust.Table, event: EventT) -> Callable[[str], Any]:
        def read(key: str) -> Any:
            with event_context(event):
                return table.get(key)

        return read

    async def commands(self, events: Sequence[EventT]) -> None:
        """Apply commands to cases; write the tables; then publish events and effects."""
        nexts = await self.in_order(events)
        journals: dict[str, tuple[CaseJournal, EventT]] = {}
        clocks: dict[int, tuple[Retirement | None, EventT]] = {}
        out: list[wire.Outgoing] = []
        for event in events:
            message = RawMessage.from_event(event)
            try:
                doc = orjson.loads(message.value or b"")
                command = command_from_dict(doc if isinstance(doc, dict) else {})
            except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
                self.stats["commands_malformed"] += 1
                record = rejection(message, f"not a command: {exc}")
                out.append(wire.Outgoing(wire.REFUSALS, record["event_id"], record))
                continue
            case_id = command.case_id
            if partition_of(case_id, self.command_partitions) != message.partition:
                self.stats["commands_misrouted"] += 1
                out.append(wire.Outgoing(wire.COMMANDS, case_id, doc))
                continue
            self.stats["commands"] += 1
            partition = message.partition
            if partition not in clocks:
                clocks[partition] = (self._retirement(partition, event), event)
            retirement = clocks[partition][0]
            clocks[partition] = (retirement, event)  # written in the batch's last event's context
            if retirement is not None:
                retirement.observe(command)
            if case_id not in journals:
                journals[case_id] = (self._journal(case_id, event), event)
            journal = journals[case_id][0]
            journals[case_id] = (journal, event)
            out += journal.run(command, policy=self.policy, counts=self.stats)
        for case_id, (journal, last) in journals.items():
            if journal.changed:
                with event_context(last):
                    self.engine.history[case_id] = journal.history
                    self.engine.table[case_id] = journal.case
            if (retirement := clocks[last.message.partition][0]) is not None:
                retirement.note(journal.case)
        for retirement, last in clocks.values():
            self._retire(retirement, last)
        await self.flush()
        await self.send_all(out)
        self.done(nexts)

    def _journal(self, case_id: str, event: EventT) -> CaseJournal:
        with event_context(event):
            case = self.engine.table.get(case_id)
            history = self.engine.history.get(case_id)
            retired = None
            if case is None and not history and self.engine.retired is not None:
                retired = self.engine.retired.get(case_id)
        return CaseJournal.load(case, history, policy=self.policy, retired=retired)

    def _retirement(self, partition: int, event: EventT) -> Retirement | None:
        retired = self.engine.retired
        if retired is None:
            return None
        read = self._reader(retired, event)
        return Retirement(read(clock_key(partition)), read, partition=partition)

    def _retire(self, retirement: Retirement | None, last: EventT) -> None:
        """Tombstone the partition's cases now due, forget old tombstones, write the record."""
        retired = self.engine.retired
        if retirement is None or retired is None:
            return
        due = retirement.due(
            retire_after_h=self.policy.retire_after_h,
            forget_after_h=self.policy.forget_retired_after_h,
        )
        with event_context(last):
            apply_retirement(
                due,
                retirement,
                cases=self.engine.table,
                history=self.engine.history,
                retired=retired,
                stats=self.stats,
            )

    async def check_deadlines(self) -> int:
        """Ask for the clock marks due now on this worker's cases; return how many."""
        now_at = self.now()
        out = []
        for case_id, case in list(self.engine.table.items()):
            command = due_mark(case, now_at=now_at, clock=self.policy.clock)
            if command is not None:
                out.append(wire.Outgoing(wire.COMMANDS, case_id, command.to_dict()))
        await self.send_all(out)
        self.stats["deadline_marks_asked"] += len(out)
        return len(out)


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
        continuity=for_app(app, engine.stats, offsets) if check_offsets else None,
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

    engine.stats["routed_cells"] = len(routing.cell_grids)
    return agents
