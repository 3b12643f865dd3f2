"""The command side for one case during one batch: history, state, and what to send.

The history (every accepted event, in order) is the case's log; the case is
its fold. :meth:`CaseJournal.load` repairs a case that a crash left behind or
ahead of its history. Every event carries its ``cause``: the command that
led to it (for the engine's own follow-ups, the report before them).

The agent writes the history and the case *before* it sends what a batch
decided. A command whose id is in the history was applied, however long ago
(the case itself remembers only its recent ids): it changes nothing, and the
events it caused and their effects are sent again (identical copies, same
``event_id``), since a crash may have come between the write and the send.
A command not in the history was never sent on, so deciding it afresh is
safe in any order.

Order-free placement: the dedup side's ``report`` (opens a case) and
``link`` (joins one) carry the same payload. A system ``link`` for a case
that does not exist yet opens it; a system ``report`` for a case that
exists joins it; a signal already in the case is not counted twice. So the
case's sightings are the same whichever of its commands arrives first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from streams.cases.checks import Refusal
from streams.cases.commands import Command
from streams.cases.engine import fold, follow_ups, restore, step
from streams.cases.lifecycle import Case, Event
from streams.cases.outbox import event_messages, refusal_messages
from streams.cases.policy import CasePolicy
from streams.cases.retirement import retired_refusal
from streams.cases.transitions import Name, Role
from streams.cases.wire import Outgoing


def _signal_of(event: Mapping[str, Any]) -> str | None:
    return event["payload"].get("signal_id") if event["role"] == Role.SYSTEM else None


@dataclass
class CaseJournal:
    """One case while a batch is applied to it."""

    case: Case | None
    history: list[Event]
    applied: set[str] = field(default_factory=set)
    signals: set[str] = field(default_factory=set)
    changed: bool = False
    retired: Mapping[str, Any] | None = None

    @classmethod
    def load(
        cls,
        case: Mapping[str, Any] | None,
        history: Sequence[Mapping[str, Any]] | None,
        *,
        policy: CasePolicy,
        retired: Mapping[str, Any] | None = None,
    ) -> CaseJournal:
        """The journal of a case as stored; repaired from the history if they disagree.

        ``retired``: the case's tombstone (:mod:`streams.cases.retirement`) when
        it has left the tables; every command for it is then refused.
        """
        if case is None and not history and retired is not None:
            return cls(case=None, history=[], retired=dict(retired))
        events = [dict(e) for e in history or ()]
        repaired = restore(case, events, clock=policy.clock)
        return cls(
            case=repaired,
            history=events,
            applied={e["command_id"] for e in events},
            signals={s for e in events if (s := _signal_of(e))},
            changed=repaired != (None if case is None else dict(case)),
        )

    def _placed(self, command: Command) -> Command | None:
        """A system report or link as it applies to this case now; None if already counted."""
        signal_id = command.payload.get("signal_id")
        if command.role != Role.SYSTEM or command.name not in (Name.REPORT, Name.LINK):
            return command
        if signal_id in self.signals:
            return None
        if command.name == Name.LINK and self.case is None:
            return replace(command, name=Name.REPORT.value)
        if command.name == Name.REPORT and self.case is not None:
            return replace(command, name=Name.LINK.value)
        return command

    def run(self, command: Command, *, policy: CasePolicy, counts: Counter) -> list[Outgoing]:
        """Apply ``command`` and the engine's follow-ups; return the messages to send."""
        if self.retired is not None:
            counts["commands_for_retired_cases"] += 1
            return refusal_messages(command, retired_refusal(self.retired))
        if command.command_id in self.applied:
            counts["commands_applied_before"] += 1
            return self.resend(command.command_id, policy=policy)
        placed = self._placed(command)
        if placed is None:
            counts["signals_applied_before"] += 1
            return []
        return self._apply(placed, cause=command.command_id, policy=policy, counts=counts)

    def _apply(
        self, command: Command, *, cause: str, policy: CasePolicy, counts: Counter
    ) -> list[Outgoing]:
        result = step(self.case, command, clock=policy.clock)
        if isinstance(result, Refusal):
            counts["commands_refused"] += 1
            return refusal_messages(command, result)
        after, event = result
        if event is None:
            counts["commands_without_change"] += 1
            return []
        event = event | {"cause": cause}
        before, self.case = self.case, after
        self.history.append(event)
        self.applied.add(command.command_id)
        if signal_id := _signal_of(event):
            self.signals.add(signal_id)
        self.changed = True
        counts["events"] += 1
        counts[f"events.{event['command']}"] += 1
        out = event_messages(before, after, event, policy=policy)
        for follow_up in follow_ups(after, event, policy=policy):
            out += self._apply(follow_up, cause=cause, policy=policy, counts=counts)
        return out

    def resend(self, cause: str, *, policy: CasePolicy) -> list[Outgoing]:
        """The events ``cause`` led to, and their effects, as first sent."""
        indexes = [i for i, e in enumerate(self.history) if e.get("cause") == cause]
        if not indexes:
            return []
        states = fold(self.history[: indexes[-1] + 1], clock=policy.clock)
        out = []
        for i in indexes:
            before = states[i - 1] if i else None
            out += event_messages(before, states[i], self.history[i], policy=policy)
        return out
