"""Alert lifecycle of one station × hazard: issue, update, cancel, without flapping.

Each :func:`step` takes the stored state and one :class:`Signal` (the levels
judged on the station's values at one event time) and returns the new state and
at most one message.

- **Issue / raise at once.** The alert level is raised as soon as the observed
  level, or the next level the nowcast expects within the hour, is above it
  (msgType ``Alert`` for the first message, ``Update`` after; certainty
  ``Likely`` when only the nowcast supports the level). No delay upwards.
- **Lower slowly (hysteresis).** A level is lowered only when the *hold* level
  (thresholds lowered by their clear margin, see :mod:`streams.flood.levels`)
  and the expected level are both below it, continuously for ``settle_s``
  (default 900 s), and the level has stood at least ``min_level_s`` (default
  1800 s). It drops to the hold level, or the alert is cancelled (``Cancel``).
- **Stable ids.** ``alert_id`` = ``<station>.<hazard>.<epoch s of issue>`` for
  the whole life of the alert; message ``n`` is ``<alert_id>.<n>``. Updates and
  the cancel reference the first and the previous message (CAP ``references``).
- **Event time.** Durations and ``sent_at`` use the signal's event time, so a
  replay yields the same messages and ids; a late signal never moves time back.

The state (JSON)::

    {"alert_id": str | None, "level": int, "since_s": int, "below_s": int | None,
     "seq": int, "first": [id, sent] | None, "last": [id, sent] | None, "at_s": int}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts.base import isoformat_utc
from streams.flood.levels import Level, Rule
from streams.flood.state import epoch_s
from streams.flood.stations import StationConfig

ALERT, UPDATE, CANCEL = "Alert", "Update", "Cancel"


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One hazard of one station judged at event time ``at``."""

    station: StationConfig
    hazard: str
    at: datetime
    level: Level
    hold_level: Level
    trigger: Rule | None = None
    values: Mapping[str, float] = field(default_factory=dict)
    forecast_level: Level = Level.NONE
    forecast_at: datetime | None = None
    forecast_measure: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Who sends, and how long a level must stand (s) before it may drop."""

    sender: str = "citybrain.flood"
    min_level_s: int = 1800
    settle_s: int = 900


@dataclass(frozen=True, slots=True)
class Step:
    """The new state and the message to publish, if any."""

    state: dict[str, Any]
    message: dict[str, Any] | None


def empty_state() -> dict[str, Any]:
    """No active alert."""
    return {
        "alert_id": None,
        "level": 0,
        "since_s": None,
        "below_s": None,
        "seq": 0,
        "first": None,
        "last": None,
        "at_s": None,
    }


def step(state: Mapping[str, Any] | None, signal: Signal, *, policy: Policy = Policy()) -> Step:
    """Advance one station × hazard alert by one signal."""
    old = {**empty_state(), **(state or {})}
    at_s = max(epoch_s(signal.at), old["at_s"] or 0)
    old["at_s"] = at_s
    current = Level(old["level"])
    rising_to = max(signal.level, signal.forecast_level)
    holding = max(signal.hold_level, signal.forecast_level)
    if rising_to > current:
        kind = ALERT if current == Level.NONE else UPDATE
        return _transition(old, signal, kind, rising_to, policy, observed=signal.level >= rising_to)
    if current == Level.NONE or holding >= current:
        return Step({**old, "below_s": None}, None)
    below_s = at_s if old["below_s"] is None else old["below_s"]
    if at_s - old["since_s"] < policy.min_level_s or at_s - below_s < policy.settle_s:
        return Step({**old, "below_s": below_s}, None)
    kind = CANCEL if holding == Level.NONE else UPDATE
    return _transition(old, signal, kind, holding, policy, observed=signal.hold_level >= holding)


def _transition(
    old: dict[str, Any], signal: Signal, kind: str, level: Level, policy: Policy, *, observed: bool
) -> Step:
    at_s = old["at_s"]
    sent = isoformat_utc(datetime.fromtimestamp(at_s, tz=UTC))
    if kind == ALERT:
        alert_id, seq, first = f"{signal.station.station_id}.{signal.hazard}.{at_s}", 0, None
    else:
        alert_id, seq, first = old["alert_id"], old["seq"] + 1, old["first"]
    message_id = f"{alert_id}.{seq}"
    earlier = [] if kind == ALERT else [first] + ([old["last"]] if old["last"] != first else [])
    message = {
        "event_id": message_id,
        "event_at": sent,
        "message_id": message_id,
        "alert_id": alert_id,
        "msg_type": kind,
        "sender": policy.sender,
        "sent_at": sent,
        "issued_at": sent if first is None else first[1],
        "references": [
            {"sender": policy.sender, "message_id": i, "sent_at": s} for i, s in earlier
        ],
        **_body(signal, level=level, previous=Level(old["level"]), kind=kind),
        "certainty": "Observed" if observed else "Likely",
    }
    if kind == CANCEL:
        return Step({**empty_state(), "at_s": at_s}, message)
    last = [message_id, sent]
    new = {**old, "alert_id": alert_id, "level": int(level), "since_s": at_s, "below_s": None}
    return Step({**new, "seq": seq, "first": first or last, "last": last}, message)


def _body(signal: Signal, *, level: Level, previous: Level, kind: str) -> dict[str, Any]:
    """The station, level, values and forecast part of a message."""
    station, trigger = signal.station, signal.trigger
    forecast = None
    if signal.forecast_level > signal.level and signal.forecast_at is not None:
        forecast = {
            "level": signal.forecast_level.label,
            "measure": signal.forecast_measure,
            "crossing_at": isoformat_utc(signal.forecast_at),
        }
    return {
        "station_id": station.station_id,
        "station_name": station.name,
        "lat": station.lat,
        "lng": station.lng,
        "area_radius_km": station.area_radius_km,
        "polygon": [list(p) for p in station.polygon],
        "hazard": signal.hazard,
        "level": (Level.NONE if kind == CANCEL else level).label,
        "previous_level": None if kind == ALERT else previous.label,
        "trigger": None
        if trigger is None
        else {
            "measure": trigger.measure,
            "value": signal.values.get(trigger.measure),
            "threshold": trigger.threshold,
        },
        "values": dict(signal.values),
        "forecast": forecast,
    }
