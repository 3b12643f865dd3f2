"""Apply one command to one case: the pure core of the case engine.

A case is a JSON-serialisable dict, the value of a faust Table keyed by case
id. :func:`apply` never mutates it: it returns a new state and the event to
publish on ``cases.events``, or a :class:`Refusal` saying why not. A command
id already applied to the case changes nothing: ``apply`` returns the case as
it is and no event, so re-delivered commands are harmless.

Case state (times are ISO-8601 UTC strings)::

    case_id, state, version (accepted transitions so far), category, lat, lng,
    grid_code, urgency, source, description, reported_at, updated_at,
    class_code, class_name, class_standard (GB/T 30428.2 class, None if none),
    suggested_department_id (the routed owner, before anyone dispatches),
    department_id, dispatched_at (start of the current department's clock),
    extension_hours (approved postponements of the current dispatch),
    pending_extension_hours, handled_at, suspended_at, ended_at,
    dispatch_count, return_count, rework_count, postponement_count,
    merged_count, last_merged_at (further alerts and reports linked),
    warned_at, overdue, overdue_at (marks on the current clock), overdue_count,
    command_ids (the last RECENT_COMMAND_IDS applied)

``warn_deadline`` and ``mark_overdue`` are idempotent per clock: a mark the
case already carries changes nothing. A new clock (dispatch, rework, an
approved postponement) clears the marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citybrain.contracts.base import isoformat_utc
from streams.cases.checks import Refusal, refusal_for
from streams.cases.classify import DEFAULT_STANDARD, class_code, urgency_for
from streams.cases.commands import Command
from streams.cases.transitions import FINAL_STATES, RULES, Name, State

RECENT_COMMAND_IDS = 64
NEW_CLOCK: dict[str, Any] = {"warned_at": None, "overdue": False, "overdue_at": None}

Case = dict[str, Any]
Event = dict[str, Any]


def is_open(case: Mapping[str, Any]) -> bool:
    """True while the case is not closed, cancelled or not registered."""
    return State(case["state"]) not in FINAL_STATES


def _opened(command: Command) -> Case:
    p = command.payload
    klass = class_code(p["category"], standard=DEFAULT_STANDARD)
    return {
        "case_id": command.case_id,
        "state": None,
        "version": 0,
        "category": p["category"],
        "lat": float(p["lat"]),
        "lng": float(p["lng"]),
        "grid_code": p.get("grid_code"),
        "urgency": urgency_for(p["category"], requested=p.get("urgency")).value,
        "source": p.get("source", command.role),
        "description": p.get("description", ""),
        "reported_at": isoformat_utc(command.at),
        "class_code": None if klass is None else klass.code,
        "class_name": None if klass is None else klass.name,
        "class_standard": DEFAULT_STANDARD,
        "suggested_department_id": p.get("suggested_department_id"),
        "department_id": None,
        "dispatched_at": None,
        "extension_hours": 0.0,
        "pending_extension_hours": None,
        "handled_at": None,
        "suspended_at": None,
        "ended_at": None,
        "dispatch_count": 0,
        "return_count": 0,
        "rework_count": 0,
        "postponement_count": 0,
        "merged_count": 0,
        "last_merged_at": None,
        **NEW_CLOCK,
        "overdue_count": 0,
        "command_ids": [],
    }


def _changes(name: Name, case: Case, c: Command) -> dict[str, Any]:
    """The fields a command changes besides state, version and bookkeeping."""
    at = isoformat_utc(c.at)
    match name:
        case Name.DISPATCH | Name.REWORK:  # a (re)dispatch starts a new clock
            rework = name is Name.REWORK
            return {
                "department_id": case["department_id"] if rework else c.payload["department_id"],
                "dispatched_at": at,
                "extension_hours": 0.0,
                "pending_extension_hours": None,
                "handled_at": None,
                "dispatch_count": case["dispatch_count"] + 1,
                "rework_count": case["rework_count"] + int(rework),
                **NEW_CLOCK,
            }
        case Name.RETURN:
            return {"return_count": case["return_count"] + 1}
        case Name.REQUEST_POSTPONEMENT:
            return {"pending_extension_hours": float(c.payload["hours"])}
        case Name.APPROVE_POSTPONEMENT:
            return {
                "extension_hours": case["extension_hours"] + case["pending_extension_hours"],
                "pending_extension_hours": None,
                "postponement_count": case["postponement_count"] + 1,
                **NEW_CLOCK,
            }
        case Name.REJECT_POSTPONEMENT:
            return {"pending_extension_hours": None}
        case Name.HANDLE:
            return {"handled_at": at}
        case Name.SUSPEND:
            return {"suspended_at": at}
        case Name.RESUME:
            return {"suspended_at": None}
        case Name.LINK:
            return {"merged_count": case.get("merged_count", 0) + 1, "last_merged_at": at}
        case Name.WARN_DEADLINE:
            return {"warned_at": at}
        case Name.MARK_OVERDUE:
            return {
                "overdue": True,
                "overdue_at": at,
                "overdue_count": case.get("overdue_count", 0) + 1,
            }
    return {}


def _already_marked(name: Name, case: Mapping[str, Any]) -> bool:
    """True when a clock mark is already on the case (an overdue case needs no warning)."""
    if name is Name.MARK_OVERDUE:
        return bool(case.get("overdue"))
    if name is Name.WARN_DEADLINE:
        return bool(case.get("overdue")) or case.get("warned_at") is not None
    return False


def apply(case: Mapping[str, Any] | None, command: Command) -> tuple[Case, Event | None] | Refusal:
    """Apply ``command`` to ``case`` (None before ``report``).

    Returns ``(new_case, event)``; ``(case, None)`` when the command id was
    already applied or the clock mark is already on the case; or a Refusal,
    leaving the case as it was.
    """
    if case is not None and command.command_id in case["command_ids"]:
        return dict(case), None
    if refusal := refusal_for(case, command):
        return refusal
    name = Name(command.name)
    if case is not None and _already_marked(name, case):
        return dict(case), None
    before: Case = _opened(command) if case is None else dict(case)
    changed = before | _changes(name, before, command)
    to_state = RULES[name].to_state or State(before["state"])
    version = before["version"] + 1
    after = changed | {
        "state": to_state.value,
        "version": version,
        "updated_at": isoformat_utc(command.at),
        "ended_at": isoformat_utc(command.at) if to_state in FINAL_STATES else None,
        "command_ids": [*before["command_ids"], command.command_id][-RECENT_COMMAND_IDS:],
    }
    event: Event = {
        "event_id": f"{command.case_id}:{version}",
        "case_id": command.case_id,
        "version": version,
        "command_id": command.command_id,
        "command": name.value,
        "actor": command.actor,
        "role": command.role,
        "actor_department_id": command.department_id,
        "at": isoformat_utc(command.at),
        "from_state": before["state"],
        "to_state": to_state.value,
        "department_id": after["department_id"],
        "reason": command.payload.get("reason"),
        "payload": dict(command.payload),
    }
    return after, event
