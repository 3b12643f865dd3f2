"""Open311 request status from the case engine: ``cases.events`` folded per report.

A citizen report becomes a case (or joins an open one) in the case engine,
which names it in the case's events as the signal ``report:<event_id>``. This
module folds ``cases.events`` into what an Open311 client asks for: is the
request ``open`` or ``closed``, since when, who handles it, by when, and a
note saying where in the national flow it stands (上报 → 受理 → 立案 → 派遣 →
处置 → 核查 → 结案). The fold is pure and bounded; the intake feeds
it from the topic through ``connectors.report_kafka.follow_topic``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from connectors.open311 import RequestStatus

EVENTS_TOPIC = "cases.events"
FINAL_STATES = frozenset({"closed", "cancelled", "not_registered"})
STATE_NOTES = {
    "reported": "已上报 reported",
    "accepted": "已受理 accepted",
    "registered": "已立案 registered",
    "not_registered": "不予立案 not registered",
    "dispatched": "已派遣 dispatched to the department",
    "postponement_requested": "申请延期 postponement requested",
    "returned": "回退 returned to the command centre",
    "handled": "已处置 handled, waiting for verification",
    "verified": "已核查 verified",
    "closed": "已结案 closed",
    "suspended": "挂账 suspended",
    "cancelled": "已作废 cancelled",
}


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


class CaseStatuses:
    """Reports' case status from case events; remembers the newest ``max_cases`` cases."""

    def __init__(self, max_cases: int = 200_000) -> None:
        self.max_cases = max_cases
        self._cases: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._case_of: dict[str, str] = {}  # report event id → case id

    def apply(self, event: Mapping[str, Any]) -> None:
        """Fold one ``cases.events`` document (older versions of a case change nothing)."""
        case_id = event["case_id"]
        signal = str((event.get("payload") or {}).get("signal_id") or "")
        if signal.startswith("report:"):
            self._case_of[signal.removeprefix("report:")] = case_id
        known = self._cases.get(case_id)
        if known is not None and known["version"] >= event["version"]:
            return
        self._cases[case_id] = {
            "version": event["version"],
            "state": event["to_state"],
            "at": event["at"],
            "department_id": event.get("department_id"),
            "deadline_at": event.get("deadline_at"),
            "reason": event.get("reason"),
        }
        self._cases.move_to_end(case_id)
        while len(self._cases) > self.max_cases:
            gone, _ = self._cases.popitem(last=False)
            self._case_of = {r: c for r, c in self._case_of.items() if c != gone}

    def apply_raw(self, raw: bytes) -> None:
        """Fold one raw ``cases.events`` record (ValueError when it is not JSON)."""
        self.apply(orjson.loads(raw))

    def status(self, report_id: str) -> RequestStatus | None:
        """The request's status, or None when no case names the report (yet)."""
        case = self._cases.get(self._case_of.get(report_id, ""))
        if case is None:
            return None
        closed = case["state"] in FINAL_STATES
        note = STATE_NOTES.get(case["state"], case["state"])
        if case["reason"] and case["state"] in ("not_registered", "cancelled", "returned"):
            note = f"{note}: {case['reason']}"
        return RequestStatus(
            status="closed" if closed else "open",
            updated_at=_time(case["at"]),
            notes=note,
            agency=case["department_id"],
            expected_at=None if closed else _time(case["deadline_at"]),
        )

    async def statuses(self, event_ids: Sequence[str]) -> Mapping[str, RequestStatus]:
        """:class:`connectors.report_intake.RequestStatuses` over the fold."""
        found = {event_id: self.status(event_id) for event_id in event_ids}
        return {event_id: status for event_id, status in found.items() if status is not None}
