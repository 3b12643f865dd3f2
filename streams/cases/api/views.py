"""Cases as the API shows them: deadline, overdue flag, allowed commands, department scope.

Pure functions of a case (the engine's dict), the caller's claims and the time;
:func:`visible_case` also looks the path's case up in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citybrain import auth
from citybrain.contracts.base import isoformat_utc
from streams.cases.api.model import ApiConfig, ApiError, Call
from streams.cases.limits import case_deadline_at
from streams.cases.retirement import retired_refusal
from streams.cases.transitions import Role, State, commands_allowed

CLOCK_STATES = frozenset({State.DISPATCHED, State.POSTPONEMENT_REQUESTED})  # department's clock


def state_of(case: Mapping[str, Any]) -> State | None:
    """The case's state, or None when it holds no known state."""
    try:
        return State(case.get("state"))
    except ValueError:
        return None


def aware_datetime(text: Any) -> datetime | None:
    """ISO-8601 text with a zone as a datetime; None when missing, invalid or zoneless."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def deadline_of(case: Mapping[str, Any], config: ApiConfig) -> datetime | None:
    """The current department's deadline, or None (not dispatched, or no time limit).

    The engine's own ``deadline_at`` (its policy's calendar and limits) when
    the case carries one, else computed with the API's calendar and limits.
    """
    if "deadline_at" in case:
        return aware_datetime(case["deadline_at"])
    try:
        return case_deadline_at(case, calendar=config.calendar, limits=config.limits)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def is_overdue(case: Mapping[str, Any], config: ApiConfig, now_at: datetime) -> bool:
    """True while a department holds the case past its deadline (or the engine marked it)."""
    if state_of(case) not in CLOCK_STATES:
        return False
    if case.get("overdue") is True:
        return True
    deadline = deadline_of(case, config)
    return deadline is not None and now_at > deadline


def can_see(case: Mapping[str, Any], claims: auth.Claims) -> bool:
    """Department handlers see their department's cases; every other role sees all."""
    if claims.role != Role.DEPARTMENT_HANDLER:
        return True
    return case.get("department_id") == claims.department_id


def case_view(case: Mapping[str, Any], call: Call) -> dict[str, Any]:
    """A case as the API shows it: state, deadline, overdue flag, the caller's commands."""
    assert call.claims is not None
    view = {k: v for k, v in case.items() if k != "command_ids"}
    deadline = deadline_of(case, call.config)
    state = state_of(case)
    view["deadline_at"] = None if deadline is None else isoformat_utc(deadline)
    view["overdue_now"] = is_overdue(case, call.config, call.now_at)
    allowed = [] if state is None else commands_allowed(state, Role(call.claims.role))
    view["commands_allowed"] = [n.value for n in allowed]
    return view


def visible_case(call: Call) -> Mapping[str, Any]:
    """The case of the path's ``case_id`` if the caller may see it; ApiError 404 otherwise.

    A case retired from the engine's tables (ended long ago) is 410 Gone, with
    when it ended and where its history is; 404 for a department that never held it.
    """
    assert call.claims is not None
    case_id = call.params["case_id"]
    case = call.store.get(case_id)
    stone = call.store.retired(case_id) if case is None else None
    if stone is not None and can_see(stone, call.claims):
        raise ApiError(410, "case_retired", retired_refusal(stone).reason)
    if case is None or not can_see(case, call.claims):
        scope = (
            f" among department {call.claims.department_id}'s cases"
            if call.claims.role == Role.DEPARTMENT_HANDLER
            else ""
        )
        raise ApiError(404, "unknown_case", f"no case {case_id!r}{scope}")
    return case
