"""The dedup side: a signal joins the open case of its category at its place, or opens one.

Messages on ``cases.alerts-by-place`` (JSON, keyed by ``signals.place_key``)::

    {"type": "signal", "signal": {...}}              an alert or report to place
    {"type": "index", "key": K, "entry": {...}}      an open case, reachable from key K
    {"type": "unindex", "key": K, "case_id": ...}    the case ended: K forgets it

The index (a faust table co-partitioned with the topic) maps
``"<category>|<res-9 cell>"`` to ``{"cases": [entry], "closed": [case id]}``.
Entries are those of :mod:`streams.cases.dedup` plus ``signal_ids`` and
``message_ids`` (digests, :mod:`streams.cases.digests`, of the recent signals
assigned through this key and of the messages that carried them) and
``opened_by`` (the signal that opened the case, on the case's own key).
``closed`` keeps recently ended cases, so a late ``index`` message cannot
bring one back.

Exactness does not rest on the order records arrive in (after a restart
faust may deliver a partition's later records before the one at its
committed offset, see ``streams.stalls``). The agent writes the index
*before* it sends what a batch decided. A signal the index has already
assigned is assigned again to nothing: its command (same id) and fan-out
are sent again, and the command side drops the copies. A signal the index
does not know was never sent on, so deciding it afresh, in any order, opens
or joins exactly one case. A new message of a known signal (an alert's
update) is the same sighting: it sends nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from streams.cases.commands import Command
from streams.cases.dedup import assign, case_id_for, index_key, index_keys, with_case, without_case
from streams.cases.digests import digest48, remembered
from streams.cases.engine import ENGINE_ACTOR
from streams.cases.policy import CasePolicy
from streams.cases.routing import RoutingTable, grid_at, route
from streams.cases.signals import index_place_key, signal_cell
from streams.cases.transitions import Name, Role
from streams.cases.wire import COMMANDS, PLACES, Outgoing

RECENT_SIGNALS = 256
RECENT_CLOSED = 64

Index = dict[str, Any]


def index_message(key: str, entry: Mapping[str, Any]) -> Outgoing:
    """Ask the owner of ``key`` to add an open case's entry."""
    doc = {"type": "index", "key": key, "entry": dict(entry)}
    return Outgoing(PLACES, index_place_key(key), doc)


def unindex_message(key: str, case_id: str) -> Outgoing:
    """Ask the owner of ``key`` to forget an ended case."""
    doc = {"type": "unindex", "key": key, "case_id": case_id}
    return Outgoing(PLACES, index_place_key(key), doc)


