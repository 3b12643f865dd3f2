"""Expectations for ``reports.citizen`` (contract :mod:`citybrain.contracts.report`)."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.categories import REPORT_CATEGORIES
from citybrain.contracts.report import CHANNELS, TOPIC
from expectations.common import not_null, one_of, source


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; a known channel and citybrain category."""
    return [
        *source(TOPIC, required=("channel", "category")),
        one_of("channel", CHANNELS, what="report channel"),
        one_of("category", REPORT_CATEGORIES, what="citybrain report category"),
        *not_null("description", "address"),  # landed as '' when the source gives none
    ]
