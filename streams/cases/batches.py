"""The case engine's batch work: what each of its three agents does with a batch of records.

:class:`CaseAgents` holds one method per agent (``intake``, ``places``,
``commands``) and the deadline check; :mod:`streams.cases.agents` wires them
into faust. Every method ends the same way: write the batch's table changes,
wait until Kafka holds them (:meth:`CaseAgents.flush`), send what the batch
decided, then store the sources' next offsets (:mod:`streams.cases.continuity`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import faust
import orjson
from faust.types import EventT

from citybrain.contracts import decode
from citybrain.contracts.alert import validate as validate_alert
from citybrain.contracts.base import ContractViolation, decode_json_object
from citybrain.topics import spec
from streams import progress
from streams.cases import wire
from streams.cases.clocks import due_mark
from streams.cases.commands import command_from_dict
from streams.cases.continuity import Continuity, Nexts
from streams.cases.holding import Hold
from streams.cases.journal import CaseJournal
from streams.cases.ordering import EventTimeOrder
from streams.cases.places import PlaceIndex
from streams.cases.policy import CasePolicy
from streams.cases.retire_tables import apply_retirement
from streams.cases.retirement import Retirement, clock_key
from streams.cases.routing import RoutingTable
from streams.cases.signals import place_key, signal_cell, signal_from_alert, signal_from_report
from streams.cases.wire import partition_of
from streams.faust_compat import event_context
from streams.intake.validate import RawMessage, rejection

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
    """The agents' batch work; :func:`streams.cases.agents.declare` wires it into faust."""

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
        order: EventTimeOrder | None = None,
        intake_alerts: faust.Table | None = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.dedup = dedup
        self.topics = topics
        self.policy = policy
        self.routing = routing
        self.now = now
        self.continuity = continuity
        self.order = order  # event-time order (streams.cases.ordering), None: arrival order
        self.intake_alerts = intake_alerts  # upstream marks of the alerts partitions
        self.stats = engine.stats
        self.command_partitions = spec(wire.COMMANDS).partitions

    async def flush(self) -> None:
        """Wait until Kafka holds everything written so far (the barrier before sending)."""
        await self.app.producer.flush()

    async def send_all(self, messages: Sequence[wire.Outgoing]) -> None:
        """Produce ``messages`` in order (per key, order is kept)."""
        for m in messages:
            await self.topics[m.topic].send(
                key=m.key.encode(), value=orjson.dumps(m.value), partition=m.partition
            )

    async def in_order(self, events: Sequence[EventT]) -> Nexts:
        """Seek back over records faust skipped before this batch (see ``continuity``)."""
        if self.continuity is None:
            return {}
        return await self.continuity.check(events)

    def _gapped(self) -> set:
        """Source partitions with a gap before this batch: they take no marks from it."""
        return set() if self.continuity is None else set(self.continuity.gaps)

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
        gapped = self._gapped()
        out: list[wire.Outgoing] = []
        signals: list[wire.Outgoing] = []
        upstream: dict[int, tuple[dict, EventT]] = {}  # alerts partition: its upstream marks
        moved: set[tuple[str, int]] = set()
        for event in events:
            message = RawMessage.from_event(event)
            if message.topic == wire.ALERTS and progress.is_progress(event.message.headers):
                if self.order is not None and (wire.ALERTS, message.partition) not in gapped:
                    self._upstream_marks(upstream, event)
                    moved.add((wire.ALERTS, message.partition))
                continue
            raised_at = None
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
                raised_at = progress.raised_at(event.message.headers)
                raised_at = progress.epoch_s(row["sent_at"]) if raised_at is None else raised_at
            else:
                try:
                    signal = signal_from_report(decode(wire.REPORTS, message.value))
                except Exception:  # dead-lettered with its reason by the hotspot agent
                    self.stats["reports_invalid"] += 1
                    continue
                raised_at = progress.epoch_s(signal["at"])
                if self.order is not None and (wire.REPORTS, message.partition) not in gapped:
                    self.order.note_report(message.partition, raised_at)
                    moved.add((wire.REPORTS, message.partition))
            self.stats[f"signals.{signal['source']}"] += 1
            key = place_key(category=signal["category"], cell=signal_cell(signal))
            doc = {"type": "signal", "signal": signal}
            if self.order is not None:
                doc["raised_at"] = raised_at
            signals.append(wire.Outgoing(wire.PLACES, key, doc))
        signals.sort(key=lambda m: (m.value["signal"]["at"], m.value["signal"]["signal_id"]))
        await self.send_all(out + signals)
        if self.order is not None and moved:
            for partition, (value, last) in upstream.items():
                with event_context(last):
                    self.intake_alerts[progress.marks_key(partition)] = value
            await self.flush()  # the signals are in Kafka before the marks that pass them
            await self.send_all(self.order.messages(moved))
        self.done(nexts)

    def _upstream_marks(self, upstream: dict, event: EventT) -> None:
        """Merge a progress record on ``alerts`` into its partition's upstream marks."""
        partition = event.message.partition
        if partition in upstream:  # an earlier record of this batch moved them already
            old = upstream[partition][0]
        else:
            with event_context(event):
                old = self.intake_alerts.get(progress.marks_key(partition))
        try:
            upstream[partition] = (self.order.alerts_marks(partition, old, event.value), event)
        except (ValueError, TypeError):
            self.stats["progress_malformed"] += 1

    async def heartbeat(self) -> int:
        """Re-send the intake's marks, so dedup looks at its held signals; return how many."""
        if self.order is None:
            return 0
        messages = self.order.messages()
        await self.send_all(messages)
        return len(messages)

    def _dead_letter(self, message: RawMessage, reason: str) -> wire.Outgoing:
        self.stats["alerts_rejected"] += 1
        record = rejection(message, reason)
        return wire.Outgoing(wire.ALERTS_REJECTED, record["event_id"], record)

    async def places(self, events: Sequence[EventT]) -> None:
        """Place signals in the dedup index; send report / link commands and index fan-out."""
        nexts = await self.in_order(events)
        gapped = self._gapped()
        indexes: dict[int, tuple[PlaceIndex, EventT]] = {}
        holds: dict[int, Hold] = {}
        out: list[wire.Outgoing] = []
        for event in events:
            partition = event.message.partition
            if partition not in indexes:
                read = self._reader(self.dedup, event)
                index = PlaceIndex(
                    read, policy=self.policy, routing=self.routing, counts=self.stats
                )
                indexes[partition] = (index, event)
                if self.order is not None:
                    holds[partition] = self.order.hold(read, partition)
            index = indexes[partition][0]
            indexes[partition] = (index, event)
            try:
                doc = orjson.loads(event.value)
                kafka_key = bytes(event.key or b"").decode()
                if self.order is not None and self.order.take(
                    holds[partition],
                    partition,
                    doc,
                    kafka_key=kafka_key,
                    gapped=(wire.PLACES, partition) in gapped,
                ):
                    continue
                out += index.handle(doc, kafka_key=kafka_key)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.stats["place_messages_malformed"] += 1
                log.warning("cases: malformed message on %s: %r", wire.PLACES, exc)
        for partition, hold in holds.items():
            out += self.order.release(hold, partition, indexes[partition][0])
        if self.order is not None:
            self.stats["signals_held"] = self.order.count_held(holds)
        for partition, (index, last) in indexes.items():
            with event_context(last):
                for key in sorted(index.dirty):
                    self.dedup[key] = index.values[key]
                if partition in holds:
                    for key, value in self.order.table_items(holds[partition], partition).items():
                        self.dedup[key] = value
        await self.flush()
        await self.send_all(out)
        if any(hold.releasing for hold in holds.values()):
            await self.flush()  # the commands are in Kafka before the placed signals leave
        for partition, hold in holds.items():
            with event_context(indexes[partition][1]):
                for key, value in self.order.settled_items(hold, partition).items():
                    self.dedup[key] = value
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
