"""Expectations for ``cases.events``: the case engine's journal (:mod:`streams.cases`).

One row per accepted command on a case. What lands must name a known
command issued by a known role, move between known states, carry a version
from 1 up, and never start a handling clock that has already run out.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from expectations.common import event_time, keys, landed_schema, one_of
from streams.cases.transitions import Name, Role, State

TOPIC = "cases.events"
# the ids the case API can address (streams.cases.api.schema.ID_PATTERN); the engine mints
# case-<20 hex>, other systems on cases.commands choose their own (e.g. case-patrol-…-026)
CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


def expectations() -> list[gxe.Expectation]:
    """Schema, keys and time; known command, role and states; versions and deadlines."""
    return [
        *landed_schema(TOPIC),
        *keys("case_id", "version", "command", "actor", "role"),
        *event_time(),
        gxe.ExpectColumnValuesToMatchRegex(
            column="case_id",
            regex=CASE_ID_PATTERN,
            description="case_id is an id the case API can address",
        ),
        one_of("command", [n.value for n in Name], what="case command"),
        one_of("role", [r.value for r in Role], what="case role"),
        one_of("from_state", [s.value for s in State], what="case state"),
        one_of("to_state", [s.value for s in State], what="case state"),
        gxe.ExpectColumnValuesToBeBetween(
            column="version", min_value=1, description="version counts from 1"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="deadline_at",
            column_B="event_at",
            ignore_row_if="either_value_is_missing",
            row_condition=Column("command") == "dispatch",
            description="a dispatch's deadline_at (UTC) is after the dispatch",
        ),
        gxe.ExpectColumnValuesToBeJsonParseable(
            column="payload_json", description="payload_json is a JSON document"
        ),
    ]
