"""API tokens: signed claims saying who calls, in which role, for which department.

A token is ``cb1.<claims>.<signature>``, all URL-safe:

- ``claims`` is base64url (no padding) of compact JSON
  ``{"sub", "role", "dept", "iat", "exp", "jti"}``: subject (a person's or
  system's id), role (one of :data:`API_ROLES`), department id (department
  handlers only, else null), issued-at and expiry (integer epoch seconds, UTC)
  and a random token id (32 hex digits) that revocation names;
- ``signature`` is base64url (no padding) of HMAC-SHA256 over the ASCII text
  ``cb1.<claims>``, keyed with ``CITYBRAIN_API_SECRET``.

There is no default secret: :func:`secret_problem` says why a missing or
short secret (under :data:`MIN_SECRET_CHARS`) may not be used, and the API
answers 503 until one is set. Tokens expire (at most :data:`MAX_TTL_H` after
issue) and are revoked by id (:class:`RevocationList`). Every failure is a
:class:`TokenError` with a code and a message a person can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

PREFIX = "cb1"
MIN_SECRET_CHARS = 32
MAX_TOKEN_CHARS = 2048
MAX_TTL_H = 24.0 * 30  # a month; a shift's token is 12 h
DEFAULT_TTL_H = 12.0
CLOCK_SKEW_S = 60  # tokens issued up to a minute "in the future" still count
# the case engine's human roles (streams.cases.transitions.Role without "system")
API_ROLES: tuple[str, ...] = (
    "supervisor",
    "call_taker",
    "dispatcher",
    "department_handler",
    "leader",
    "admin",
)
DEPARTMENT_ROLE = "department_handler"

_B64 = re.compile(r"^[A-Za-z0-9_-]+$")
_TOKEN_ID = re.compile(r"^[0-9a-f]{32}$")
_DEPARTMENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SUBJECT = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
_KEYS = frozenset({"sub", "role", "dept", "iat", "exp", "jti"})


class TokenError(ValueError):
    """A token that may not be used: ``code`` is invalid_token, expired_token or revoked_token."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Claims:
    """What a valid token says; times are UTC tz-aware, whole seconds."""

    subject: str
    role: str
    department_id: str | None
    issued_at: datetime
    expires_at: datetime
    token_id: str


def secret_problem(secret: str | None) -> str | None:
    """Why ``secret`` may not sign tokens (unset or short), or None when it may."""
    hint = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    if not secret:
        return f"the API secret is not configured: set CITYBRAIN_API_SECRET ({hint})"
    if len(secret) < MIN_SECRET_CHARS:
        return f"CITYBRAIN_API_SECRET must be at least {MIN_SECRET_CHARS} characters ({hint})"
    return None


def claims_problem(
    *, subject: str, role: str, department_id: str | None, issued_at: datetime, expires_at: datetime
) -> str | None:
    """Why these claims do not make a token, or None when they do."""
    if not isinstance(subject, str) or not _SUBJECT.match(subject) or not subject.strip():
        return "subject must be 1-128 printable characters"
    if role not in API_ROLES:
        return f"unknown role {role!r}; one of {', '.join(API_ROLES)}"
    if role == DEPARTMENT_ROLE:
        if not isinstance(department_id, str) or not _DEPARTMENT_ID.match(department_id):
            return "a department_handler token needs a department id ([A-Za-z0-9_.-], 1-64)"
    elif department_id is not None:
        return f"only department_handler tokens carry a department, not {role!r} tokens"
    lifetime_h = (expires_at - issued_at).total_seconds() / 3600
    if not 0 < lifetime_h <= MAX_TTL_H:
        return f"token lifetime must be in (0, {MAX_TTL_H:g}] hours, got {lifetime_h:g}"
    return None


def new_claims(
    *, subject: str, role: str, department_id: str | None, ttl_h: float, now_at: datetime
) -> Claims:
    """Claims for a fresh token valid ``ttl_h`` hours from ``now_at``; ValueError if not allowed."""
    issued_at = now_at.astimezone(UTC).replace(microsecond=0)
    try:
        expires_at = issued_at + timedelta(hours=ttl_h)
    except (OverflowError, ValueError):
        raise ValueError(f"token lifetime must be in (0, {MAX_TTL_H:g}] hours") from None
    problem = claims_problem(
        subject=subject,
        role=role,
        department_id=department_id,
        issued_at=issued_at,
        expires_at=expires_at,
    )
    if problem:
        raise ValueError(problem)
    return Claims(subject, role, department_id, issued_at, expires_at, secrets.token_hex(16))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(signed: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), signed.encode("ascii"), hashlib.sha256).digest()
    return _b64encode(digest)


