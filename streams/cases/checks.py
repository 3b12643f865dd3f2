"""Why a command may not be applied to a case: state, role, department scope, payload.

Checks run in a fixed order and the first failure is the refusal, so the same
command on the same case is always refused for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.cases.commands import Command, payload_problem, role_problem
from streams.cases.transitions import RULES, Name, Role, State

REFUSAL_CODES = (
    "unknown_command",
    "case_mismatch",
    "no_case",
    "case_exists",
    "invalid_state",
    "role_not_allowed",
    "wrong_department",
    "invalid_payload",
    "retired",  # the case ended long ago and left the worker's tables (streams.cases.retirement)
)


@dataclass(frozen=True)
class Refusal:
    """A command that was not applied: a machine ``code`` and a reason for people."""

    code: str
    reason: str


def refusal_for(case: Mapping[str, Any] | None, command: Command) -> Refusal | None:
    """Why ``command`` may not be applied to ``case`` (None: no case yet), or None."""
    try:
        name = Name(command.name)
    except ValueError:
        return Refusal("unknown_command", f"unknown command {command.name!r}")
    rule = RULES[name]
    state = None if case is None else State(case["state"])
    if case is not None and case["case_id"] != command.case_id:
        return Refusal("case_mismatch", f"command for {command.case_id}, case is {case['case_id']}")
    if state not in rule.from_states:
        if state is None:
            return Refusal("no_case", f"no case {command.case_id}; only 'report' opens a case")
        if name is Name.REPORT:
            return Refusal("case_exists", f"case {command.case_id} already exists")
        allowed = ", ".join(sorted(s.value for s in rule.from_states if s is not None))
        return Refusal(
            "invalid_state", f"cannot '{name}' a case that is {state}; allowed when: {allowed}"
        )
    if problem := role_problem(name, command.role):
        return Refusal("role_not_allowed", problem)
    assigned = None if case is None else case["department_id"]
    if (
        rule.own_department
        and command.role == Role.DEPARTMENT_HANDLER
        and command.department_id != assigned
    ):
        return Refusal(
            "wrong_department",
            f"case {command.case_id} is assigned to {assigned}, "
            f"not to the actor's department {command.department_id}",
        )
    if problem := payload_problem(name, command.payload):
        return Refusal("invalid_payload", problem)
    return None
