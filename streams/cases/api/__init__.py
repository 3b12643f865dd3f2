"""The case HTTP API without a web framework: a request in, a status and a JSON body out.

Every endpoint is a row of :data:`ENDPOINTS`; the handlers validate input
with the JSON Schemas of :data:`FIELDS` and of each endpoint's query
parameters, and ``streams.cases.openapi`` publishes the same rows, so the
document and the handlers cannot drift. :func:`register_api` binds
:func:`handle` to the faust worker's web server.

| method | path (under ``/api/v1``) | who | success |
| --- | --- | --- | --- |
| POST | ``/cases`` | supervisor, call_taker, admin | 202, a ``report`` command produced |
| GET | ``/cases`` | every role | 200, one page of cases |
| GET | ``/cases/{case_id}`` | every role | 200, the case |
| GET | ``/cases/{case_id}/events`` | every role | 200, the case's events |
| POST | ``/cases/{case_id}/commands/{name}`` | the command's roles in ``RULES`` | 202 |
| GET | ``/summary`` | leader, admin | 200, the leader summary |
| GET | ``/openapi.json`` | anyone | 200, the OpenAPI 3.1 document |

Checks run in this order and the first failure answers, as JSON
``{"error": code, "message": ...}``: 503 no usable ``CITYBRAIN_API_SECRET``;
404 / 405 no such endpoint or method; 413 body over :data:`MAX_BODY_BYTES`;
401 token missing, invalid, expired or revoked; 403 role (or department)
not allowed; 400 bad path, query or body; 404 unknown case; then the case
core (``checks.refusal_for``): 409 wrong state or case exists, 400 bad
payload; 503 when the tables cannot be read or the command not produced.

Department scope: a department handler's token names its department, and
it sees and acts on only the cases currently assigned to that department.
Any other case (another department's, or one not yet dispatched) answers
404 exactly like a case that does not exist, so the API does not reveal
which cases other departments hold; asking to list another department's
cases is a 403.

Several workers: each holds some partitions of the case tables. After the
checks above, a request about one case (GET it, its events, a command on it,
a report with a ``command_id``) goes on to the worker holding the case, with
the caller's token, which that worker checks again; the list and the summary
gather a part from every worker holding case partitions and merge them, so
every worker gives the same answer. A worker that cannot be reached, or
partitions moving between workers meanwhile, answer 503 with ``Retry-After``.

A 202 means the command is on ``cases.commands`` (acknowledged by Kafka):
the engine applies it shortly after, or refuses it if the case changed in
between; GET the case to see the result. A client may send its own
``command_id`` to make retries harmless; a report's case id then derives from
the subject and that id, so a retried report opens one case.
"""

# The package's modules, each importing only those above it:
#   model       requests, responses, errors, endpoint records (plain data)
#   schema      JSON Schemas of body fields, query and path parameters
#   validation  queries and bodies checked against those schemas
#   views       cases as the API shows them; department scope
#   handlers    the read handlers; issuing: the command handlers
#   endpoints   the endpoint table
#   placement   which worker holds a case; the Cluster a worker sees
#   spread      a case's request to its worker; lists gathered from every worker
#   routing     route, authenticate, handle
#   peers       the Cluster over faust's assignment and HTTP to other workers
#   binding     faust tables, command topic and aiohttp view (the I/O)
# Below: the names other code uses; the rest are in their modules.

from __future__ import annotations

from streams.cases.api.binding import EngineStore, register_api
from streams.cases.api.endpoints import ENDPOINTS, HUMAN_COMMANDS
from streams.cases.api.model import (
    API_PREFIX,
    MAX_BODY_BYTES,
    ApiConfig,
    ApiError,
    Call,
    CaseStore,
    Endpoint,
    Param,
    Produce,
    Request,
    Response,
    StoreUnavailable,
)
from streams.cases.api.routing import authenticate, handle, route
from streams.cases.api.schema import (
    FIELDS,
    LIST_PARAMS,
    PATH_PARAMS,
    SUMMARY_PARAMS,
    body_fields,
    field_schema,
)

__all__ = [
    "API_PREFIX",
    "ENDPOINTS",
    "FIELDS",
    "HUMAN_COMMANDS",
    "LIST_PARAMS",
    "MAX_BODY_BYTES",
    "PATH_PARAMS",
    "SUMMARY_PARAMS",
    "ApiConfig",
    "ApiError",
    "Call",
    "CaseStore",
    "Endpoint",
    "EngineStore",
    "Param",
    "Produce",
    "Request",
    "Response",
    "StoreUnavailable",
    "authenticate",
    "body_fields",
    "field_schema",
    "handle",
    "register_api",
    "route",
]
