"""The case lifecycle as data: states, roles, command names and the transition table.

One-level supervision, one-level command (一级监督、一级指挥): the supervision
centre (监督中心) takes problems in, registers and verifies them; the command
centre (指挥中心) dispatches them to departments (专业部门), which handle them
and feed back. ``RULES`` is the whole table: for each command, the states it
may be issued in, the state it leads to, the roles that may issue it and the
payload fields it needs. A command issued in any other state is refused.
Three commands note something on an open case without moving it (their
``to_state`` is None): ``link`` (a further alert or report of the same
problem), ``warn_deadline`` and ``mark_overdue`` (the handling clock).

``admin`` may issue every command of the desk roles (call-taker, dispatcher,
leader), never the field acts of supervisors and departments, whose own
actions are the evidence that evaluation (考评) counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """Where a case is. ``None`` stands for "no case yet" (before ``report``)."""

    REPORTED = "reported"  # 上报
    ACCEPTED = "accepted"  # 受理
    NOT_REGISTERED = "not_registered"  # 不予立案 (final)
    REGISTERED = "registered"  # 立案, waiting for dispatch
    DISPATCHED = "dispatched"  # 派遣 to one department, whose clock runs
    POSTPONEMENT_REQUESTED = "postponement_requested"  # 申请延期, waiting for approval
    RETURNED = "returned"  # 回退 by the department to the command centre
    HANDLED = "handled"  # 处置 fed back, waiting for 核查
    VERIFIED = "verified"  # 核查 passed
    CLOSED = "closed"  # 结案 (final)
    SUSPENDED = "suspended"  # 挂账 (缓办): parked with approval
    CANCELLED = "cancelled"  # 作废 (final)


FINAL_STATES: frozenset[State] = frozenset({State.NOT_REGISTERED, State.CLOSED, State.CANCELLED})
OPEN_STATES: frozenset[State] = frozenset(State) - FINAL_STATES
# a department's handling clock runs (a postponement request does not stop it)
CLOCK_STATES: frozenset[State] = frozenset({State.DISPATCHED, State.POSTPONEMENT_REQUESTED})


class Role(StrEnum):
    """Who issues a command."""

    SUPERVISOR = "supervisor"  # 监督员: reports and verifies in the field
    CALL_TAKER = "call_taker"  # 受理员 / 接线员
    DISPATCHER = "dispatcher"  # 派遣员
    DEPARTMENT_HANDLER = "department_handler"  # 专业部门操作员: own department only
    LEADER = "leader"  # 值班长 / 指挥长: registers, approves, closes
    ADMIN = "admin"  # acts for the desk roles
    SYSTEM = "system"  # the case engine: opens cases from alerts, auto-dispatches, runs clocks


class Name(StrEnum):
    """Command names."""

    REPORT = "report"  # 上报
    ACCEPT = "accept"  # 受理
    REGISTER = "register"  # 立案
    NOT_REGISTER = "not_register"  # 不予立案
    DISPATCH = "dispatch"  # 派遣
    RETURN = "return"  # 回退
    REQUEST_POSTPONEMENT = "request_postponement"  # 申请延期
    APPROVE_POSTPONEMENT = "approve_postponement"  # 延期审批: 同意
    REJECT_POSTPONEMENT = "reject_postponement"  # 延期审批: 不同意
    HANDLE = "handle"  # 处置 with feedback (处理反馈)
    VERIFY = "verify"  # 核查 passed
    REWORK = "rework"  # 核查 failed: 返工 to the same department
    CLOSE = "close"  # 结案
    SUSPEND = "suspend"  # 挂账
    RESUME = "resume"  # 挂账恢复: back to the command centre for dispatch
    CANCEL = "cancel"  # 作废
    LINK = "link"  # 关联: a further alert or report of the same problem joins the case
    WARN_DEADLINE = "warn_deadline"  # 临期预警: most of the handling time is used
    MARK_OVERDUE = "mark_overdue"  # 超期: the handling deadline has passed


@dataclass(frozen=True)
class Rule:
    """One command: allowed from-states (``None`` = no case yet), target, roles, fields.

    ``to_state`` None: the command leaves the state as it is.
    """

    from_states: frozenset[State | None]
    to_state: State | None
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    own_department: bool = False  # department handlers act only on their department's cases


DESK_ROLES = frozenset({Role.CALL_TAKER, Role.DISPATCHER, Role.LEADER})


def _rule(
    from_states: set[State | None],
    to_state: State | None,
    *roles: Role,
    required: tuple[str, ...] = (),
) -> Rule:
    granted = frozenset(roles) | ({Role.ADMIN} if DESK_ROLES & set(roles) else set())
    return Rule(
        frozenset(from_states),
        to_state,
        granted,
        required,
        own_department=Role.DEPARTMENT_HANDLER in roles,
    )


S, R = State, Role
RULES: dict[Name, Rule] = {
    Name.REPORT: _rule(
        {None},
        S.REPORTED,
        R.SUPERVISOR,
        R.CALL_TAKER,
        R.SYSTEM,
        required=("category", "lat", "lng"),
    ),
    Name.ACCEPT: _rule({S.REPORTED}, S.ACCEPTED, R.CALL_TAKER, R.SYSTEM),
    Name.REGISTER: _rule({S.ACCEPTED}, S.REGISTERED, R.LEADER, R.SYSTEM),
    Name.NOT_REGISTER: _rule({S.ACCEPTED}, S.NOT_REGISTERED, R.LEADER, required=("reason",)),
    Name.DISPATCH: _rule(
        {S.REGISTERED, S.RETURNED},
        S.DISPATCHED,
        R.DISPATCHER,
        R.SYSTEM,
        required=("department_id",),
    ),
    Name.RETURN: _rule({S.DISPATCHED}, S.RETURNED, R.DEPARTMENT_HANDLER, required=("reason",)),
    Name.REQUEST_POSTPONEMENT: _rule(
        {S.DISPATCHED},
        S.POSTPONEMENT_REQUESTED,
        R.DEPARTMENT_HANDLER,
        required=("hours", "reason"),
    ),
    Name.APPROVE_POSTPONEMENT: _rule(
        {S.POSTPONEMENT_REQUESTED}, S.DISPATCHED, R.DISPATCHER, R.LEADER
    ),
    Name.REJECT_POSTPONEMENT: _rule(
        {S.POSTPONEMENT_REQUESTED}, S.DISPATCHED, R.DISPATCHER, R.LEADER, required=("reason",)
    ),
    Name.HANDLE: _rule({S.DISPATCHED}, S.HANDLED, R.DEPARTMENT_HANDLER, required=("feedback",)),
    Name.VERIFY: _rule({S.HANDLED}, S.VERIFIED, R.SUPERVISOR),
    Name.REWORK: _rule({S.HANDLED}, S.DISPATCHED, R.SUPERVISOR, required=("reason",)),
    Name.CLOSE: _rule({S.VERIFIED}, S.CLOSED, R.LEADER),
    Name.SUSPEND: _rule(
        {S.REGISTERED, S.DISPATCHED, S.RETURNED}, S.SUSPENDED, R.LEADER, required=("reason",)
    ),
    Name.RESUME: _rule({S.SUSPENDED}, S.REGISTERED, R.LEADER),
    Name.CANCEL: _rule(
        {S.REPORTED, S.ACCEPTED, S.REGISTERED, S.RETURNED, S.SUSPENDED},
        S.CANCELLED,
        R.LEADER,
        required=("reason",),
    ),
    Name.LINK: _rule(set(OPEN_STATES), None, R.SYSTEM, R.CALL_TAKER, required=("signal_id",)),
    Name.WARN_DEADLINE: _rule(set(CLOCK_STATES), None, R.SYSTEM, required=("deadline_at",)),
    Name.MARK_OVERDUE: _rule(set(CLOCK_STATES), None, R.SYSTEM, required=("deadline_at",)),
}


def target_state(state: State | None, name: Name) -> State | None:
    """The state ``name`` leads to from ``state``, or None when not allowed there."""
    rule = RULES[name]
    if state not in rule.from_states:
        return None
    return rule.to_state or state


def commands_allowed(state: State | None, role: Role) -> list[Name]:
    """Commands ``role`` may issue on a case in ``state`` (for UIs: the buttons to show)."""
    return [n for n, r in RULES.items() if state in r.from_states and role in r.roles]
