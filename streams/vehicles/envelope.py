"""A newly opened violation episode → the ``alerts`` envelope (:mod:`citybrain.contracts.alert`).

``source`` "vehicles", ``category`` "construction_waste" (建筑垃圾: muck
transport), ``severity`` Moderate, ``level`` the rule broken (``no_permit``,
``outside_window``, ``off_route``). ``event_id`` is ``<alert_id>.1`` (the
first and, for now, only message of the alert) and ``sent_at`` the breach's
event time, so a redelivery produces the identical message. ``details`` hold
the vehicle, its permits and the breaching fix as evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SOURCE = "vehicles"
CATEGORY = "construction_waste"
SEVERITY = "Moderate"
TITLES = {
    "no_permit": "渣土车无有效准运证行驶",
    "outside_window": "渣土车在准运时段外行驶",
    "off_route": "渣土车偏离准运路线",
}


def envelope(
    opened: Mapping[str, Any],
    *,
    vehicle: Mapping[str, Any],
    permits: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The ``alerts`` document of one opened episode of ``vehicle`` (a reference row)."""
    fix = opened["fix"]
    kind = opened["kind"]
    plate = vehicle.get("plate", "")
    return {
        "event_id": f"{opened['alert_id']}.1",
        "alert_id": opened["alert_id"],
        "msg_type": "Alert",
        "source": SOURCE,
        "category": CATEGORY,
        "severity": SEVERITY,
        "level": kind,
        "event_at": fix["fixed_at"],
        "sent_at": fix["fixed_at"],
        "lat": fix["lat"],
        "lng": fix["lng"],
        "title": f"{TITLES[kind]} {plate}".strip(),
        "details": {
            "rule": kind,
            "vehicle": {
                "vehicle_id": vehicle.get("vehicle_id"),
                "plate": plate,
                "vehicle_type": vehicle.get("vehicle_type"),
                "company": vehicle.get("company") or vehicle.get("owner"),
            },
            "permits": [
                {"permit_id": p["permit_id"], "holder": p["holder"], "time_windows": p["windows"]}
                for p in permits
            ],
            "evidence": [dict(fix)],
        },
    }
