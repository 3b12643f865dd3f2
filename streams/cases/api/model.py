"""The case API's vocabulary: requests, responses, refusals, endpoints, the store.

Plain data, no I/O. A handler takes a :class:`Call` (a routed, authenticated,
validated request) and answers a :class:`Response`, a :class:`Produce`
when a command must reach Kafka first, or a :class:`Part` that is merged
with the other workers' parts; it refuses with an :class:`ApiError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from citybrain import auth
from streams.cases.classify import Urgency
from streams.cases.commands import Command
from streams.cases.deadlines import WorkCalendar
from streams.cases.limits import DEFAULT_TIME_LIMITS, TimeLimit
from streams.cases.transitions import Name

if TYPE_CHECKING:
    from citybrain.settings import Settings

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 64 * 1024
LOCAL_HEADER = "X-Citybrain-Scope"  # "local": a worker asks another for its own partitions


@dataclass(frozen=True)
class Param:
    """One query parameter: its JSON Schema and what it does."""

    name: str
    schema: dict[str, Any]
    description: str


class ApiError(Exception):
    """A refusal: HTTP status, machine code and message."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})


class StoreUnavailable(Exception):
    """The case tables cannot be read or the command topic not written right now."""


class CaseStore(Protocol):
    """What the handlers need from the case engine."""

    def get(self, case_id: str) -> Mapping[str, Any] | None: ...

    def cases(self) -> Iterable[Mapping[str, Any]]: ...

    def history(self, case_id: str) -> Sequence[Mapping[str, Any]]: ...

    def retired(self, case_id: str) -> Mapping[str, Any] | None:
        """The tombstone of a case retired from the tables, or None."""
        ...

    async def send(self, command: Command) -> None: ...


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``query`` maps names to every value given.

    ``local`` marks a request another worker sent on (header
    :data:`LOCAL_HEADER`): answer it from this worker's partitions alone.
    """

    method: str
    path: str
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    body: bytes = b""
    authorization: str | None = None
    local: bool = False


@dataclass(frozen=True)
class Response:
    """Status, JSON-serialisable body and extra headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Produce:
    """A handler's decision to send ``command``, answering ``response`` once it is sent."""

    command: Command
    response: Response


@dataclass(frozen=True)
class Part:
    """A gathering handler's answer from this worker's cases, to merge with the others'."""

    body: Any


@dataclass(frozen=True)
class ApiConfig:
    """Secret, revocations and the SLA tables the API computes deadlines with."""

    secret: str | None = field(default=None, repr=False)
    revocations: auth.RevocationList = field(default_factory=auth.RevocationList)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    limits: Mapping[tuple[str, Urgency], TimeLimit] = field(
        default_factory=lambda: DEFAULT_TIME_LIMITS
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiConfig:
        """Secret and revocation list from settings; default calendar and limits."""
        revocations = auth.RevocationList(settings.api_revoked, path=settings.api_revoked_file)
        return cls(secret=settings.api_secret, revocations=revocations)


@dataclass(frozen=True)
class Call:
    """A routed, authenticated, validated request, as handlers see it."""

    params: Mapping[str, str]
    query: Mapping[str, Any]
    body: Mapping[str, Any]
    claims: auth.Claims | None
    store: CaseStore
    config: ApiConfig
    now_at: datetime


Handler = Callable[[Call], "Response | Produce | Part"]
Merge = Callable[[Call, Sequence[Any]], Response]  # the parts of every worker → the answer


@dataclass(frozen=True)
class Endpoint:
    """One operation: method, path template, who may call it, inputs and handler."""

    method: str
    path: str
    operation_id: str
    summary: str
    roles: frozenset[str] | None  # None: public
    status: int
    response: str  # name of the response schema in the OpenAPI document
    handler: Handler
    params: tuple[Param, ...] = ()
    command: Name | None = None  # POSTs issuing a command take its payload as body
    key: Callable[[Call], str | None] | None = None  # the case id whose worker answers
    merge: Merge | None = None  # set when the handler answers a Part of every worker's


def error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The JSON error response."""
    return Response(status, {"error": code, "message": message}, dict(headers or {}))