def reach_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as copied to the keys around its own: no signals, no opener."""
    return dict(entry) | {
        "signal_ids": [],
        "message_ids": [],
        "opened_by": None,
        "alert_count": 0,
    }


class PlaceIndex:
    """The index values of one partition while one batch is decided.

    ``read(key)`` reads the table; decisions accumulate in ``values``; the
    agent writes the ``dirty`` keys, then sends what :meth:`handle` returned.
    """

    def __init__(
        self,
        read: Callable[[str], Index | None],
        *,
        policy: CasePolicy,
        routing: RoutingTable,
        counts: Counter | None = None,
    ) -> None:
        self._read = read
        self.policy = policy
        self.routing = routing
        self.values: dict[str, Index] = {}
        self.dirty: set[str] = set()
        self.counts = Counter() if counts is None else counts

    def value(self, key: str) -> Index:
        """The current value of ``key`` (read once per batch)."""
        if key not in self.values:
            self.values[key] = {"cases": [], "closed": []} | (self._read(key) or {})
        return self.values[key]

    def _put(self, key: str, cases: list, *, closed: list | None = None) -> None:
        closed = self.value(key)["closed"] if closed is None else closed
        self.values[key] = {"cases": cases, "closed": closed}
        self.dirty.add(key)

    def handle(self, doc: Mapping[str, Any], *, kafka_key: str) -> list[Outgoing]:
        """Apply one message; return what to send. KeyError/ValueError: malformed."""
        kind = doc["type"]
        if kind == "signal":
            return self.signal(doc["signal"], kafka_key=kafka_key)
        if kind == "index":
            self.add(doc["key"], doc["entry"])
        elif kind == "unindex":
            self.remove(doc["key"], doc["case_id"])
        else:
            raise ValueError(f"unknown message type {kind!r}")
        return []

    def add(self, key: str, entry: Mapping[str, Any]) -> None:
        """Index an open case under ``key`` unless it is there already or has ended."""
        value = self.value(key)
        known = {e["case_id"] for e in value["cases"]} | set(value["closed"])
        if entry["case_id"] not in known:
            self._put(key, with_case(value, entry)["cases"])
            self.counts["index_added"] += 1

    def remove(self, key: str, case_id: str) -> None:
        """Forget an ended case under ``key`` and remember that it ended."""
        value = self.value(key)
        if case_id in value["closed"]:
            return
        kept = without_case(value, case_id=case_id) or {"cases": []}
        self._put(key, kept["cases"], closed=[*value["closed"], case_id][-RECENT_CLOSED:])
        self.counts["unindexed"] += 1

    def signal(self, signal: Mapping[str, Any], *, kafka_key: str) -> list[Outgoing]:
        """Join the signal to an open case of its key or open one; return commands and fan-out."""
        category, signal_id = signal["category"], signal["signal_id"]
        key = index_key(category=category, cell=signal_cell(signal))
        value = self.value(key)
        entry = next((e for e in value["cases"] if _knows(e, "signal_ids", signal_id)), None)
        new_case_id = case_id_for(category=category, first_alert_id=signal_id)
        if entry is not None and not _knows(entry, "message_ids", signal.get("message_id")):
            self.counts["signal_updates"] += 1  # the same sighting again, e.g. an alert update
            return []
        if entry is not None:  # this very message was placed before: send the same again
            self.counts["signals_seen_before"] += 1
            opened = entry.get("opened_by") == signal_id
            command = self._command(entry["case_id"], signal, opened=opened)
        elif new_case_id in value["closed"]:  # the opener of a case that has ended since
            self.counts["signals_seen_before"] += 1
            return []
        else:
            entry, command = self._assign(key, value, signal, new_case_id)
        out = [] if command is None else [Outgoing(COMMANDS, command.case_id, command.to_dict())]
        if entry.get("opened_by") == signal_id:
            out += self._fan_out(key, entry, kafka_key=kafka_key)
        return out

    def _assign(
        self, key: str, value: Index, signal: Mapping[str, Any], new_case_id: str
    ) -> tuple[dict, Command | None]:
        result = assign(
            value,
            category=signal["category"],
            lat=signal["lat"],
            lng=signal["lng"],
            at=_at(signal),
            new_case_id=new_case_id,
            policy=self.policy.dedup,
        )
        cases, entry = [], {}
        for e in result.value["cases"]:
            if e["case_id"] == result.case_id:
                entry = e
                capped = e["alert_count"] > self.policy.max_links_per_case + 1
                if not capped:  # a capped sighting is counted, not remembered
                    recent = [*e.get("signal_ids", []), digest48(signal["signal_id"])]
                    message = signal.get("message_id")
                    messages = [*e.get("message_ids", []), message and digest48(message)]
                    opener = signal["signal_id"] if result.is_new else e.get("opened_by")
                    entry = e | {
                        "signal_ids": recent[-RECENT_SIGNALS:],
                        "message_ids": messages[-RECENT_SIGNALS:],
                        "opened_by": opener,
                    }
                e = entry
            cases.append(e)
        self._put(key, cases)
        if result.is_new:
            self.counts["cases_opened"] += 1
        elif not _knows(entry, "signal_ids", signal["signal_id"]):
            self.counts["merged_without_event"] += 1
            return entry, None
        else:
            self.counts["merged"] += 1
        return entry, self._command(result.case_id, signal, opened=result.is_new)

    def _command(self, case_id: str, signal: Mapping[str, Any], *, opened: bool) -> Command:
        """The ``report`` that opens ``case_id`` with the signal, or the ``link`` that joins it.

        Both carry the same payload, so the command side can turn one into the
        other when they arrive out of order.
        """
        lat, lng, category = signal["lat"], signal["lng"], signal["category"]
        grid_code = grid_at(lat=lat, lng=lng, table=self.routing)
        payload: dict[str, Any] = {
            "category": category,
            "lat": lat,
            "lng": lng,
            "grid_code": grid_code,
            "suggested_department_id": route(
                grid_code=grid_code, category=category, table=self.routing
            ),
            "source": signal["source"],
            "description": signal.get("title") or "",
            "signal_id": signal["signal_id"],
            "signal": dict(signal),
        }
        urgency = self.policy.urgency_by_severity.get(signal.get("severity") or "")
        if urgency is not None:
            payload["urgency"] = urgency
        name, suffix = (Name.REPORT, "") if opened else (Name.LINK, f":{signal['signal_id']}")
        return Command(
            command_id=f"{case_id}:{name.value}{suffix}",
            case_id=case_id,
            name=name.value,
            actor=ENGINE_ACTOR,
            role=Role.SYSTEM.value,
            at=_at(signal),
            payload=payload,
        )

    def _fan_out(self, key: str, entry: Mapping[str, Any], *, kafka_key: str) -> list[Outgoing]:
        """Index a new case under every key within reach: here if local, else by message."""
        category = key.split("|", 1)[0]
        copy = reach_entry(entry)
        keys = index_keys(
            category=category, lat=entry["lat"], lng=entry["lng"], policy=self.policy.dedup
        )
        out = []
        for other in keys:
            if other == key:
                continue
            if index_place_key(other) == kafka_key:
                self.add(other, copy)
            else:
                out.append(index_message(other, copy))
        return out


def _knows(entry: Mapping[str, Any], field: str, text: str | None) -> bool:
    return remembered(text, entry.get(field) or ())


def _at(signal: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(signal["at"].replace("Z", "+00:00"))
