"""Great Expectations suites as code: one module per landed contract, and the marts'.

Every landed topic has a suite: the five source contracts, the derived
``hotspots``, ``alerts`` and ``cases.events``, and the dead-letter topics
(one module for all five, :mod:`expectations.rejected`). Each module names
its ``TOPIC`` and returns its ``expectations()`` (the dead-letter module's
``expectations_for(topic)``); :func:`suite` builds the GX suite of a topic.
The main marts' suites are in :mod:`expectations.marts`. ``citybrain check``
runs both (:mod:`expectations.checkpoint`, :mod:`expectations.mart_check`).

GX reports on the contracts of what landed; SQLMesh audits block plans on
the models. A check lives in one of the two, never both.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from citybrain.contracts import SOURCE_TOPICS
from citybrain.topics import rejected

if TYPE_CHECKING:
    import great_expectations as gx

DEAD_LETTER_TOPICS: tuple[str, ...] = tuple(rejected(t) for t in SOURCE_TOPICS)
SUITE_MODULES: dict[str, str] = {
    "detections.video": "expectations.video",
    "reports.citizen": "expectations.report",
    "gps.fixes": "expectations.gps",
    "hydro.readings": "expectations.hydro",
    "permits": "expectations.permit",
    "hotspots": "expectations.hotspots",
    "alerts": "expectations.alert",
    "cases.events": "expectations.case_events",
    **{topic: "expectations.rejected" for topic in DEAD_LETTER_TOPICS},
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

    module = suite_module(topic)
    found = module.expectations_for(topic) if topic in DEAD_LETTER_TOPICS else module.expectations()
    return gx.ExpectationSuite(name=f"landing.{topic}", expectations=found)
