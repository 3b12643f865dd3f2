"""Alerts and citizen reports as *signals*: one sighting of a problem at a place.

A signal is a flat JSON object::

    {"signal_id", "message_id", "source", "channel", "category", "severity",
     "lat", "lng", "at", "title"}

``signal_id`` is ``alert:<alert_id>`` (stable over an alert's life, so an
update of an alert is the same sighting) or ``report:<event_id>``;
``message_id`` is the message's own ``event_id`` (a re-delivered message has
the same one); ``source`` is the alert's source or ``citizen``; ``at`` is the
observation time (ISO UTC).

Signals travel on ``cases.alerts-by-place`` keyed by :func:`place_key`: the
category and the H3 **res-6** parent of the signal's res-9 cell. The dedup
index is keyed finer, by category and res-9 cell; keying the topic coarser
puts a cell and its neighbours on one partition (except across res-6
borders), so a new case reaches its neighbouring cells' index entries in the
same pass, before a second camera's alert in the next cell can open a second
case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import h3

from citybrain.contracts.base import isoformat_utc
from citybrain.geo import H3_RES_INCIDENT, latlng_to_cell
from streams.cases.policy import CITIZEN_SOURCE

H3_RES_PLACE_PARTITION = 6  # ~36 km²: the Kafka key of the dedup topic

Signal = dict[str, Any]


def signal_from_alert(row: Mapping[str, Any]) -> Signal:
    """The signal of a validated ``alerts`` row (``citybrain.contracts.alert``)."""
    return {
        "signal_id": f"alert:{row['alert_id']}",
        "message_id": row["event_id"],
        "source": row["source"],
        "channel": None,
        "category": row["category"],
        "severity": row["severity"],
        "lat": row["lat"],
        "lng": row["lng"],
        "at": isoformat_utc(row["event_at"]),
        "title": row["title"],
    }


def signal_from_report(row: Mapping[str, Any]) -> Signal:
    """The signal of a validated ``reports.citizen`` row."""
    return {
        "signal_id": f"report:{row['event_id']}",
        "message_id": row["event_id"],
        "source": CITIZEN_SOURCE,
        "channel": row["channel"],
        "category": row["category"],
        "severity": None,
        "lat": row["lat"],
        "lng": row["lng"],
        "at": isoformat_utc(row["event_at"]),
        "title": row["description"] or row["address"],
    }


def place_key(*, category: str, cell: str) -> str:
    """Kafka key of everything about ``category`` in res-9 ``cell`` on the dedup topic."""
    return f"{category}|{h3.cell_to_parent(cell, H3_RES_PLACE_PARTITION)}"


def signal_cell(signal: Mapping[str, Any]) -> str:
    """The res-9 cell of a signal."""
    return latlng_to_cell(lat=signal["lat"], lng=signal["lng"], res=H3_RES_INCIDENT)


def index_place_key(index_key: str) -> str:
    """Kafka key of a dedup index key ``"<category>|<res-9 cell>"``."""
    category, cell = index_key.split("|", 1)
    return place_key(category=category, cell=cell)
