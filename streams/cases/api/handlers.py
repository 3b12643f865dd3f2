"""The read handlers: one case, its events, a page of cases, the leader summary, the document.

Each takes a :class:`~streams.cases.api.model.Call` and returns a
:class:`~streams.cases.api.model.Response`; they only read the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from citybrain.categories import CATEGORIES
from citybrain.contracts.base import isoformat_utc
from streams.cases.api.model import ApiError, Call, Response
from streams.cases.api.views import (
    aware_datetime,
    can_see,
    case_view,
    is_overdue,
    state_of,
    visible_case,
)
from streams.cases.classify import Urgency
from streams.cases.transitions import FINAL_STATES, Name, Role

URGENT = frozenset({Urgency.URGENT.value, Urgency.EMERGENCY.value})


def get_case(call: Call) -> Response:
    """GET /cases/{case_id}."""
    return Response(200, case_view(visible_case(call), call))


def case_events(call: Call) -> Response:
    """GET /cases/{case_id}/events: accepted transitions, oldest first."""
    case = visible_case(call)
    events = sorted(call.store.history(case["case_id"]), key=lambda e: e.get("version", 0))
    return Response(200, {"case_id": case["case_id"], "events": list(events)})


def _matches(case: Mapping[str, Any], q: Mapping[str, Any], call: Call) -> bool:
    if "status" in q and case.get("state") not in q["status"].split(","):
        return False
    if "category" in q and case.get("category") not in q["category"].split(","):
        return False
    if "department" in q and case.get("department_id") != q["department"]:
        return False
    if "grid" in q and case.get("grid_code") != q["grid"]:
        return False
    if "overdue" in q and is_overdue(case, call.config, call.now_at) != q["overdue"]:
        return False
    if "from" in q or "to" in q:
        reported_at = aware_datetime(case.get("reported_at"))
        if reported_at is None:
            return False
        if "from" in q and reported_at < q["from"]:
            return False
        if "to" in q and reported_at >= q["to"]:
            return False
    return True


def list_cases(call: Call) -> Response:
    """GET /cases: filtered, newest report first, one page."""
    assert call.claims is not None
    q = dict(call.query)
    if call.claims.role == Role.DEPARTMENT_HANDLER:
        own = call.claims.department_id
        if q.setdefault("department", own) != own:
            raise ApiError(
                403,
                "department_not_allowed",
                f"a department handler lists only department {own}'s cases",
            )
    if "from" in q and "to" in q and q["from"] >= q["to"]:
        raise ApiError(400, "invalid_request", "'from' must be before 'to'")
    found = [c for c in call.store.cases() if can_see(c, call.claims) and _matches(c, q, call)]
    found.sort(key=lambda c: (str(c.get("reported_at") or ""), str(c.get("case_id"))), reverse=True)
    page = found[q["offset"] : q["offset"] + q["limit"]]
    return Response(
        200,
        {
            "items": [case_view(c, call) for c in page],
            "total": len(found),
            "limit": q["limit"],
            "offset": q["offset"],
        },
    )


def summary(call: Call) -> Response:
    """GET /summary: what a leader (值班长 / 指挥长) looks at first."""
    zone = ZoneInfo(call.config.calendar.timezone)
    day = call.query.get("date") or call.now_at.astimezone(zone).date()
    open_by_state: Counter[str] = Counter()
    open_by_category: Counter[str] = Counter()
    today_by_category: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    overdue = urgent = 0
    supervisors: dict[str, Counter[str]] = {}
    for case in call.store.cases():
        state = state_of(case)
        if state is not None and state not in FINAL_STATES:
            open_by_state[state.value] += 1
            open_by_category[str(case.get("category"))] += 1
            urgent += case.get("urgency") in URGENT
            overdue += is_overdue(case, call.config, call.now_at)
        reported_at = aware_datetime(case.get("reported_at"))
        if reported_at is None or reported_at.astimezone(zone).date() != day:
            continue
        sources[str(case.get("source"))] += 1
        today_by_category[str(case.get("category"))] += 1
        history = call.store.history(str(case.get("case_id")))
        opened = next((e for e in history if e.get("command") == Name.REPORT), None)
        if opened is not None and opened.get("role") == Role.SUPERVISOR:
            counts = supervisors.setdefault(str(opened.get("actor")), Counter())
            counts["reports"] += 1
            counts["registered"] += any(e.get("command") == Name.REGISTER for e in history)
    ranked = sorted(today_by_category, key=lambda c: (-today_by_category[c], c))
    body = {
        "as_of": isoformat_utc(call.now_at),
        "date": day.isoformat(),
        "timezone": call.config.calendar.timezone,
        "open": sum(open_by_state.values()),
        "open_by_state": dict(sorted(open_by_state.items())),
        "overdue": overdue,
        "urgent": urgent,
        "reported": sum(sources.values()),
        "sources": dict(sorted(sources.items())),
        "top_categories": [
            {
                "category": c,
                "name": CATEGORIES.get(c, c),
                "reported": today_by_category[c],
                "open": open_by_category[c],
            }
            for c in ranked[: call.query["top"]]
        ],
        "supervisors": [
            {"supervisor": actor, "reports": n["reports"], "registered": n["registered"]}
            for actor, n in sorted(supervisors.items(), key=lambda kv: (-kv[1]["reports"], kv[0]))
        ],
    }
    return Response(200, body)


def openapi_document(call: Call) -> Response:
    """GET /openapi.json."""
    from streams.cases.openapi import document  # openapi imports this package: import when called

    return Response(200, document())
