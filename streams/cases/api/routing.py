"""From a request to a response: route, size limit, token, role, inputs, handler.

:func:`handle` runs the checks in the order the package docstring gives and
answers the first failure as JSON; it never raises.
"""

from __future__ import annotations

from datetime import datetime

from citybrain import auth
from streams.cases.api.endpoints import COMMANDS_PATH, ENDPOINTS, HUMAN_COMMANDS
from streams.cases.api.model import (
    API_PREFIX,
    MAX_BODY_BYTES,
    ApiConfig,
    ApiError,
    Call,
    CaseStore,
    Endpoint,
    Part,
    Produce,
    Request,
    Response,
    StoreUnavailable,
    error,
)
from streams.cases.api.placement import Cluster
from streams.cases.api.schema import PATH_PARAMS
from streams.cases.api.spread import gather, to_owner
from streams.cases.api.validation import parse_body, parse_query, value_problem
from streams.cases.transitions import Name


def _match(template: str, path: str) -> dict[str, str] | None:
    want, got = template.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(got):
        return None
    params: dict[str, str] = {}
    for w, g in zip(want, got, strict=True):
        if w.startswith("{"):
            if not g:
                return None
            params[w[1:-1]] = g
        elif w != g:
            return None
    return params


def route(method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint and path parameters of a request; ApiError 404 or 405 when none."""
    if not path.startswith(API_PREFIX + "/"):
        raise ApiError(404, "not_found", f"no endpoint {path!r}; see {API_PREFIX}/openapi.json")
    rest = path[len(API_PREFIX) :].rstrip("/") or "/"
    method = "GET" if method == "HEAD" else method
    allowed: list[str] = []
    for endpoint in ENDPOINTS:
        params = _match(endpoint.path, rest)
        if params is None:
            continue
        if endpoint.method == method:
            return endpoint, params
        allowed.append(endpoint.method)
    if allowed:
        allow = ", ".join(sorted(set(allowed)))
        raise ApiError(405, "method_not_allowed", f"{method} {path}: use {allow}", {"Allow": allow})
    if (params := _match(COMMANDS_PATH, rest)) is not None:
        name = params["name"]
        message = f"unknown command {name!r}; one of {', '.join(n.value for n in HUMAN_COMMANDS)}"
        if name == Name.REPORT:
            message = f"reports are POST {API_PREFIX}/cases"
        elif name in {n.value for n in Name}:
            message = f"'{name}' is issued by the case engine, not over the API"
        raise ApiError(404, "unknown_command", message)
    raise ApiError(404, "not_found", f"no endpoint {path!r}; see {API_PREFIX}/openapi.json")


def authenticate(authorization: str | None, config: ApiConfig, now_at: datetime) -> auth.Claims:
    """The claims of the request's bearer token; ApiError 401 (or 503) otherwise."""
    challenge = 'Bearer realm="citybrain"'
    if not authorization:
        message = "send a token: Authorization: Bearer <token> (citybrain token issue)"
        raise ApiError(401, "missing_token", message, {"WWW-Authenticate": challenge})
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        message = "the Authorization header must be 'Bearer <token>'"
        raise ApiError(401, "invalid_token", message, {"WWW-Authenticate": challenge})
    try:
        revoked = config.revocations.current()
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiError(503, "unavailable", f"the revocation list cannot be read: {exc}") from None
    assert config.secret is not None
    try:
        return auth.verify(token.strip(), secret=config.secret, now_at=now_at, revoked=revoked)
    except auth.TokenError as exc:
        header = f'{challenge}, error="invalid_token"'
        raise ApiError(401, exc.code, exc.message, {"WWW-Authenticate": header}) from None


def _forbidden(endpoint: Endpoint, claims: auth.Claims) -> ApiError:
    assert endpoint.roles is not None
    allowed = ", ".join(sorted(endpoint.roles))
    action = f"'{endpoint.command}'" if endpoint.path != "/cases" and endpoint.command else None
    what = action or f"{endpoint.method} {API_PREFIX}{endpoint.path}"
    return ApiError(403, "role_not_allowed", f"role '{claims.role}' may not {what}; {allowed} may")


def _prepare(
    request: Request, store: CaseStore, config: ApiConfig, now_at: datetime
) -> tuple[Endpoint, Call]:
    endpoint, params = route(request.method.upper(), request.path)
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
    claims = None
    if endpoint.roles is not None:
        claims = authenticate(request.authorization, config, now_at)
        if claims.role not in endpoint.roles:
            raise _forbidden(endpoint, claims)
    for name, value in params.items():
        if (problem := value_problem(PATH_PARAMS[name], value)) is not None:
            raise ApiError(400, "invalid_request", f"path parameter '{name}' {problem}")
    query = parse_query(endpoint.params, request.query)
    body = parse_body(endpoint, request.body)
    return endpoint, Call(params, query, body, claims, store, config, now_at)


async def handle(
    request: Request,
    store: CaseStore,
    config: ApiConfig,
    *,
    now_at: datetime,
    cluster: Cluster | None = None,
) -> Response:
    """Answer one request; never raises for any request (store failures answer 503).

    With a ``cluster`` (several workers share the case partitions), a request
    about one case is answered by the worker holding it, after this worker's
    own checks, and lists and the summary gather every worker's part
    (:mod:`streams.cases.api.spread`).
    """
    if problem := auth.secret_problem(config.secret):
        return error(503, "not_configured", problem)
    try:
        endpoint, call = _prepare(request, store, config, now_at)
        if cluster is not None and endpoint.key is not None:
            case_id = endpoint.key(call)
            answer = None if case_id is None else await to_owner(cluster, case_id, request)
            if answer is not None:
                return answer
        result = endpoint.handler(call)
        if isinstance(result, Part):
            return await gather(cluster, endpoint, call, request, result)
        if isinstance(result, Produce):
            await store.send(result.command)
            return result.response
        return result
    except ApiError as exc:
        return error(exc.status, exc.code, exc.message, exc.headers)
    except StoreUnavailable as exc:
        return error(503, "unavailable", f"case engine unavailable: {exc}", {"Retry-After": "5"})
