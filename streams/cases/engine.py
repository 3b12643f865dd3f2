"""One step of the case engine, its own follow-up commands, and the fold of a case's events.

:func:`step` is :func:`lifecycle.apply` plus the handling clock: every case
and event carries ``deadline_at`` (ISO UTC, None while no department clock
runs), computed with the engine's :class:`~streams.cases.policy.Clock`. A
clock mark (``warn_deadline``, ``mark_overdue``) made for a deadline that has
moved since (an approved postponement) changes nothing.

Events hold everything their command held, so :func:`command_of` rebuilds
the command and :func:`replay` folds a case's events back into the case:
the table value equals the fold of the history, which is how a worker
repairs a case whose table write was lost in a crash (:func:`restore`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from streams.cases.commands import Command
from streams.cases.lifecycle import Case, Event, Refusal, apply
from streams.cases.policy import CasePolicy, Clock
from streams.cases.transitions import Name, Role

ENGINE_ACTOR = "case-engine"
Result = tuple[Case, Event | None] | Refusal


def _stale_mark(case: Mapping[str, Any] | None, command: Command) -> bool:
    if case is None or command.name not in (Name.WARN_DEADLINE, Name.MARK_OVERDUE):
        return False
    return command.payload.get("deadline_at") != case.get("deadline_at")


def step(case: Mapping[str, Any] | None, command: Command, *, clock: Clock) -> Result:
    """Apply ``command`` and set ``deadline_at`` on the new case and its event."""
    if case is not None and _stale_mark(case, command):
        return dict(case), None
    result = apply(case, command)
    if isinstance(result, Refusal) or result[1] is None:
        return result
    after, event = result
    deadline = clock.deadline_at(after)
    return after | {"deadline_at": deadline}, event | {"deadline_at": deadline}


def command_of(event: Mapping[str, Any]) -> Command:
    """The command an event records."""
    return Command(
        command_id=event["command_id"],
        case_id=event["case_id"],
        name=event["command"],
        actor=event["actor"],
        role=event["role"],
        at=datetime.fromisoformat(event["at"].replace("Z", "+00:00")),
        department_id=event["actor_department_id"],
        payload=event["payload"],
    )


def fold(events: Iterable[Mapping[str, Any]], *, clock: Clock) -> list[Case]:
    """The case after each event; ValueError when an event does not follow.

    An event's ``cause`` (the command that led to it, for the engine's own
    follow-ups the one before them) is bookkeeping, not part of the check.
    """
    case: Case | None = None
    states = []
    for event in events:
        result = step(case, command_of(event), clock=clock)
        expected = {k: v for k, v in event.items() if k != "cause"}
        if isinstance(result, Refusal) or result[1] != expected:
            raise ValueError(f"event {event['event_id']} does not follow from the events before")
        case = result[0]
        states.append(case)
    return states


def replay(events: Iterable[Mapping[str, Any]], *, clock: Clock) -> Case | None:
    """The case its events fold into; ValueError when an event does not follow."""
    states = fold(events, clock=clock)
    return states[-1] if states else None


def restore(
    case: Mapping[str, Any] | None, history: list[Mapping[str, Any]], *, clock: Clock
) -> Case | None:
    """The case consistent with its history; the history wins when they disagree.

    A crash between the two table writes can leave the case a version behind
    or ahead of the history; the history is the log, the case its fold.
    """
    version = 0 if case is None else case["version"]
    if version == len(history):
        return None if case is None else dict(case)
    return replay(history, clock=clock)


def follow_ups(
    case: Mapping[str, Any], event: Mapping[str, Any], *, policy: CasePolicy
) -> list[Command]:
    """The engine's own commands after ``event``: accept, register, dispatch a machine case.

    Only after the ``report`` of a case whose source the policy dispatches
    itself; dispatch only when its place and category have an owner.
    """
    if event["command"] != Name.REPORT or not policy.auto_dispatches(case):
        return []
    at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
    steps: list[tuple[str, dict[str, Any]]] = [(Name.ACCEPT.value, {}), (Name.REGISTER.value, {})]
    if case.get("suggested_department_id"):
        steps.append((Name.DISPATCH.value, {"department_id": case["suggested_department_id"]}))
    return [
        Command(
            command_id=f"{event['command_id']}:{name}",
            case_id=case["case_id"],
            name=name,
            actor=ENGINE_ACTOR,
            role=Role.SYSTEM.value,
            at=at,
            payload=payload,
        )
        for name, payload in steps
    ]
