"""What the command side sends besides the event itself: index updates, deadline alerts, refusals.

- A case a person reported (not opened from a signal) is indexed under every
  key within reach, so later alerts of the same problem join it.
- A case that ends leaves the index: one ``unindex`` per key within reach.
- ``warn_deadline`` and ``mark_overdue`` raise an alert on ``alerts``
  (source ``cases``; ``Alert`` then ``Update``); when the marks stop applying
  (the clock stopped or moved) the alert is cancelled.
- A refused command goes to ``cases.commands.rejected`` with its reason; a
  system ``link`` refused because its case has ended (or been retired) sends
  the signal back to be placed again, after removing the stale index entry.

Every message id derives from the event or command, so a batch sent again
after a crash sends identical copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citybrain.deadletters import content_id
from streams.cases.checks import Refusal
from streams.cases.commands import Command
from streams.cases.dedup import case_entry, index_key, index_keys
from streams.cases.lifecycle import is_open
from streams.cases.places import index_message, reach_entry, unindex_message
from streams.cases.policy import CasePolicy
from streams.cases.signals import index_place_key, signal_cell
from streams.cases.transitions import CLOCK_STATES, Name, State
from streams.cases.wire import ALERTS, EVENTS, PLACES, REFUSALS, Outgoing

ALERT_SOURCE = "cases"
MARKS = {
    Name.WARN_DEADLINE.value: ("Moderate", "yellow", "handling time nearly used / 处置临期"),
    Name.MARK_OVERDUE.value: ("Severe", "red", "handling overdue / 处置超期"),
}


def _marked(case: Mapping[str, Any] | None) -> bool:
    return case is not None and (case.get("warned_at") is not None or bool(case.get("overdue")))


def _clocked(case: Mapping[str, Any]) -> bool:
    return State(case["state"]) in CLOCK_STATES


def deadline_alert(case: Mapping[str, Any], event: Mapping[str, Any], msg_type: str) -> dict:
    """The ``alerts`` message of a clock mark (or its cancellation) on ``case``."""
    mark = Name.MARK_OVERDUE.value if case.get("overdue") else Name.WARN_DEADLINE.value
    severity, level, words = MARKS[mark]
    clock = f"{case['dispatch_count']}.{case['postponement_count']}"
    return {
        "event_id": f"{ALERT_SOURCE}:{event['event_id']}",
        "alert_id": f"{ALERT_SOURCE}:{case['case_id']}:deadline:{clock}",
        "msg_type": msg_type,
        "source": ALERT_SOURCE,
        "category": case["category"],
        "severity": severity,
        "level": level,
        "event_at": event["at"],
        "sent_at": event["at"],
        "lat": case["lat"],
        "lng": case["lng"],
        "title": f"case {case['case_id']}: {words}",
        "details": {
            "case_id": case["case_id"],
            "department_id": case["department_id"],
            "deadline_at": case.get("deadline_at") or event.get("deadline_at"),
            "state": event["to_state"],
            "urgency": case["urgency"],
            "class_code": case.get("class_code"),
        },
    }


def _alerts(before: Mapping[str, Any] | None, after: Mapping[str, Any], event: Mapping) -> list:
    if event["command"] in MARKS:
        msg_type = "Update" if _marked(before) else "Alert"
        return [Outgoing(ALERTS, after["case_id"], deadline_alert(after, event, msg_type))]
    if _marked(before) and (not _clocked(after) or not _marked(after)):
        return [Outgoing(ALERTS, after["case_id"], deadline_alert(before, event, "Cancel"))]
    return []


def _reach(case: Mapping[str, Any], policy: CasePolicy) -> list[str]:
    return index_keys(
        category=case["category"], lat=case["lat"], lng=case["lng"], policy=policy.dedup
    )


def event_messages(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    policy: CasePolicy,
) -> list[Outgoing]:
    """The event on ``cases.events`` and what it makes the engine send besides."""
    out = [Outgoing(EVENTS, after["case_id"], dict(event))]
    if event["command"] == Name.REPORT and "signal_id" not in event["payload"]:
        entry = case_entry(
            case_id=after["case_id"],
            lat=after["lat"],
            lng=after["lng"],
            at=datetime.fromisoformat(after["reported_at"].replace("Z", "+00:00")),
        )
        out += [index_message(k, reach_entry(entry)) for k in _reach(after, policy)]
    if not is_open(after) and (before is None or is_open(before)):
        out += [unindex_message(k, after["case_id"]) for k in _reach(after, policy)]
    return out + _alerts(before, after, event)


def refusal_record(command: Command, refusal: Refusal) -> dict[str, Any]:
    """The ``cases.commands.rejected`` record of a refused command."""
    doc = command.to_dict()
    return {
        "event_id": content_id(command.case_id, command.command_id, refusal.code),
        "event_at": doc["at"],
        "source_topic": "cases.commands",
        "case_id": command.case_id,
        "command_id": command.command_id,
        "command": command.name,
        "code": refusal.code,
        "reason": refusal.reason,
        "document": doc,
    }


def refusal_messages(command: Command, refusal: Refusal) -> list[Outgoing]:
    """The refusal record, and a stale ``link``'s signal sent back to be placed again."""
    out = [Outgoing(REFUSALS, command.case_id, refusal_record(command, refusal))]
    signal = command.payload.get("signal")
    if (
        command.name == Name.LINK
        and command.role == "system"
        and refusal.code in ("invalid_state", "retired")
        and isinstance(signal, Mapping)
    ):
        key = index_key(category=signal["category"], cell=signal_cell(signal))
        out.append(unindex_message(key, command.case_id))
        out.append(
            Outgoing(PLACES, index_place_key(key), {"type": "signal", "signal": dict(signal)})
        )
    return out