def sign(claims: Claims, *, secret: str) -> str:
    """The token carrying ``claims``, signed with ``secret``."""
    if problem := secret_problem(secret):
        raise ValueError(problem)
    body = {
        "sub": claims.subject,
        "role": claims.role,
        "dept": claims.department_id,
        "iat": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.token_id,
    }
    signed = f"{PREFIX}.{_b64encode(orjson.dumps(body))}"
    return f"{signed}.{_signature(signed, secret)}"


def _invalid(message: str) -> TokenError:
    return TokenError("invalid_token", message)


def _claims_from(doc: object) -> Claims:
    if not isinstance(doc, dict) or set(doc) != _KEYS:
        raise _invalid(f"token claims must be exactly {sorted(_KEYS)}")
    times = (doc["iat"], doc["exp"])
    if not all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 2**37 for t in times):
        raise _invalid("token times must be integer epoch seconds")
    if not isinstance(doc["jti"], str) or not _TOKEN_ID.match(doc["jti"]):
        raise _invalid("token id must be 32 hex digits")
    issued_at, expires_at = (datetime.fromtimestamp(t, UTC) for t in times)
    problem = claims_problem(
        subject=doc["sub"],
        role=doc["role"],
        department_id=doc["dept"],
        issued_at=issued_at,
        expires_at=expires_at,
    )
    if problem:
        raise _invalid(problem)
    return Claims(doc["sub"], doc["role"], doc["dept"], issued_at, expires_at, doc["jti"])


def decode(token: str, *, secret: str) -> Claims:
    """The claims of a well-formed token signed with ``secret``, whatever its times.

    Raises TokenError (``invalid_token``) for anything else.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise _invalid(f"a token is a string of at most {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not all(_B64.match(p) for p in parts[1:]):
        raise _invalid(f"not a citybrain token (expected {PREFIX}.<claims>.<signature>)")
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _signature(signed, secret)):
        raise _invalid("token signature does not match (forged, altered or another secret)")
    try:
        doc = orjson.loads(_b64decode(parts[1]))
    except (binascii.Error, orjson.JSONDecodeError, ValueError):
        raise _invalid("token claims are not base64url JSON") from None
    return _claims_from(doc)


def verify(token: str, *, secret: str, now_at: datetime, revoked: Container[str]) -> Claims:
    """The claims of a token that may be used at ``now_at``; TokenError otherwise."""
    claims = decode(token, secret=secret)
    if claims.issued_at > now_at + timedelta(seconds=CLOCK_SKEW_S):
        raise _invalid(f"token issued in the future ({claims.issued_at.isoformat()})")
    if now_at >= claims.expires_at:
        raise TokenError("expired_token", f"token expired at {claims.expires_at.isoformat()}")
    if claims.token_id in revoked:
        raise TokenError("revoked_token", f"token {claims.token_id} has been revoked")
    return claims


class RevocationList:
    """Revoked token ids: fixed ones (``CITYBRAIN_API_REVOKED``) and a file, re-read on change.

    The file holds one token id a line (``#`` starts a comment). A configured
    file that cannot be read raises OSError from :meth:`current`: the API
    then refuses requests (fails closed) rather than accept revoked tokens.
    """

    def __init__(self, token_ids: Iterable[str] = (), *, path: Path | None = None) -> None:
        self.fixed = frozenset(token_ids)
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._from_file: frozenset[str] = frozenset()

    def current(self) -> frozenset[str]:
        """Every revoked token id now."""
        if self.path is None:
            return self.fixed
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            lines = self.path.read_text(encoding="utf-8").splitlines()
            self._from_file = frozenset(t for line in lines if (t := line.split("#", 1)[0].strip()))
            self._stamp = stamp
        return self.fixed | self._from_file


def is_token_id(text: str) -> bool:
    """True for a token id as tokens carry it (32 lowercase hex digits)."""
    return bool(_TOKEN_ID.match(text))
