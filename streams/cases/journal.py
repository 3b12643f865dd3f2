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

Links beyond the cap: once a case's history holds ``max_link_events_per_case``
``link`` events, a further accepted link is counted on the case
(``merged_count``, ``last_merged_at``, ``links_counted``) and sends nothing;
the case remembers every counted link by a 48-bit digest of its command id
(``counted_link_digests``: one string of 12 hex digits per link, where the
ids themselves would take 40-60 bytes each), so a re-delivered one, however
late, changes nothing. Their number is bounded by the dedup side, which sends
a case at most ``max_links_per_case`` links per index key. The
history stays the log of every event; the counted links are the case's own
record, carried over when the case is repaired from its history.

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
from streams.cases.digests import digest48
from streams.cases.engine import fold, follow_ups, restore, step
from streams.cases.lifecycle import Case, Event
from streams.cases.outbox import event_messages, refusal_messages
from streams.cases.policy import CasePolicy
from streams.cases.retirement import retired_refusal
from streams.cases.transitions import Name, Role
from streams.cases.wire import Outgoing

DIGEST_CHARS = 12


def link_key(command_id: str) -> str:
    """The digest a counted link is remembered by (:mod:`streams.cases.digests`)."""
    return digest48(command_id)


def _signal_of(event: Mapping[str, Any]) -> str | None:
    return event["payload"].get("signal_id") if event["role"] == Role.SYSTEM else None


def with_counted(
    repaired: Mapping[str, Any] | None, stored: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A case folded from its history, with the links ``stored`` counted beyond the cap."""
    if repaired is None or not stored or not stored.get("links_counted"):
        return None if repaired is None else dict(repaired)
    last = max(filter(None, (repaired.get("last_merged_at"), stored.get("last_merged_at"))))
    return dict(repaired) | {
        "merged_count": repaired.get("merged_count", 0) + stored["links_counted"],
        "last_merged_at": last,
        "links_counted": stored["links_counted"],
        "counted_link_digests": stored.get("counted_link_digests") or "",
    }


def counted_digests(case: Mapping[str, Any] | None) -> set[str]:
    """The digests of the links ``case`` counted past the cap."""
    text = (case or {}).get("counted_link_digests") or ""
    return {text[i : i + DIGEST_CHARS] for i in range(0, len(text), DIGEST_CHARS)}


def count_link(case: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """``case`` with one more link counted beyond the cap instead of stored as ``event``."""
    digests = (case.get("counted_link_digests") or "") + link_key(event["command_id"])
    return dict(case) | {
        "merged_count": case.get("merged_count", 0) + 1,
        "last_merged_at": max(filter(None, (case.get("last_merged_at"), event["at"]))),
        "links_counted": case.get("links_counted", 0) + 1,
        "counted_link_digests": digests,
    }


@dataclass
class CaseJournal:
    """One case while a batch is applied to it."""

    case: Case | None
    history: list[Event]
    applied: set[str] = field(default_factory=set)
    counted: set[str] = field(default_factory=set)
    signals: set[str] = field(default_factory=set)
    changed: bool = False
    links: int = 0
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
        if case is not None and case["version"] != len(events):  # folded from the history
            repaired = with_counted(repaired, case)
        return cls(
            case=repaired,
            history=events,
            applied={e["command_id"] for e in events},
            counted=counted_digests(repaired),
            signals={s for e in events if (s := _signal_of(e))},
            changed=repaired != (None if case is None else dict(case)),
            links=sum(e["command"] == Name.LINK for e in events),
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
        if command.command_id in self.applied or link_key(command.command_id) in self.counted:
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
        if event["command"] == Name.LINK and self.links >= policy.max_link_events_per_case:
            self.case = count_link(self.case or after, event)
            self.counted.add(link_key(command.command_id))
            self.changed = True
            counts["links_counted"] += 1
            return []
        self.links += event["command"] == Name.LINK
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
