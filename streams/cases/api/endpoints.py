"""Every endpoint of the case API, one row each: method, path, roles, inputs, handler.

The router dispatches on :data:`ENDPOINTS` and ``streams.cases.openapi``
documents the same rows. ``key`` names the case whose worker answers (reads
and commands of one case); ``merge`` marks the endpoints every worker answers
a part of (the list, the summary).
"""

from __future__ import annotations

from citybrain import auth
from streams.cases.api.handlers import (
    case_events,
    get_case,
    list_cases,
    merge_lists,
    merge_summaries,
    openapi_document,
    summary,
)
from streams.cases.api.issuing import create_case, issue_command, report_case_id
from streams.cases.api.model import Call, Endpoint
from streams.cases.api.schema import LIST_PARAMS, SUMMARY_PARAMS
from streams.cases.transitions import RULES, Name, Role

ALL_ROLES = frozenset(auth.API_ROLES)
SUMMARY_ROLES = frozenset({Role.LEADER.value, Role.ADMIN.value})


def path_case_id(call: Call) -> str:
    """The case of the path: its worker answers."""
    return call.params["case_id"]


def _roles(name: Name) -> frozenset[str]:
    """The API roles (people, not the engine) that may issue ``name``."""
    return frozenset(r.value for r in RULES[name].roles) & ALL_ROLES


def _command_endpoint(name: Name) -> Endpoint:
    to_state = RULES[name].to_state
    leads_to = "state unchanged" if to_state is None else f"to {to_state.value}"
    return Endpoint(
        "POST",
        f"/cases/{{case_id}}/commands/{name.value}",
        f"command_{name.value}",
        f"Issue '{name.value}' ({leads_to})",
        _roles(name),
        202,
        "Accepted",
        issue_command(name),
        command=name,
        key=path_case_id,
    )


# commands people issue over the API (reports have their own endpoint; the rest are the engine's)
HUMAN_COMMANDS: tuple[Name, ...] = tuple(n for n in Name if n is not Name.REPORT and _roles(n))

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/cases",
        "create_case",
        "Report a case by hand (上报)",
        _roles(Name.REPORT),
        202,
        "Accepted",
        create_case,
        command=Name.REPORT,
        key=report_case_id,
    ),
    Endpoint(
        "GET",
        "/cases",
        "list_cases",
        "List cases",
        ALL_ROLES,
        200,
        "CaseList",
        list_cases,
        LIST_PARAMS,
        merge=merge_lists,
    ),
    Endpoint(
        "GET",
        "/cases/{case_id}",
        "get_case",
        "One case",
        ALL_ROLES,
        200,
        "Case",
        get_case,
        key=path_case_id,
    ),
    Endpoint(
        "GET",
        "/cases/{case_id}/events",
        "case_events",
        "A case's events",
        ALL_ROLES,
        200,
        "EventList",
        case_events,
        key=path_case_id,
    ),
    *(_command_endpoint(n) for n in HUMAN_COMMANDS),
    Endpoint(
        "GET",
        "/summary",
        "summary",
        "Leader summary",
        SUMMARY_ROLES,
        200,
        "Summary",
        summary,
        SUMMARY_PARAMS,
        merge=merge_summaries,
    ),
    Endpoint(
        "GET", "/openapi.json", "openapi", "This document", None, 200, "OpenApi", openapi_document
    ),
)
COMMANDS_PATH = "/cases/{case_id}/commands/{name}"
