"""Expectations for ``gps.fixes`` (contract :mod:`citybrain.contracts.gps`)."""

from __future__ import annotations

import great_expectations.expectations as gxe

from citybrain.contracts.gps import TOPIC
from expectations.common import between, source

FLAGS_MAX = 2**32 - 1  # JT/T 808 alarm and status words are DWORDs


def expectations() -> list[gxe.Expectation]:
    """Keys, area and time; speed, heading, altitude and flag words in range."""
    return [
        *source(TOPIC, required=("vehicle_id", "speed_kmh", "heading_deg")),
        between("speed_kmh", low=0, high=400, unit="km/h"),
        between("heading_deg", low=0, high=360, unit="degrees clockwise from north"),
        between("altitude_m", low=-500, high=9000, unit="m"),
        between("alarm_flags", low=0, high=FLAGS_MAX, unit="bit flags"),
        between("status_flags", low=0, high=FLAGS_MAX, unit="bit flags"),
    ]
