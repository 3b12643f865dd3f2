"""Great Expectations suites as code, one module per landed source contract.

Each module names its contract's ``TOPIC`` and returns its ``expectations()``;
:func:`suite` builds the GX suite of a topic. Run them over the Parquet
landing with ``citybrain check`` (:mod:`expectations.checkpoint`).

GX reports on the contracts of what landed; SQLMesh audits block plans on
the models. A check lives in one of the two, never both.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import great_expectations as gx

SUITE_MODULES: dict[str, str] = {
    "detections.video": "expectations.video",
    "reports.citizen": "expectations.report",
    "gps.fixes": "expectations.gps",
    "hydro.readings": "expectations.hydro",
    "permits": "expectations.permit",
}
CHECKED_TOPICS: tuple[str, ...] = tuple(SUITE_MODULES)


def suite_module(topic: str) -> ModuleType:
    """The module holding a topic's expectations (imports GX, ~4 s the first time)."""
    import importlib

    if topic not in SUITE_MODULES:
        raise KeyError(f"no expectation suite for topic {topic!r}; known: {list(SUITE_MODULES)}")
    return importlib.import_module(SUITE_MODULES[topic])


def suite(topic: str) -> gx.ExpectationSuite:
    """A fresh GX suite named ``landing.<topic>`` holding the topic's expectations."""
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=f"landing.{topic}", expectations=suite_module(topic).expectations()
    )
