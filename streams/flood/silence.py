"""A station that stopped reporting is itself an alert: its messages and their CAP.

Silence is judged on the wall clock against when the station was last
*heard*: the Kafka timestamp of its newest reading, i.e. when the reading
entered the platform. Not on event time: event time stands still exactly when
everything stops (a dead gateway, a cut link), which is the outage duty staff
most need to see, and a replay of an old day would otherwise make every
station silent at once. The Kafka timestamp is part of the record, so a
redelivered reading yields the same messages.

- **Alert** when ``now ≥ heard + silence_s``. ``alert_id`` is
  ``<station>.silence.<epoch s silence began>`` and the message is ``.0``,
  ``sent_at`` the instant silence began (heard + silence_s): a check that runs
  twice, or again after a restart, sends the same message.
- **Cancel** (``.1``) when a reading heard *after* the silence began arrives;
  ``sent_at`` its Kafka timestamp. A redelivered older reading cancels nothing.

CAP: category Infra (monitoring infrastructure), event 监测站失联, urgency
Immediate, severity Minor, certainty Observed, responseType Monitor; the
Cancel is Past / AllClear. The area is the station's, as in :mod:`cap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from citybrain.contracts.base import isoformat_utc
from streams.flood.cap import _area, alert_header, cap_time
from streams.flood.lifecycle import Policy
from streams.flood.stations import StationConfig

SILENCE = "silence"  # the "hazard" of silence messages
LEVEL_SILENT = "silent"
DEFAULT_POLICY = Policy()


def _iso(epoch_s: float) -> str:
    return isoformat_utc(datetime.fromtimestamp(epoch_s, tz=UTC))


def _station(station: StationConfig) -> dict[str, Any]:
    return {
        "station_id": station.station_id,
        "station_name": station.name,
        "lat": station.lat,
        "lng": station.lng,
        "area_radius_km": station.area_radius_km,
        "polygon": [list(p) for p in station.polygon],
        "hazard": SILENCE,
    }


def silent_since_s(*, heard_s: int, silence_s: int) -> int:
    """Epoch second at which a station last heard at ``heard_s`` becomes silent."""
    return heard_s + silence_s


def silent_message(
    station: StationConfig,
    *,
    heard_s: int,
    observed_s: int | None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """The Alert that ``station``, last heard at ``heard_s`` (epoch s), is silent."""
    since_s = silent_since_s(heard_s=heard_s, silence_s=station.silence_s)
    alert_id = f"{station.station_id}.{SILENCE}.{since_s}"
    sent = _iso(since_s)
    return {
        "event_id": f"{alert_id}.0",
        "event_at": _iso(heard_s if observed_s is None else observed_s),
        "message_id": f"{alert_id}.0",
        "alert_id": alert_id,
        "msg_type": "Alert",
        "sender": policy.sender,
        "sent_at": sent,
        "issued_at": sent,
        "references": [],
        **_station(station),
        "level": LEVEL_SILENT,
        "previous_level": None,
        "certainty": "Observed",
        "silence_s": station.silence_s,
        "last_heard_at": _iso(heard_s),
        "last_observed_at": None if observed_s is None else _iso(observed_s),
        "values": {},
    }


def heard_message(alert: Mapping[str, Any], *, heard_s: int) -> dict[str, Any]:
    """The Cancel of silence ``alert`` when the station is heard again at ``heard_s``."""
    sent = _iso(heard_s)
    message_id = f"{alert['alert_id']}.1"
    return {
        **alert,
        "event_id": message_id,
        "event_at": sent,
        "message_id": message_id,
        "msg_type": "Cancel",
        "sent_at": sent,
        "references": [{k: alert[k] for k in ("sender", "message_id", "sent_at")}],
        "level": "none",
        "previous_level": LEVEL_SILENT,
    }


def cap_alert(message: Mapping[str, Any]) -> dict[str, Any]:
    """The CAP 1.2 ``alert`` of a silence message, as an ordered dict (see :mod:`cap`)."""
    cancel = message["msg_type"] == "Cancel"
    name = message["station_name"]
    minutes = message["silence_s"] // 60
    heard = cap_time(message["last_heard_at"])
    alert = alert_header(message)
    parameters = [
        {"valueName": "silence_s", "value": str(message["silence_s"])},
        {"valueName": "last_heard_at", "value": heard},
    ]
    if message["last_observed_at"]:
        parameters.append(
            {"valueName": "last_observed_at", "value": cap_time(message["last_observed_at"])}
        )
    alert["info"] = [
        {
            "language": "zh-CN",
            "category": ["Infra"],
            "event": "监测站失联",
            "responseType": ["AllClear" if cancel else "Monitor"],
            "urgency": "Past" if cancel else "Immediate",
            "severity": "Minor",
            "certainty": "Observed",
            "eventCode": [{"valueName": "citybrain:hazard", "value": SILENCE}],
            "effective": cap_time(message["sent_at"]),
            "senderName": message["sender"],
            "headline": f"{name}监测站" + ("恢复报告" if cancel else "失联"),
            "description": f"最后一次收到数据 {heard}"
            + ("，现已恢复。" if cancel else f"，已超过 {minutes} 分钟未收到数据。"),
            "parameter": parameters,
            "area": [_area(message)],
        }
    ]
    return alert
