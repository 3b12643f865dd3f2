"""Helpers for the case API tests (no tests here): tokens, an in-memory engine, requests.

``MemoryStore`` is the case engine in miniature: ``send`` applies the command
with the real lifecycle core and records the event, so requests can walk a
case through its whole life over the API.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import faust
import orjson

from citybrain import auth
from streams.cases import api
from streams.cases.commands import Command, command_from_dict
from streams.cases.lifecycle import Refusal, apply

SECRET = "test-secret-0123456789-abcdefghijklmnop"
NOW = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 10:00 Asia/Shanghai
OWN, OTHER = "E01", "E02"
REPORT = {"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705}

# (command, role, payload) that walk a new case to each state; dispatch goes to OWN
_STEPS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "reported": ("report", "supervisor", REPORT),
    "accepted": ("accept", "call_taker", {}),
    "registered": ("register", "leader", {}),
    "not_registered": ("not_register", "leader", {"reason": "outside the service area"}),
    "dispatched": ("dispatch", "dispatcher", {"department_id": OWN}),
    "postponement_requested": (
        "request_postponement",
        "department_handler",
        {"hours": 4, "reason": "parts"},
    ),
    "returned": ("return", "department_handler", {"reason": "not ours"}),
    "handled": ("handle", "department_handler", {"feedback": "cleared"}),
    "verified": ("verify", "supervisor", {}),
    "closed": ("close", "leader", {}),
    "suspended": ("suspend", "leader", {"reason": "ownership unclear"}),
    "cancelled": ("cancel", "leader", {"reason": "duplicate"}),
}
_BEFORE: dict[str, str | None] = {
    "reported": None,
    "accepted": "reported",
    "registered": "accepted",
    "not_registered": "accepted",
    "dispatched": "registered",
    "postponement_requested": "dispatched",
    "returned": "dispatched",
    "handled": "dispatched",
    "verified": "handled",
    "closed": "verified",
    "suspended": "registered",
    "cancelled": "reported",
}


def path_to(state: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The (command, role, payload) steps from no case to ``state``."""
    steps = []
    current: str | None = state
    while current is not None:
        steps.append(_STEPS[current])
        current = _BEFORE[current]
    return steps[::-1]


def token(
    role: str,
    department: str | None = None,
    *,
    subject: str | None = None,
    ttl_h: float = 8,
    now_at: datetime = NOW,
    secret: str = SECRET,
) -> str:
    """A signed token; department handlers default to department OWN."""
    if role == "department_handler" and department is None:
        department = OWN
    claims = auth.new_claims(
        subject=subject or f"{role}-01",
        role=role,
        department_id=department,
        ttl_h=ttl_h,
        now_at=now_at,
    )
    return auth.sign(claims, secret=secret)


@dataclass
class MemoryStore:
    """Cases and histories in dicts; ``send`` applies the command like the engine."""

    cases_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tombstones: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Command] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    engine_applies: bool = True

    def get(self, case_id: str) -> dict[str, Any] | None:
        return self.cases_by_id.get(case_id)

    def cases(self) -> list[dict[str, Any]]:
        return list(self.cases_by_id.values())

    def history(self, case_id: str) -> list[dict[str, Any]]:
        return self.histories.get(case_id, [])

    def retired(self, case_id: str) -> dict[str, Any] | None:
        return self.tombstones.get(case_id)

    async def send(self, command: Command) -> None:
        self.sent.append(command)
        if self.engine_applies:
            self.apply(command)

    def apply(self, command: Command) -> None:
        result = apply(self.cases_by_id.get(command.case_id), command)
        if isinstance(result, Refusal):
            self.refused.append(result)
            return
        case, event = result
        self.cases_by_id[command.case_id] = case
        if event is not None:
            self.histories[command.case_id] = [*self.history(command.case_id), event]

    def seed(
        self,
        case_id: str,
        state: str,
        *,
        at: datetime = NOW - timedelta(minutes=30),
        actor: str | None = None,
        **report: Any,
    ) -> dict[str, Any]:
        """A case walked to ``state`` by valid commands one minute apart from ``at``."""
        ids = itertools.count(1)
        for minute, (name, role, payload) in enumerate(path_to(state)):
            self.apply(
                Command(
                    command_id=f"{case_id}-seed-{next(ids)}",
                    case_id=case_id,
                    name=name,
                    actor=actor if actor and name == "report" else f"{role}-01",
                    role=role,
                    at=at + timedelta(minutes=minute),
                    department_id=OWN if role == "department_handler" else None,
                    payload={**payload, **report} if name == "report" else payload,
                )
            )
        case = self.cases_by_id[case_id]
        assert case["state"] == state, (state, self.refused)
        return case


class FakeCommandTopic:
    """cases.commands with a raw value serializer; the 'engine' applies what arrives."""

    value_serializer = "raw"

    def __init__(self, store: MemoryStore, *, fail: bool = False) -> None:
        self.store = store
        self.fail = fail
        self.messages: list[tuple[str, bytes]] = []

    async def send(self, *, key, value):
        if self.fail:
            raise ConnectionError("broker down")
        self.messages.append((key, value))
        self.store.apply(command_from_dict(orjson.loads(value)))

        async def acked():
            return "metadata"

        return acked()


def faust_app(**conf) -> faust.App:
    return faust.App(
        "case-api-test",
        broker="memory://",
        store="memory://",
        autodiscover=False,
        **{"web_tables_enabled": False, **conf},
    )


def engine_of(store: MemoryStore, **topic) -> SimpleNamespace:
    return SimpleNamespace(
        table=store.cases_by_id,
        history=store.histories,
        commands=FakeCommandTopic(store, **topic),
        stats={},
    )


def config(secret: str | None = SECRET, **kwargs: Any) -> api.ApiConfig:
    return api.ApiConfig(secret=secret, **kwargs)


def request(
    method: str,
    url: str,
    *,
    bearer: str | None = None,
    json: Any = None,
    body: bytes = b"",
) -> api.Request:
    """An api.Request for ``url`` (path and query string) with an optional bearer token."""
    parts = urlsplit(url)
    raw = orjson.dumps(json) if json is not None else body
    return api.Request(
        method,
        parts.path,
        parse_qs(parts.query, keep_blank_values=True),
        raw,
        None if bearer is None else f"Bearer {bearer}",
    )


def call(
    store: MemoryStore,
    method: str,
    url: str,
    *,
    cfg: api.ApiConfig | None = None,
    now_at: datetime = NOW,
    **kwargs: Any,
) -> api.Response:
    """Answer one request synchronously."""
    return asyncio.run(
        api.handle(request(method, url, **kwargs), store, cfg or config(), now_at=now_at)
    )


def command(
    store: MemoryStore, name: str, bearer: str, case_id: str = "case-1", **body: Any
) -> api.Response:
    """POST the command ``name`` on ``case_id`` with ``body``."""
    return call(store, "POST", f"/api/v1/cases/{case_id}/commands/{name}", bearer=bearer, json=body)
