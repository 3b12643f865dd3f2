"""The read handlers: one case, its events, a page of cases, the leader summary, the document.

Each takes a :class:`~streams.cases.api.model.Call` and returns a
:class:`~streams.cases.api.model.Response`; they only read the store. The
list and the summary answer a :class:`~streams.cases.api.model.Part` from
the cases this worker holds, and their merge functions make the answer from
every worker's part (one part when one worker holds every partition).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from citybrain.categories import CATEGORIES
from citybrain.contracts.base import isoformat_utc
from streams.cases.api.model import ApiError, Call, Part, Response
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
SUMMARY_COUNTS = ("open_by_state", "open_by_category", "today_by_category", "sources", "flags")


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


def _report_order(case: Mapping[str, Any]) -> tuple[str, str]:
    return str(case.get("reported_at") or ""), str(case.get("case_id"))


def _newest_first(cases: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(cases, key=_report_order, reverse=True)


def list_cases(call: Call) -> Part:
    """GET /cases on this worker's cases: the first ``offset + limit`` found, and the count.

    :func:`merge_lists` makes the page from every worker's part.
    """
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
    head = _newest_first(found)[: q["offset"] + q["limit"]]
    return Part({"items": [case_view(c, call) for c in head], "total": len(found)})


def merge_lists(call: Call, parts: Sequence[Mapping[str, Any]]) -> Response:
    """GET /cases: the parts' cases, newest report first, one page."""
    offset, limit = call.query["offset"], call.query["limit"]
    found = _newest_first([item for part in parts for item in part["items"]])
    return Response(
        200,
        {
            "items": found[offset : offset + limit],
            "total": sum(part["total"] for part in parts),
            "limit": limit,
            "offset": offset,
        },
    )


def _summary_day(call: Call) -> date:
    zone = ZoneInfo(call.config.calendar.timezone)
    return call.query.get("date") or call.now_at.astimezone(zone).date()


def summary(call: Call) -> Part:
    """GET /summary on this worker's cases: the counts :func:`merge_summaries` adds up."""
    zone = ZoneInfo(call.config.calendar.timezone)
    day = _summary_day(call)
    counts: dict[str, Counter[str]] = {name: Counter() for name in SUMMARY_COUNTS}
    supervisors: dict[str, Counter[str]] = {}
    for case in call.store.cases():
        state = state_of(case)
        if state is not None and state not in FINAL_STATES:
            counts["open_by_state"][state.value] += 1
            counts["open_by_category"][str(case.get("category"))] += 1
            counts["flags"]["urgent"] += case.get("urgency") in URGENT
            counts["flags"]["overdue"] += is_overdue(case, call.config, call.now_at)
        reported_at = aware_datetime(case.get("reported_at"))
        if reported_at is None or reported_at.astimezone(zone).date() != day:
            continue
        counts["sources"][str(case.get("source"))] += 1
        counts["today_by_category"][str(case.get("category"))] += 1
        history = call.store.history(str(case.get("case_id")))
        opened = next((e for e in history if e.get("command") == Name.REPORT), None)
        if opened is not None and opened.get("role") == Role.SUPERVISOR:
            n = supervisors.setdefault(str(opened.get("actor")), Counter())
            n["reports"] += 1
            n["registered"] += any(e.get("command") == Name.REGISTER for e in history)
    return Part({**{k: dict(v) for k, v in counts.items()}, "supervisors": supervisors})


def _added(parts: Sequence[Mapping[str, Any]], name: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part[name])
    return total


def merge_summaries(call: Call, parts: Sequence[Mapping[str, Any]]) -> Response:
    """GET /summary: what a leader (值班长 / 指挥长) looks at first, over every part."""
    open_by_state, flags = _added(parts, "open_by_state"), _added(parts, "flags")
    open_by_category, sources = _added(parts, "open_by_category"), _added(parts, "sources")
    today_by_category = _added(parts, "today_by_category")
    supervisors: dict[str, Counter[str]] = {}
    for part in parts:
        for actor, n in part["supervisors"].items():
            supervisors.setdefault(actor, Counter()).update(n)
    ranked = sorted(today_by_category, key=lambda c: (-today_by_category[c], c))
    body = {
        "as_of": isoformat_utc(call.now_at),
        "date": _summary_day(call).isoformat(),
        "timezone": call.config.calendar.timezone,
        "open": sum(open_by_state.values()),
        "open_by_state": dict(sorted(open_by_state.items())),
        "overdue": flags["overdue"],
        "urgent": flags["urgent"],
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
