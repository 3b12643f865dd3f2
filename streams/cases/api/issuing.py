"""The handlers that issue commands: a manual report, and every command people send.

They decide, without I/O, whether the command goes to ``cases.commands``
(a :class:`~streams.cases.api.model.Produce`), was already applied (202
again, so retries are harmless), or is refused by the case core.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from streams.cases.api.model import API_PREFIX, Call, Handler, Produce, Response, error
from streams.cases.api.views import state_of, visible_case
from streams.cases.checks import Refusal, refusal_for
from streams.cases.commands import Command
from streams.cases.retirement import retired_refusal
from streams.cases.transitions import RULES, Name

REPORT_CASE_NAMESPACE = uuid.UUID("0b6f3c1e-9d2a-4f7b-8e55-6a1c2d3e4f50")


def _refusal_response(refusal: Refusal) -> Response:
    status = {
        "no_case": 404,
        "unknown_command": 404,
        "case_exists": 409,
        "invalid_state": 409,
        "role_not_allowed": 403,
        "wrong_department": 403,
    }.get(refusal.code, 400)
    return error(status, refusal.code, refusal.reason)


def _accepted(command: Command, case: Mapping[str, Any] | None, *, applied: bool) -> Response:
    url = f"{API_PREFIX}/cases/{command.case_id}"
    unchanged = None if case is None else state_of(case)
    expected = RULES[Name(command.name)].to_state or unchanged
    body = {
        "status": "already_applied" if applied else "accepted",
        "case_id": command.case_id,
        "command_id": command.command_id,
        "command": command.name,
        "expected_state": None if expected is None else expected.value,
        "case_url": url,
    }
    return Response(202, body, {"Location": url})


def _produce(case: Mapping[str, Any] | None, command: Command) -> Response | Produce:
    if case is not None and command.command_id in (case.get("command_ids") or ()):
        return _accepted(command, case, applied=True)  # a retry of a command already applied
    if refusal := refusal_for(case, command):
        return _refusal_response(refusal)
    return Produce(command, _accepted(command, case, applied=False))


def _command(call: Call, name: Name, case_id: str, command_id: str) -> Command:
    assert call.claims is not None
    payload = {k: v for k, v in call.body.items() if k != "command_id"}
    return Command(
        command_id=command_id,
        case_id=case_id,
        name=name.value,
        actor=call.claims.subject,
        role=call.claims.role,
        at=call.now_at,
        department_id=call.claims.department_id,
        payload=payload,
    )


def report_case_id(call: Call) -> str | None:
    """The case id a report with the client's ``command_id`` opens (None: no id given).

    A retry of the same report derives the same id, so it finds the case.
    """
    assert call.claims is not None
    given = call.body.get("command_id")
    if given is None:
        return None
    seed = f"{call.claims.subject}|{given}"
    return f"case-{uuid.uuid5(REPORT_CASE_NAMESPACE, seed).hex[:20]}"


def create_case(call: Call) -> Response | Produce:
    """POST /cases: a manual report (上报) opens a new case."""
    case_id = report_case_id(call)
    if case_id is None:
        command_id, case_id = uuid.uuid4().hex, f"case-{uuid.uuid4().hex[:20]}"
    else:
        command_id = call.body["command_id"]
    command = _command(call, Name.REPORT, case_id, command_id)
    case = call.store.get(case_id)
    if case is None and (stone := call.store.retired(case_id)) is not None:
        return error(410, "case_retired", retired_refusal(stone).reason)  # a retry, long after
    return _produce(case, command)


def issue_command(name: Name) -> Handler:
    """The handler of POST /cases/{case_id}/commands/<name>."""

    def handler(call: Call) -> Response | Produce:
        case = visible_case(call)
        command_id = call.body.get("command_id") or uuid.uuid4().hex
        return _produce(case, _command(call, name, case["case_id"], command_id))

    handler.__name__ = f"issue_{name.value}"
    return handler
