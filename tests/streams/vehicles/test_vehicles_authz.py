"""The authorisation matrix of vehicle positions and tracks, over HTTP on a faust web server.

Every endpoint × every role (department handlers of their own and of another
department) × every token state, against a table written here from the
documented policy (``streams/vehicles/web.py``: "any role of the case API may
read positions"; tokens as the case API checks them), not from the code.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import faust
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from citybrain import auth
from citybrain.settings import load
from streams.vehicles import web
from streams.vehicles.fleet import Fleet

SECRET = "v" * 40
OTHER_SECRET = "w" * 40
ROLES = ("supervisor", "call_taker", "dispatcher", "department_handler", "leader", "admin")
ENDPOINTS = {
    "positions": "/vehicles/positions",
    "position": "/vehicles/positions/m1",
    "track": "/vehicles/tracks/m1?start=2026-07-15T00:00:00Z&end=2026-07-15T06:00:00Z",
}
# token state → (status, error code) for every endpoint and role; "valid" reads (200)
EXPECTED = {
    "valid": (200, None),
    "none": (401, "missing_token"),
    "expired": (401, "expired_token"),
    "revoked": (401, "revoked_token"),
    "bad_signature": (401, "invalid_token"),
    "altered_role": (401, "invalid_token"),
    "issued_in_the_future": (401, "invalid_token"),
    "not_bearer": (401, "invalid_token"),
}


def sign(
    role: str, department: str | None, *, issued_at: datetime, ttl_h: float = 1, secret=SECRET
):
    claims = auth.new_claims(
        subject=f"{role}-01", role=role, department_id=department, ttl_h=ttl_h, now_at=issued_at
    )
    return auth.sign(claims, secret=secret), claims.token_id


def headers_for(state: str, role: str, department: str | None, revoked: set[str]) -> dict:
    now = datetime.now(UTC)
    if state == "none":
        return {}
    if state == "not_bearer":
        return {"Authorization": "Basic " + sign(role, department, issued_at=now)[0]}
    if state == "expired":
        bearer, _ = sign(role, department, issued_at=now - timedelta(hours=2))
    elif state == "issued_in_the_future":
        bearer, _ = sign(role, department, issued_at=now + timedelta(hours=1))
    elif state == "bad_signature":
        bearer, _ = sign(role, department, issued_at=now, secret=OTHER_SECRET)
    elif state == "altered_role":  # the claims rewritten: another subject, role admin
        bearer, _ = sign(role, department, issued_at=now)
        prefix, claims, signature = bearer.split(".")
        doc = orjson.loads(auth._b64decode(claims))
        doc["sub"], doc["role"], doc["dept"] = "intruder", "admin", None
        bearer = ".".join([prefix, auth._b64encode(orjson.dumps(doc)), signature])
    else:
        bearer, token_id = sign(role, department, issued_at=now)
        if state == "revoked":
            revoked.add(token_id)
    return {"Authorization": f"Bearer {bearer}"}


def rows():
    out = []
    for role in ROLES:
        for department in ("E01", "E02") if role == "department_handler" else (None,):
            for state in EXPECTED:
                for endpoint in ENDPOINTS:
                    out.append((endpoint, role, department, state))
    return out


ROWS = rows()


def fleet() -> Fleet:
    vehicles = [
        {"vehicle_id": "m1", "plate": "浙A·1", "vehicle_type": "muck_truck", "owner": "宏达"}
    ]
    return Fleet(vehicles=vehicles, permits=[])


def table() -> dict:
    at_s = time.time() - 30
    last = {
        "event_id": "e",
        "fixed_at": datetime.fromtimestamp(at_s, UTC).isoformat(),
        "at_s": at_s,
        "lat": 30.25,
        "lng": 120.15,
        "speed_kmh": 20.0,
        "heading_deg": 90.0,
    }
    return {"m1": {"last": last, "episodes": {}}}


async def answers(tmp_path, cases, *, secret=SECRET) -> list[tuple[int, dict]]:
    """Status and body of each (endpoint, headers) on one worker web server."""
    revoked: set[str] = set()
    prepared = [
        (ENDPOINTS[endpoint], headers_for(state, role, dept, revoked))
        for endpoint, role, dept, state in cases
    ]
    env = {"HOME": str(tmp_path), "CITYBRAIN_LANDING_DIR": str(tmp_path / "landing")}
    if secret:
        env["CITYBRAIN_API_SECRET"] = secret
    env["CITYBRAIN_API_REVOKED"] = ",".join(sorted(revoked))
    app = faust.App("vehicles-authz", broker="memory://", store="memory://", autodiscover=False)
    web.register(app, table(), fleet(), load(env))
    out = []
    async with TestClient(TestServer(app.web.web_app)) as client:
        for url, headers in prepared:
            response = await client.get(url, headers=headers)
            out.append((response.status, await response.json()))
    return out


async def test_the_vehicle_authorisation_matrix(tmp_path):
    got = await answers(tmp_path, ROWS)
    wrong = []
    for (endpoint, role, department, state), (status, body) in zip(ROWS, got, strict=True):
        want_status, want_code = EXPECTED[state]
        code = body.get("error") if isinstance(body, dict) else None
        if status != want_status or (want_code and code != want_code):
            wrong.append(f"{endpoint} {role}/{department} {state}: {status} {body}")
        if status == 401 and not body.get("message"):
            wrong.append(f"{endpoint} {role}/{department} {state}: 401 without a message")
    assert not wrong, "\n".join(wrong[:20])
    assert len(ROWS) == len(ENDPOINTS) * 7 * len(EXPECTED)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
async def test_without_the_secret_every_vehicle_endpoint_is_503(endpoint, tmp_path):
    ((status, body),) = await answers(tmp_path, [(endpoint, "admin", None, "valid")], secret=None)
    assert (status, body["error"]) == (503, "not_configured")
