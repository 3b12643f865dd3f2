"""``marts.case_state_by_case``: the latest state of each case, for evaluation and dashboards."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import CATEGORIES
from expectations.common import one_of
from expectations.marts.common import grid_code, in_county, not_before, not_future_utc
from streams.cases.policy_file import CASE_SOURCES

MART = "marts.case_state_by_case"
KEY_COLUMNS = ("case_id",)
TIME_COLUMN = "reported_at"


def expectations() -> list[gxe.Expectation]:
    """Cases in the county, known categories and sources, case times in their order.

    ``updated_at`` may precede ``reported_at``: it is the time of the latest event by
    version, and a signal observed before the report can be linked to the case later.
    """
    return [
        *in_county("lat", "lng", what="case"),
        not_future_utc("reported_at"),
        not_future_utc("updated_at"),
        one_of("category", CATEGORIES, what="citybrain category"),
        one_of("source", CASE_SOURCES, what="case source"),
        grid_code(),
        not_before("first_dispatched_at", "reported_at"),
        not_before("last_dispatched_at", "first_dispatched_at"),
        not_before("last_handled_at", "first_dispatched_at"),
        not_before("handling_deadline_at", "department_dispatched_at"),
        not_before("closed_at", "reported_at"),
    ]
