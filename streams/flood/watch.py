"""One station's table value, and what a reading or the silence clock does to it.

The flood agent keeps one JSON value per station in the table
``flood_stations`` (keyed by station id, co-partitioned with
``hydro.readings``), replaced on every change, never mutated::

    {"partition": int,                  # the station's hydro.readings partition
     "readings": {...},                 # streams.flood.state: rain, level, depth, seen_s
     "lifecycle": {hazard: {...}},      # streams.flood.lifecycle state per watched hazard
     "messages": {hazard: [doc, ...]},  # alerts envelopes of the hazard's latest alert
     "heard_s": int | None,             # Kafka timestamp (epoch s) of the newest reading
     "silence": {...} | None}           # the open silence Alert (streams.flood.silence)

``messages`` keeps every message of each hazard's latest alert (its Alert,
Updates and Cancel; at most MAX_KEPT), "silence" being a hazard there too: it
is what the HTTP feed serves.

Both functions are deterministic in their arguments: the same reading (with
its Kafka timestamp) applied to the same value gives the same value and the
same messages, and applied to the value it produced gives no message and no
change. That is what makes the agent exact under redelivery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.flood import envelope, lifecycle, silence
from streams.flood.signals import signal
from streams.flood.state import Outcome, add_reading, empty_state
from streams.flood.stations import StationConfig

MAX_KEPT = 20
CANCEL_SHOWN_S = 3600  # a cancelled alert stays in the feed this long (s) after its Cancel
CHANGED = (Outcome.COUNTED, Outcome.CORRECTED)
DEFAULT_POLICY = lifecycle.Policy()


@dataclass(frozen=True, slots=True)
class Applied:
    """The station's new value (the same object when unchanged) and the messages to publish."""

    value: Mapping[str, Any] | None
    messages: list[dict[str, Any]]
    outcome: str


def new_value(partition: int) -> dict[str, Any]:
    """The value of a station not heard from yet."""
    return {
        "partition": partition,
        "readings": empty_state(),
        "lifecycle": {},
        "messages": {},
        "heard_s": None,
        "silence": None,
    }


def _kept(earlier: list[dict[str, Any]], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """A hazard's kept messages after ``doc``: a new Alert starts the list afresh."""
    return [doc] if doc["msg_type"] == "Alert" else [*earlier, doc][-MAX_KEPT:]


def apply(
    value: Mapping[str, Any] | None,
    row: Mapping[str, Any],
    *,
    station: StationConfig,
    partition: int,
    heard_s: int,
    cameras: Sequence[Mapping[str, Any]] = (),
    policy: lifecycle.Policy = DEFAULT_POLICY,
) -> Applied:
    """Apply one valid ``hydro.readings`` row that reached Kafka at ``heard_s`` (epoch s)."""
    old = dict(value) if value is not None else new_value(partition)
    added = add_reading(
        old["readings"],
        element=row["element"],
        observed_at=row["event_at"],
        value=row["value"],
        period_s=row["period_s"],
    )
    new, out = dict(old), []
    kept = dict(old["messages"])
    if old["heard_s"] is None or heard_s > old["heard_s"]:
        new["heard_s"] = heard_s
        if old["silence"] is not None:
            doc = envelope.envelope(
                silence.heard_message(old["silence"], heard_s=heard_s), cameras=cameras
            )
            out.append(doc)
            kept[silence.SILENCE] = _kept(kept.get(silence.SILENCE, []), doc)
            new["silence"] = None
    if added.outcome in CHANGED:
        states = dict(old["lifecycle"])
        for hazard in station.hazards:
            judged = signal(added.state, station=station, hazard=hazard)
            if judged is None:
                continue
            step = lifecycle.step(states.get(hazard), judged, policy=policy)
            states[hazard] = step.state
            if step.message is not None:
                doc = envelope.envelope(step.message, cameras=cameras)
                out.append(doc)
                kept[hazard] = _kept(kept.get(hazard, []), doc)
        new["readings"], new["lifecycle"] = added.state, states
    new["messages"] = kept
    if value is not None and new == value:
        return Applied(value, out, added.outcome)
    return Applied(new, out, added.outcome)


def check_silence(
    value: Mapping[str, Any] | None,
    *,
    station: StationConfig,
    now_s: float,
    cameras: Sequence[Mapping[str, Any]] = (),
    policy: lifecycle.Policy = DEFAULT_POLICY,
) -> Applied:
    """Raise the silence Alert when ``station`` has not been heard for its ``silence_s``."""
    if value is None or value["heard_s"] is None or value["silence"] is not None:
        return Applied(value, [], "quiet")
    since_s = silence.silent_since_s(heard_s=value["heard_s"], silence_s=station.silence_s)
    if now_s < since_s:
        return Applied(value, [], "quiet")
    message = silence.silent_message(
        station,
        heard_s=value["heard_s"],
        observed_s=value["readings"]["seen_s"],
        policy=policy,
    )
    doc = envelope.envelope(message, cameras=cameras)
    messages = {**value["messages"], silence.SILENCE: [doc]}
    return Applied({**value, "silence": message, "messages": messages}, [doc], "silent")


def _epoch_s(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def current(
    value: Mapping[str, Any], *, now_s: float, shown_s: int = CANCEL_SHOWN_S
) -> list[dict[str, Any]]:
    """The latest message of each alert of the station that is active or recently cancelled.

    A Cancel is shown for ``shown_s`` after it was sent: for hazards against
    the station's own event time (its newest reading), for silence against
    the wall clock ``now_s`` (epoch s), the clocks those messages live on.
    """
    shown = []
    for hazard, docs in sorted(value["messages"].items()):
        latest = docs[-1]
        if latest["msg_type"] != "Cancel":
            shown.append(latest)
            continue
        clock = now_s if hazard == silence.SILENCE else value["readings"]["seen_s"]
        if clock is not None and clock - _epoch_s(latest["sent_at"]) < shown_s:
            shown.append(latest)
    return shown


def find(value: Mapping[str, Any], message_id: str) -> dict[str, Any] | None:
    """A kept message of the station by its message id, or None."""
    for docs in value["messages"].values():
        for doc in docs:
            if doc["event_id"] == message_id:
                return doc
    return None
